package io.berth.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Prints a {@link ConfigFile} in the Proxmox format: per section the description as {@code #} lines, the keys
 * in natural order ({@code mp2} before {@code mp10}; the pending {@code delete} list among them), then the raw
 * {@code lxc.*} entries in their order; {@code [PENDING]} after the main section, then snapshots in order.
 */
public final class ConfigPrinter {
    private ConfigPrinter() {}

    public static String print(ConfigFile f) {
        StringBuilder sb = new StringBuilder();
        section(sb, f.main());
        f.pending().ifPresent(p -> {
            sb.append('\n').append('[').append(ConfigParser.PENDING).append("]\n");
            section(sb, p);
        });
        for (Map.Entry<String, ContainerConfig> e : f.snapshots().entrySet()) {
            sb.append('\n').append('[').append(e.getKey()).append("]\n");
            section(sb, e.getValue());
        }
        return sb.toString();
    }

    /** One section without header. */
    public static String printSection(ContainerConfig c) {
        StringBuilder sb = new StringBuilder();
        section(sb, c);
        return sb.toString();
    }

    private static void section(StringBuilder sb, ContainerConfig c) {
        c.description().ifPresent(d -> {
            for (String line : d.split("\n", -1)) sb.append('#').append(line).append('\n');
        });
        List<String> keys = new ArrayList<>(c.keys());
        if (!c.deletes().isEmpty()) {
            keys.add("delete");
            keys.sort(NaturalOrder.INSTANCE);
        }
        for (String k : keys) {
            String v = k.equals("delete") && !c.values().containsKey("delete") ? String.join(",", c.deletes()) : c.get(k).orElseThrow();
            sb.append(k).append(": ").append(v).append('\n');
        }
        for (RawLxc r : c.lxcRaw()) sb.append(r.key()).append(": ").append(r.value()).append('\n');
    }
}
