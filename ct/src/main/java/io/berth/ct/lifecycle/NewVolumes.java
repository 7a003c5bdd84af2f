package io.berth.ct.lifecycle;

import io.berth.config.ContainerConfig;
import io.berth.config.MountPoint;
import io.berth.config.MountSource;
import io.berth.idmap.IdMap;
import io.berth.storage.NewDisk;
import io.berth.storage.Storages;
import io.berth.storage.VolumeId;
import io.berth.sys.Reverter;
import java.util.List;
import java.util.function.Consumer;

/**
 * Allocation of the {@code STORAGE:SIZE_GB} mount point values of a config (create and set): each volume is
 * allocated owned by the container's root, recorded in the config value, and its free pushed on the caller's undo.
 */
public final class NewVolumes {
    private NewVolumes() {}

    /**
     * Replaces every new-volume value of {@code conf} by a freshly allocated volume; {@code recorded} sees the config
     * after each allocation (create writes it, so a kill leaves no unnamed volume), {@code allocated} collects them.
     */
    public static ContainerConfig allocate(Storages storages, int vmid, ContainerConfig conf, IdMap map, Reverter undo,
                                           List<VolumeId> allocated, Consumer<ContainerConfig> recorded) {
        for (MountPoint mp : CtMounts.mountPoints(conf)) {
            if (!(mp.source() instanceof MountSource.NewVolume n)) continue;
            NewDisk disk = NewDisk.parse(n.storage() + ":" + plain(n.sizeGiB()));
            VolumeId id = storages.alloc(disk, vmid, (int) map.rootUid(), (int) map.rootGid());
            undo.push("free " + id, () -> storages.free(id));
            allocated.add(id);
            String value = conf.get(mp.key()).orElseThrow();
            String rest = value.contains(",") ? value.substring(value.indexOf(',')) : "";
            String withSize = disk.sizeBytes() > 0 && !rest.contains("size=") ? ",size=" + MountPoint.formatSize(disk.sizeBytes()) : "";
            conf = conf.with(mp.key(), id + rest + withSize);
            recorded.accept(conf);
        }
        return conf;
    }

    private static String plain(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
