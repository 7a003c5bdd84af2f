package io.berth.ct.lifecycle;

import io.berth.config.ContainerConfig;
import io.berth.config.MountPoint;
import io.berth.config.MountSource;
import io.berth.storage.Ext4;
import io.berth.storage.Storages;
import io.berth.storage.VolumePath;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The ext4 volumes of a container whose multi-mount protection will hold up its next start: after a host crash
 * (or while mounted elsewhere) the kernel waits up to 2 * min(2 * i + 1, i + 60) s per volume before mounting it
 * (22 s at the default interval, up to 12 min when the MMP block's I/O was slow), one volume after the other.
 * Start adds that to its timeout instead of failing at 60 s, and says why it took so long.
 */
record MmpWaits(List<Slow> slow) {
    record Slow(String key, String volid, Ext4.MmpWait mmp) {}

    /** Reads each image/device volume's MMP block (two small reads); a volume that cannot be resolved is skipped (the mount reports it). */
    static MmpWaits of(ContainerConfig c, Storages storages) {
        List<Slow> out = new ArrayList<>();
        for (MountPoint mp : c.allMountPoints()) {
            if (!(mp.source() instanceof MountSource.Volume v)) continue;
            try {
                VolumePath p = storages.path(storages.parseVolumeId(v.volid()));
                if (p instanceof VolumePath.Directory) continue;
                Ext4.mmpMountWait(p.path()).ifPresent(w -> out.add(new Slow(mp.key(), v.volid(), w)));
            } catch (RuntimeException e) {
                // unknown storage, missing volume: the mount in the pre-start hook fails with the reason
            }
        }
        return new MmpWaits(List.copyOf(out));
    }

    /** The longest the mounts may wait in total (they run one after the other). */
    Duration total() {
        return slow.stream().map(s -> s.mmp().upTo()).reduce(Duration.ZERO, Duration::plus);
    }

    /** One line per volume, for the start's warnings and its failure message. */
    List<String> describe() {
        return slow.stream().map(s -> s.key() + " ('" + s.volid() + "'): its ext4 was not cleanly unmounted (host crash, or "
                + "mounted elsewhere" + (s.mmp().lastNode().isEmpty() ? "" : "; last mounted by " + s.mmp().lastNode())
                + "), so its multi-mount protection makes the mount wait up to " + s.mmp().upTo().toSeconds() + " s").toList();
    }
}
