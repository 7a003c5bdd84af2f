package io.berth.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Prints a {@link ConfigFile} exactly as Proxmox writes it, so an unchanged file round-trips byte for byte: per
 * section the description as {@code %}-encoded {@code #} lines, the keys in plain ASCII order ({@code mp10} before
 * {@code mp2}; {@code delete}, {@code parent}, {@code snaptime}, {@code snapstate} among them), the {@code env}
 * entries as {@code lxc.environment.runtime} lines, then the raw {@code lxc.*} entries in their order;
 * {@code [pve:pending]} after the main section when it has anything, then the snapshots sorted by name.
 */
public final class ConfigPrinter {
    private ConfigPrinter() {}

    public static String print(ConfigFile f) {
        StringBuilder sb = new StringBuilder();
        section(sb, f.main(), true);
        f.pending().ifPresent(p -> {
            sb.append('\n').append('[').append(ConfigParser.PENDING).append("]\n");
            section(sb, p, false);
        });
        for (Map.Entry<String, ContainerConfig> e : sortedByName(f.snapshots()).entrySet()) {
            sb.append('\n').append('[').append(e.getKey()).append("]\n");
            section(sb, e.getValue(), false);
        }
        return sb.toString();
    }

    private static java.util.Set<String> usedVolumes(ContainerConfig c) {
        java.util.Set<String> used = new java.util.HashSet<>();
        c.values().forEach((k, v) -> {
            if (!MountPoint.isVolumeKey(k)) return;
            try {
                if (MountPoint.parse(k, v).source() instanceof MountSource.Volume vol) used.add(vol.volid());
            } catch (RuntimeException e) {
                // a value that does not parse names no volume; it is printed back as it was
            }
        });
        return used;
    }

    private static TreeMap<String, ContainerConfig> sortedByName(Map<String, ContainerConfig> snaps) {
        TreeMap<String, ContainerConfig> m = new TreeMap<>();
        m.putAll(snaps);
        return m;
    }

    /** One section without header. */
    public static String printSection(ContainerConfig c) {
        StringBuilder sb = new StringBuilder();
        section(sb, c, false);
        return sb.toString();
    }

    private static void section(StringBuilder sb, ContainerConfig c, boolean main) {
        c.description().ifPresent(d -> {
            List<String> lines = new ArrayList<>(List.of(d.split("\n")));
            for (String line : lines) sb.append('#').append(DescriptionText.encode(line)).append('\n');
        });
        TreeMap<String, String> keys = new TreeMap<>();
        keys.putAll(c.values());
        keys.remove("env");
        // Proxmox never writes a snapstate into the main section, nor an unusedN naming a volume rootfs/mpN still use
        if (main) {
            keys.remove("snapstate");
            java.util.Set<String> used = usedVolumes(c);
            keys.entrySet().removeIf(e -> Schema.inFamily("unused", e.getKey()) && used.contains(e.getValue()));
        }
        if (!c.deletes().isEmpty()) keys.putIfAbsent("delete", String.join(",", c.deletes()));
        keys.forEach((k, v) -> sb.append(k).append(": ").append(v).append('\n'));
        c.get("env").ifPresent(env -> {
            for (String var : env.split("\0+")) if (!var.isEmpty()) sb.append("lxc.environment.runtime: ").append(var).append('\n');
        });
        for (RawLxc r : c.lxcRawAsStored()) sb.append(r.key()).append(": ").append(r.value()).append('\n');
    }
}
