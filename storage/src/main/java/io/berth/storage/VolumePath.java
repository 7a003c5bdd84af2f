package io.berth.storage;

import java.nio.file.Path;

/** Where a volume's data is on the host, by the kind of thing the mount engine has to mount. */
public sealed interface VolumePath {
    Path path();

    /** A raw image file holding a filesystem: mount it through a loop device. */
    record ImageFile(Path path) implements VolumePath {}

    /** A block device holding a filesystem (an LVM thin LV). */
    record BlockDevice(Path path) implements VolumePath {}

    /** A host directory (dir/btrfs subvol): bind mount it. */
    record Directory(Path path) implements VolumePath {}
}
