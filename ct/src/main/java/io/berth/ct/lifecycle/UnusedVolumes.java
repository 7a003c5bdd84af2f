package io.berth.ct.lifecycle;

import io.berth.config.ConfigFile;
import io.berth.config.ContainerConfig;
import io.berth.config.MountPoint;
import io.berth.config.MountSource;
import io.berth.error.StateException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Proxmox's {@code add_unused_volume}: a volume that a change drops from the config (an {@code mpN} deleted or
 * replaced, also when the change was pending) is kept as {@code unusedN}, never forgotten; deleting {@code unusedN}
 * frees the volume (issue 10.8). Pure: the caller writes the config and frees what {@link #released} names.
 */
public final class UnusedVolumes {
    /** Proxmox's {@code __config_max_unused_disks}. */
    static final int MAX_UNUSED = 256;

    private UnusedVolumes() {}

    /** {@code after} with every volume that {@code before}'s mount points had and {@code after} no longer refers to as unusedN. */
    public static ConfigFile recordDropped(ConfigFile before, ConfigFile after) {
        Set<String> still = referenced(after);
        ContainerConfig main = after.main();
        for (String volid : mountPointVolumes(before.main())) {
            if (still.contains(volid)) continue;
            main = addUnused(main, volid);
            still.add(volid);
        }
        return main == after.main() ? after : after.withMain(main);
    }

    /** The unusedN volumes of {@code before} that {@code after} no longer refers to anywhere: the caller frees them. */
    public static List<String> released(ConfigFile before, ConfigFile after) {
        Set<String> still = referenced(after);
        List<String> out = new ArrayList<>();
        for (String k : before.main().keys()) {
            if (!io.berth.config.Schema.inFamily("unused", k)) continue;
            String volid = before.main().get(k).orElseThrow();
            if (!still.contains(volid) && !out.contains(volid)) out.add(volid);
        }
        return out;
    }

    static ContainerConfig addUnused(ContainerConfig c, String volid) {
        String free = null;
        for (int i = MAX_UNUSED - 1; i >= 0; i--) {
            String k = "unused" + i;
            var v = c.get(k);
            if (v.isPresent() && v.get().equals(volid)) return c;
            if (v.isEmpty()) free = k;
        }
        if (free == null) throw new StateException("too many unused volumes (" + MAX_UNUSED + "); delete some unusedN first");
        return c.with(free, volid);
    }

    /** Every volume id the config refers to: mount points and unusedN of main, pending and every snapshot. */
    public static Set<String> referencedVolumes(ConfigFile f) { return referenced(f); }

    static Set<String> referenced(ConfigFile f) {
        Set<String> out = new LinkedHashSet<>();
        List<ContainerConfig> all = new ArrayList<>();
        all.add(f.main());
        f.pending().ifPresent(all::add);
        all.addAll(f.snapshots().values());
        for (ContainerConfig c : all) {
            out.addAll(mountPointVolumes(c));
            for (String k : c.keys()) if (io.berth.config.Schema.inFamily("unused", k)) c.get(k).ifPresent(out::add);
        }
        return out;
    }

    private static List<String> mountPointVolumes(ContainerConfig c) {
        List<String> out = new ArrayList<>();
        for (String k : c.keys()) {
            if (!io.berth.config.MountPoint.isVolumeKey(k)) continue;
            try {
                if (MountPoint.parse(k, c.get(k).orElseThrow()).source() instanceof MountSource.Volume v) out.add(v.volid());
            } catch (RuntimeException e) {
                // an invalid value is not a volume we can account for; the config check reports it
            }
        }
        return out;
    }
}
