package io.berth.storage;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Proxmox's {@code rescan} as a pure function: from the volumes found on the storages and what a container
 * config references, the size each mount point should record and the volumes to add as {@code unusedN}.
 */
public final class Rescan {
    private Rescan() {}

    /** A mount point whose recorded size differs from the volume's real size. */
    public record SizeUpdate(String volid, OptionalLong configSize, long actualSize) {}

    /**
     * @param sizes        real size of every volume of the vmid that was found, by volid
     * @param sizeUpdates  mount points whose config size must change, in volid order
     * @param unreferenced volumes owned by the vmid that nothing references, to add as unusedN, in volid order
     */
    public record Report(int vmid, Map<String, Long> sizes, List<SizeUpdate> sizeUpdates, List<String> unreferenced) {
        public Report {
            sizes = Map.copyOf(sizes);
            sizeUpdates = List.copyOf(sizeUpdates);
            unreferenced = List.copyOf(unreferenced);
        }

        public boolean changes() {
            return !sizeUpdates.isEmpty() || !unreferenced.isEmpty();
        }
    }

    /**
     * @param volumes     volumes found on all storages (others' volumes are ignored)
     * @param referenced  volids the config references anywhere (rootfs, mpN, unusedN, pending)
     * @param configSizes the size each mount point's volume has in the config ({@code size=}), by volid;
     *                    a mount point without a size maps to a negative value (it counts as 0)
     */
    public static Report compute(int vmid, List<VolumeInfo> volumes, Set<String> referenced, Map<String, Long> configSizes) {
        List<VolumeInfo> own = volumes.stream().filter(v -> v.vmid() == vmid)
                .sorted(Comparator.comparing(v -> v.volid().toString())).toList();
        Map<String, Long> sizes = new HashMap<>();
        for (VolumeInfo v : own) sizes.put(v.volid().toString(), v.sizeBytes());

        List<SizeUpdate> updates = new ArrayList<>();
        configSizes.keySet().stream().sorted().forEach(volid -> {
            Long actual = sizes.get(volid);
            Long recorded = configSizes.get(volid);
            if (actual == null) return; // bind mounts, other owners' volumes, volumes not found
            // as Proxmox's update_disksize: a missing size counts as 0, so a plain subvol keeps no size= entry
            long old = recorded == null || recorded < 0 ? 0 : recorded;
            if (old != actual)
                updates.add(new SizeUpdate(volid, recorded == null || recorded < 0 ? OptionalLong.empty()
                        : OptionalLong.of(recorded), actual));
        });

        // Two storage entries may point at the same directory, so one volume can appear under two volids:
        // a volume whose path is referenced under any volid is in use, and each orphan path is added once.
        Set<String> usedPaths = new HashSet<>();
        for (VolumeInfo v : own)
            if (referenced.contains(v.volid().toString()) || configSizes.containsKey(v.volid().toString()))
                usedPaths.add(v.path().path().toString());
        Set<String> orphanPaths = new HashSet<>();
        List<String> unreferenced = new ArrayList<>();
        for (VolumeInfo v : own) {
            String p = v.path().path().toString();
            if (usedPaths.contains(p) || !orphanPaths.add(p)) continue;
            unreferenced.add(v.volid().toString());
        }
        return new Report(vmid, sizes, updates, unreferenced);
    }
}
