package io.berth.sys;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** fstatfs(2): size and free space of the filesystem an fd is on (the fd may be O_PATH). */
public final class FsStats {
    private FsStats() {}

    private static final Native.Fn FSTATFS = Native.fn("fstatfs");
    private static final Native.Fn IOCTL_PTR = Native.fnVariadic("ioctl", 2);
    /** _IOWR('X', 121, struct fstrim_range). */
    private static final long FITRIM = 0xC0185879L;

    /**
     * FITRIM on the filesystem of {@code dirFd} (opened read-only; what fstrim(8) does): discards its unused blocks
     * and returns the bytes the filesystem reports as trimmed.
     */
    public static long trim(Fd dirFd) {
        int f = dirFd.fd();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment range = a.allocate(24, 8); // start 0, len, minlen 0
            range.set(JAVA_LONG, 8, -1L);
            Native.call(a, () -> "ioctl(" + dirFd + ", FITRIM)", IOCTL_PTR, f, FITRIM, range.address());
            return range.get(JAVA_LONG, 8);
        }
    }

    /** Bytes: total, free (for root), available (for unprivileged users). */
    public record Usage(long total, long free, long available) {}

    public static Usage of(Fd fd) {
        int f = fd.fd();
        try (Arena a = Arena.ofConfined()) {
            // struct statfs on 64-bit Linux: f_type, f_bsize, f_blocks, f_bfree, f_bavail, ... (all 8 bytes)
            MemorySegment st = a.allocate(120, 8);
            Native.call(a, () -> "fstatfs(" + fd + ")", FSTATFS, f, st.address());
            long bsize = st.get(JAVA_LONG, 8), blocks = st.get(JAVA_LONG, 16), bfree = st.get(JAVA_LONG, 24),
                    bavail = st.get(JAVA_LONG, 32);
            return new Usage(blocks * bsize, bfree * bsize, bavail * bsize);
        }
    }
}
