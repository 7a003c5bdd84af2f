package io.berth.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Generates docs/config.md from {@link Schema}; {@code main(path)} writes it (a test fails if it is stale). */
public final class ConfigDocs {
    private ConfigDocs() {}

    public static String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("# Container configuration keys\n\n");
        sb.append("<!-- generated from io.berth.config.Schema by io.berth.config.ConfigDocs; do not edit -->\n\n");
        sb.append("Container configs live in `<config root>/lxc/<vmid>.conf` in the Proxmox format: `key: value` lines, ")
                .append("`#` description lines, raw `lxc.*` keys passed to LXC in order, `[snapname]` snapshot sections and a ")
                .append("`[PENDING]` section with a `delete:` list. vmids are 100..999999999.\n\n");
        sb.append("\"Applies\" says how a change reaches a running container: *metadata* (no runtime effect), ")
                .append("*hotplug* (applied live), *restart* (kept pending until the next start).\n\n");
        sb.append("| key | type | default | applies | description |\n| --- | --- | --- | --- | --- |\n");
        for (ConfigKey k : Schema.KEYS) {
            sb.append("| `").append(k.displayName()).append('`');
            if (k.indexed()) sb.append(" (0..").append(k.maxIndex()).append(')');
            sb.append(" | ").append(k.format().typeName())
                    .append(" | ").append(k.defaultValue().map(d -> "`" + d + "`").orElse(""))
                    .append(" | ").append(k.apply().name().toLowerCase(java.util.Locale.ROOT))
                    .append(" | ").append(esc(k.description())).append(" |\n");
        }
        sb.append("\n## Formats\n\n");
        for (ConfigKey k : Schema.KEYS) {
            sb.append("- `").append(k.displayName()).append("`: ").append(esc(k.format().allowed())).append('\n');
        }
        sb.append("\n## Mount point idmap\n\n")
                .append("`idmap=u:CT:DISK:LEN g:CT:DISK:LEN ...` stores container ids `CT..CT+LEN-1` on this mount as ")
                .append("`DISK..`; ids not named keep the container's mapping (stored as their host id). `idmap=passthrough` ")
                .append("stores every container id as itself, undoing the container's user namespace on this mount. ")
                .append("Ranges may span several `lxc.idmap` chunks. Mount options are limited to ")
                .append(MountPoint.ALLOWED_MOUNT_OPTIONS).append(".\n");
        return sb.toString();
    }

    private static String esc(String s) { return s.replace("|", "\\|"); }

    public static void main(String[] args) throws IOException {
        Files.writeString(Path.of(args[0]), markdown());
    }
}
