package io.berth.ct.storage;

import io.berth.error.InvalidInputException;
import io.berth.error.StateException;
import io.berth.error.LockedException;
import io.berth.config.Schema;
import io.berth.config.ConfigFile;
import io.berth.config.ConfigStore;
import io.berth.config.MountPoint;
import io.berth.config.MountSource;
import io.berth.ct.CtException;
import io.berth.ct.lifecycle.CtPaths;
import io.berth.ct.lifecycle.LxcRuntime;
import io.berth.storage.Storage;
import io.berth.storage.Storages;
import io.berth.storage.VolumeId;
import io.berth.storage.VolumePath;
import java.util.OptionalLong;
import java.util.function.IntPredicate;

/**
 * {@code berth resize <vmid> <disk> <size>} (pct resize): grows a volume mount point's volume and filesystem
 * through its storage driver, then records the real new size in {@code size=}. Shrinking is refused. For a
 * running container the mounted ext4 is grown online, which is refused before anything changes when the
 * kernel would deny it. The whole operation holds the container's config lock.
 */
public final class ResizeService {
    /** Sizes are rounded up to whole ext4 blocks. */
    static final long BLOCK = 4096;

    private final StorageContext ctx;
    private final IntPredicate running;

    public ResizeService(StorageContext ctx) {
        this(ctx, vmid -> new LxcRuntime(new CtPaths(ctx.roots().lxcPath(), vmid)).isRunning());
    }

    /** {@code running} tells whether a container runs (tests can name one that is not managed by LXC). */
    public ResizeService(StorageContext ctx, IntPredicate running) {
        this.ctx = ctx;
        this.running = running;
    }

    /**
     * @param changed false when the volume already had the requested size (nothing was done)
     * @param online  the filesystem was grown while mounted in the running container
     */
    public record Result(int vmid, String key, String volid, long oldSize, long newSize, boolean changed, boolean online) {}

    public Result resize(int vmid, String disk, String size) {
        checkDisk(disk);
        SizeSpec spec = SizeSpec.parse(size);
        ConfigStore configs = ctx.configs();
        try (ConfigStore.Lock lock = configs.lock(vmid)) {
            ConfigFile f = configs.load(vmid);
            f.main().lock().ifPresent(l -> {
                throw new LockedException("container " + vmid + " is locked (lock=" + l + "); cannot resize " + disk, l);
            });
            MountPoint mp = f.main().mountPoint(disk).orElseThrow(() -> new InvalidInputException("disk",
                    "container " + vmid + " has no disk '" + disk + "'; its disks are "
                            + String.join(", ", f.main().allMountPoints().stream().map(MountPoint::key).toList())));
            if (!(mp.source() instanceof MountSource.Volume v))
                throw new InvalidInputException("disk", "cannot resize " + disk + " of container " + vmid + " ('"
                        + mp.source().format() + "'): only storage volumes can be resized, not bind mounts or devices");
            Storages storages = ctx.storages();
            VolumeId volid = storages.parseVolumeId(v.volid());
            if (volid.ownerVmid() != vmid)
                throw new InvalidInputException("disk", "cannot resize " + disk + " ('" + volid + "'): it is owned by container "
                        + volid.ownerVmid() + ", not " + vmid);
            Storage storage = storages.storageOf(volid);
            long old = storage.size(volid);
            long wanted = roundUp(spec.target(old));
            if (wanted < old)
                throw new InvalidInputException("size", "cannot shrink " + disk + " ('" + volid + "') from "
                        + MountPoint.formatSize(old) + " to " + MountPoint.formatSize(wanted) + " (size '" + size
                        + "'): only growing is allowed");
            if (wanted == old) return new Result(vmid, disk, volid.toString(), old, old, false, false);

            boolean online = running.test(vmid) && !(storage.path(volid) instanceof VolumePath.Directory);
            if (online && !Storages.onlineResizeAllowed())
                throw new StateException("cannot grow " + disk + " ('" + volid + "') of running container " + vmid
                        + ": growing a mounted ext4 needs CAP_SYS_RESOURCE, which this process lacks; "
                        + "stop the container and resize again");
            storage.resize(volid, wanted); // the driver undoes its own partial work on failure
            long actual = storage.size(volid);
            try {
                configs.write(vmid, f.withMain(f.main().with(disk, mp.withSize(OptionalLong.of(actual)).format())));
            } catch (RuntimeException e) {
                // a grown filesystem cannot be shrunk back safely; say how to bring the config in line
                throw new CtException("grew '" + volid + "' to " + MountPoint.formatSize(actual) + " but could not record "
                        + "size=" + MountPoint.formatSize(actual) + " in " + disk + " of container " + vmid + ": "
                        + e.getMessage() + "; run 'berth rescan " + vmid + "' to record it", e);
            }
            return new Result(vmid, disk, volid.toString(), old, actual, true, online);
        }
    }

    private static void checkDisk(String disk) {
        if (disk == null || !MountPoint.isVolumeKey(disk))
            throw new InvalidInputException("disk", "invalid disk '" + disk + "': allowed rootfs or mp0..mp" + Schema.MAX_MP);
    }

    static long roundUp(long bytes) {
        return Math.ceilDiv(bytes, BLOCK) * BLOCK;
    }
}
