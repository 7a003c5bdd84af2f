package io.berth.cluster;

import io.berth.config.Vmid;
import io.berth.error.InvalidInputException;
import java.util.Locale;
import java.util.Optional;

/**
 * One HA resource, a section of Proxmox's {@code /etc/pve/ha/resources.cfg}: {@code ct: VMID} with {@code state}
 * (requested state: started, stopped, disabled, ignored), {@code group}, {@code max_restart}, {@code max_relocate},
 * {@code comment}. Kept in etcd one key per resource ({@code /berth/ha/resources/VMID}), its value the section text.
 */
public record HaResource(int vmid, State state, Optional<String> group, int maxRestart, int maxRelocate, Optional<String> comment) {
    /** Proxmox's requested states: started/stopped are enforced by the node's LRM; disabled stops and never recovers; ignored is left alone. */
    public enum State {
        STARTED, STOPPED, DISABLED, IGNORED;

        public String key() { return name().toLowerCase(Locale.ROOT); }

        public static State parse(String s) {
            for (State v : values()) if (v.key().equals(s)) return v;
            throw new InvalidInputException("state", "'" + s + "' is not a HA state: allowed started, stopped, disabled, ignored");
        }
    }

    public HaResource {
        Vmid.check(vmid);
        group.ifPresent(HaGroup::checkName);
        if (maxRestart < 0 || maxRestart > 10) throw new InvalidInputException("max_restart", "'" + maxRestart + "': allowed 0..10");
        if (maxRelocate < 0 || maxRelocate > 10) throw new InvalidInputException("max_relocate", "'" + maxRelocate + "': allowed 0..10");
        comment.ifPresent(c -> {
            if (c.contains("\n")) throw new InvalidInputException("comment", "a comment is one line");
        });
    }

    public static HaResource of(int vmid, State state, Optional<String> group) {
        return new HaResource(vmid, state, group, 1, 1, Optional.empty());
    }

    public String sid() { return "ct:" + vmid; }

    /** The section as resources.cfg has it (defaults left out, as Proxmox writes it). */
    public String format() {
        StringBuilder sb = new StringBuilder("ct: ").append(vmid).append('\n');
        comment.ifPresent(c -> sb.append("\tcomment ").append(c).append('\n'));
        group.ifPresent(g -> sb.append("\tgroup ").append(g).append('\n'));
        if (maxRelocate != 1) sb.append("\tmax_relocate ").append(maxRelocate).append('\n');
        if (maxRestart != 1) sb.append("\tmax_restart ").append(maxRestart).append('\n');
        if (state != State.STARTED) sb.append("\tstate ").append(state.key()).append('\n');
        return sb.toString();
    }

    public static HaResource parse(String text) {
        int vmid = -1;
        State state = State.STARTED;
        Optional<String> group = Optional.empty(), comment = Optional.empty();
        int maxRestart = 1, maxRelocate = 1;
        for (String line : text.lines().toList()) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) continue;
            if (l.startsWith("ct:")) {
                vmid = Integer.parseInt(l.substring(3).strip());
                continue;
            }
            String[] kv = l.split("\\s+", 2);
            String v = kv.length > 1 ? kv[1] : "";
            switch (kv[0]) {
                case "state" -> state = State.parse(v);
                case "group" -> group = Optional.of(v);
                case "comment" -> comment = Optional.of(v);
                case "max_restart" -> maxRestart = Integer.parseInt(v);
                case "max_relocate" -> maxRelocate = Integer.parseInt(v);
                default -> throw new InvalidInputException(kv[0], "unknown HA resource option '" + kv[0] + "'");
            }
        }
        if (vmid < 0) throw new InvalidInputException("sid", "HA resource section without 'ct: VMID' line: " + text);
        return new HaResource(vmid, state, group, maxRestart, maxRelocate, comment);
    }
}
