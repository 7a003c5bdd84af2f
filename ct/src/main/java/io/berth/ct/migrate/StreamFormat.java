package io.berth.ct.migrate;

import io.berth.storage.BtrfsStorage;
import io.berth.storage.Storage;
import io.berth.storage.VolumeId;
import io.berth.storage.VolumePath;

/**
 * How a volume's content travels between nodes (Proxmox's volume_export formats): {@code btrfs send} between two
 * btrfs storages (the subvolume as btrfs itself copies it, raw-in-subvolume volumes included), the blocks of an
 * image (only non-zero chunks travel, so sparse images stay sparse), or a GNU tar of a subvol directory.
 */
public enum StreamFormat {
    BTRFS, RAW, TAR;

    /** The format for copying {@code volid} of {@code src} onto {@code dst}, or an error naming both. */
    public static StreamFormat choose(Storage src, VolumeId volid, String dstId, String dstType) {
        if (src instanceof BtrfsStorage && dstType.equals("btrfs")) return BTRFS;
        return switch (src.path(volid)) {
            case VolumePath.Directory d -> {
                if (dstType.equals("lvmthin"))
                    throw new io.berth.error.UnsupportedException("cannot move volume '" + volid + "' (a subvol directory) to storage '"
                            + dstId + "' (" + dstType + "): it holds only raw volumes; choose a dir or btrfs "
                            + "storage with --target-storage");
                yield TAR;
            }
            case VolumePath.ImageFile f -> RAW;
            case VolumePath.BlockDevice b -> RAW;
        };
    }
}
