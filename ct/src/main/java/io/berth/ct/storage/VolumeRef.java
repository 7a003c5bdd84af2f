package io.berth.ct.storage;

import io.berth.config.ConfigFile;
import io.berth.config.ContainerConfig;
import io.berth.config.MountPoint;
import io.berth.config.MountSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A config entry that names a storage volume: {@code rootfs}, {@code mpN} (volume mount points) or {@code unusedN},
 * in the current section, the pending section or a snapshot.
 *
 * @param snapshot the snapshot section, empty for the current and pending sections
 */
public record VolumeRef(int vmid, Optional<String> snapshot, boolean pending, String key, String volid) {

    /** Every volume reference of a config file: current section, then pending, then snapshots in file order. */
    public static List<VolumeRef> in(int vmid, ConfigFile f) {
        List<VolumeRef> out = new ArrayList<>();
        section(vmid, Optional.empty(), false, f.main(), out);
        f.pending().ifPresent(p -> section(vmid, Optional.empty(), true, p, out));
        for (Map.Entry<String, ContainerConfig> s : f.snapshots().entrySet())
            section(vmid, Optional.of(s.getKey()), false, s.getValue(), out);
        return out;
    }

    private static void section(int vmid, Optional<String> snap, boolean pending, ContainerConfig c, List<VolumeRef> out) {
        for (Map.Entry<String, String> e : c.values().entrySet()) {
            String key = e.getKey();
            if (io.berth.config.Schema.inFamily("unused", key)) {
                out.add(new VolumeRef(vmid, snap, pending, key, e.getValue()));
            } else if (io.berth.config.MountPoint.isVolumeKey(key)
                    && MountPoint.parse(key, e.getValue()).source() instanceof MountSource.Volume v) {
                out.add(new VolumeRef(vmid, snap, pending, key, v.volid()));
            }
        }
    }

    /** {@code 100.conf key mp0}, {@code 100.conf [PENDING] key mp1}, {@code 100.conf [snap1] key rootfs}. */
    public String where() {
        String section = pending ? " [PENDING]" : snapshot.map(s -> " [" + s + "]").orElse("");
        return vmid + ".conf" + section + " key " + key;
    }
}
