package io.berth.sys;

/**
 * What statx(2) reports about a file. {@code mountRoot} is true when the file is the root of a
 * mount (STATX_ATTR_MOUNT_ROOT), which is how "is this a mount point" is answered without parsing
 * mountinfo; {@code mountId} is the mount's id as in /proc/self/mountinfo.
 */
public record Stat(FileType type, int mode, long uid, long gid, int devMajor, int devMinor, long ino,
                   int rdevMajor, int rdevMinor, long size, long nlink, long mountId, boolean mountRoot) {

    public enum FileType { REGULAR, DIRECTORY, SYMLINK, BLOCK_DEVICE, CHAR_DEVICE, FIFO, SOCKET, UNKNOWN;

        static FileType ofMode(int mode) {
            return switch (mode & 0170000) {
                case 0100000 -> REGULAR;
                case 0040000 -> DIRECTORY;
                case 0120000 -> SYMLINK;
                case 0060000 -> BLOCK_DEVICE;
                case 0020000 -> CHAR_DEVICE;
                case 0010000 -> FIFO;
                case 0140000 -> SOCKET;
                default -> UNKNOWN;
            };
        }
    }

    /** Permission bits (including setuid/setgid/sticky), without the type. */
    public int permissions() { return mode & 07777; }

    /** {@code dev_t} as the kernel encodes it (new_encode_dev), comparable with mountinfo's major:minor. */
    public String dev() { return devMajor + ":" + devMinor; }

    public boolean isDirectory() { return type == FileType.DIRECTORY; }

    public boolean isSymlink() { return type == FileType.SYMLINK; }
}
