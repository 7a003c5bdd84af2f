package io.berth.ct.task;

import io.berth.error.InvalidInputException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A task id in Proxmox's format, {@code UPID:node:pid:pstart:starttime:type:id:user:} with pid, pstart (the
 * process start time in clock ticks, so a recycled pid is not mistaken for the task's process) and starttime
 * (epoch seconds) as 8 upper-case hex digits, so the API and tools written for Proxmox read ours.
 */
public record Upid(String node, long pid, long pstart, long starttime, String type, String id, String user) {
    private static final Pattern FORMAT = Pattern.compile(
            "UPID:([a-zA-Z0-9]([a-zA-Z0-9\\-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\\s]+):([^:\\s]*):([^:\\s]+):");

    public Upid {
        if (!node.matches("[a-zA-Z0-9]([a-zA-Z0-9\\-]*[a-zA-Z0-9])?")) throw new IllegalArgumentException("bad node name '" + node + "'");
        if (type.isEmpty() || type.matches(".*[:\\s].*")) throw new IllegalArgumentException("bad task type '" + type + "'");
        if (id.matches(".*[:\\s].*")) throw new IllegalArgumentException("bad task id '" + id + "'");
        if (user.isEmpty() || user.matches(".*[:\\s].*")) throw new IllegalArgumentException("bad task user '" + user + "'");
    }

    public static Upid parse(String s) {
        Matcher m = FORMAT.matcher(s == null ? "" : s.strip());
        if (!m.matches())
            throw new InvalidInputException("upid", "'" + s + "' is not a task id; allowed: UPID:node:pid:pstart:starttime:type:id:user: "
                    + "(as printed by berth task list)");
        return new Upid(m.group(1), Long.parseLong(m.group(3), 16), Long.parseLong(m.group(4), 16),
                Long.parseLong(m.group(5), 16), m.group(6), m.group(7), m.group(8));
    }

    /** Proxmox keeps a task's log in a subdirectory named after the last hex digit of the start time. */
    String subdir() { return String.format("%X", starttime & 0xf); }

    @Override public String toString() {
        return String.format("UPID:%s:%08X:%08X:%08X:%s:%s:%s:", node, pid, pstart, starttime, type, id, user);
    }
}
