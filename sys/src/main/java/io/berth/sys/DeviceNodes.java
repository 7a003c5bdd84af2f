package io.berth.sys;

import java.lang.foreign.Arena;


/** mknodat(2) and fchmodat(2): device nodes for passthrough, with their exact mode (no umask). */
public final class DeviceNodes {
    private DeviceNodes() {}

    public static final int S_IFCHR = 0020000, S_IFBLK = 0060000;

    private static final Native.Fn MKNODAT = Native.fn("mknodat");
    private static final Native.Fn FCHMODAT = Native.fn("fchmodat");

    /** gnu_dev_makedev. */
    public static long makedev(long major, long minor) {
        return ((major & 0xfffL) << 8) | ((major & ~0xfffL) << 32) | (minor & 0xffL) | ((minor & ~0xffL) << 12);
    }

    /**
     * Creates a character ({@code block} false) or block device node {@code name} in {@code dir} and then sets
     * its permission bits to exactly {@code perm} (mknod applies the umask).
     */
    public static void mknodat(Fd dir, String name, boolean block, int perm, long major, long minor) {
        int d = dir.fd();
        int mode = (block ? S_IFBLK : S_IFCHR) | (perm & 07777);
        long dev = makedev(major, minor);
        try (Arena a = Arena.ofConfined()) {
            Native.call(a, () -> "mknodat(" + dir + ", " + Native.q(name) + ", 0" + Integer.toOctalString(mode) + ", "
                            + major + ":" + minor + ")",
                    MKNODAT, d, a.allocateFrom(name).address(), mode, dev);
        }
        chmodat(dir, name, perm);
    }

    /** fchmodat(2) without AT_SYMLINK_NOFOLLOW (glibc does not support it); use on names just created. */
    public static void chmodat(Fd dir, String name, int perm) {
        int d = dir.fd();
        int p = perm & 07777;
        try (Arena a = Arena.ofConfined()) {
            Native.call(a, () -> "fchmodat(" + dir + ", " + Native.q(name) + ", 0" + Integer.toOctalString(p) + ")",
                    FCHMODAT, d, a.allocateFrom(name).address(), p, 0);
        }
    }
}
