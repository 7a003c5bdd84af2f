package io.berth.ct.snapshot;

import io.berth.config.ConfigFile;
import io.berth.config.ContainerConfig;
import io.berth.config.MountPoint;
import io.berth.config.MountSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The pure config side of snapshots, as Proxmox's AbstractConfig does it: what a snapshot section copies from the
 * current config, what a rollback copies back, the {@code parent} chain and {@code unusedN} bookkeeping.
 */
public final class SnapshotConfigs {
    private SnapshotConfigs() {}

    /** Keys a snapshot never copies (they describe the snapshot operation, not the container). */
    private static final Set<String> NOT_COPIED = Set.of("snapstate", "snaptime", "vmstate", "lock", "digest");
    /** As many unusedN keys as mount points (Proxmox's MAX_UNUSED_DISKS = MAX_MOUNT_POINTS). */
    static final int MAX_UNUSED = 256;

    /** The section a new snapshot gets: the current config without lock, snapshot state, description and unusedN. */
    public static ContainerConfig copy(ContainerConfig source) {
        Map<String, String> values = new LinkedHashMap<>();
        source.values().forEach((k, v) -> {
            if (!NOT_COPIED.contains(k) && !io.berth.config.Schema.inFamily("unused", k)) values.put(k, v);
        });
        return ContainerConfig.of(values, source.lxcRaw(), Optional.empty(), List.of());
    }

    /**
     * The current config after a rollback: the snapshot's copyable keys, plus the current description and unusedN
     * (pending changes are dropped, as Proxmox's rollback does), snapshots kept.
     */
    public static ConfigFile applySnapshot(ConfigFile file, ContainerConfig snap) {
        ContainerConfig main = file.main();
        Map<String, String> values = new LinkedHashMap<>();
        main.values().forEach((k, v) -> {
            if (io.berth.config.Schema.inFamily("unused", k)) values.put(k, v);
        });
        copy(snap).values().forEach(values::put);
        ContainerConfig restored = ContainerConfig.of(values, snap.lxcRaw(), main.description(), List.of());
        return new ConfigFile(restored, Optional.empty(), file.snapshots());
    }

    /** The volume mount points of a section in Proxmox's order: rootfs, then mp0, mp1, ... */
    public static List<MountPoint> mountPoints(ContainerConfig c) {
        List<MountPoint> out = new ArrayList<>();
        c.rootfs().ifPresent(out::add);
        out.addAll(c.mountPoints().values());
        return out;
    }

    /** The volume ids of a section's rootfs and volume mount points. */
    public static List<String> volumes(ContainerConfig c) {
        List<String> out = new ArrayList<>();
        for (MountPoint mp : mountPoints(c)) if (mp.source() instanceof MountSource.Volume v) out.add(v.volid());
        return out;
    }

    /** Adds {@code volid} as the lowest free {@code unusedN}, unless it is listed already (Proxmox's add_unused_volume). */
    public static ContainerConfig addUnused(ContainerConfig c, String volid) {
        String free = null;
        for (int i = MAX_UNUSED - 1; i >= 0; i--) {
            Optional<String> v = c.get("unused" + i);
            if (v.isPresent()) {
                if (v.get().equals(volid)) return c;
            } else {
                free = "unused" + i;
            }
        }
        if (free == null) throw new io.berth.error.StateException("container config has no free unusedN key (all " + MAX_UNUSED + " in use): delete some unused volumes first");
        return c.with(free, volid);
    }

    /** Replaces a {@code parent} equal to {@code removed} by {@code newParent} (or drops it). */
    public static ContainerConfig unlinkParent(ContainerConfig c, String removed, Optional<String> newParent) {
        if (!c.parent().map(removed::equals).orElse(false)) return c;
        return newParent.map(p -> c.with("parent", p)).orElseGet(() -> c.without("parent"));
    }

    /** True for the keys whose value is a mount point (rootfs, mpN). */
    static boolean isMountKey(String key) {
        return MountPoint.isVolumeKey(key);
    }
}
