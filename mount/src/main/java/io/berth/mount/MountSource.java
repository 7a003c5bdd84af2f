package io.berth.mount;

import java.nio.file.Path;
import java.util.regex.Pattern;

/** What gets mounted, as storage hands it over: an image file (loop device), a block device, or a host directory (bind). */
public sealed interface MountSource {
    Pattern FSTYPE = Pattern.compile("[a-z0-9]{2,16}");

    /** A raw filesystem image (e.g. {@code vm-100-disk-0.raw}, ext4), attached through an autoclear loop device. */
    record ImageFile(Path file, String fstype) implements MountSource {
        public ImageFile {
            requireAbsolute("image file", file);
            requireFstype(fstype);
        }
    }

    /** A block device holding a filesystem (an LVM thin volume, a partition). */
    record BlockDevice(Path device, String fstype) implements MountSource {
        public BlockDevice {
            requireAbsolute("block device", device);
            requireFstype(fstype);
        }
    }

    /** A host directory bind-mounted (non-recursively, as Proxmox's bind mount points and subvolumes). */
    record HostDirectory(Path dir) implements MountSource {
        public HostDirectory {
            requireAbsolute("host directory", dir);
        }
    }

    /** The host-side path of the source. */
    default Path path() {
        return switch (this) {
            case ImageFile f -> f.file();
            case BlockDevice b -> b.device();
            case HostDirectory d -> d.dir();
        };
    }

    private static void requireAbsolute(String what, Path p) {
        if (p == null || !p.isAbsolute()) {
            throw new MountException(what + " '" + p + "' is invalid: an absolute path is required");
        }
    }

    private static void requireFstype(String fstype) {
        if (fstype == null || !FSTYPE.matcher(fstype).matches()) {
            throw new MountException("filesystem type '" + fstype + "' is invalid: allowed are 2-16 characters a-z, 0-9 (e.g. ext4, xfs, btrfs)");
        }
    }
}
