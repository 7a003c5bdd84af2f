package io.berth.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** fstatfs(2): size and free space of the filesystem an fd is on (the fd may be O_PATH). */
public final class FsStats {
    private FsStats() {}

    private static final MethodHandle FSTATFS = Native.libc("fstatfs", JAVA_INT, JAVA_INT, ADDRESS);
    private static final MethodHandle IOCTL_PTR = Native.libcVariadic("ioctl", 2, JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS);
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
            Native.call(a, s -> (int) IOCTL_PTR.invokeExact(s, f, FITRIM, range), () -> "ioctl(" + dirFd + ", FITRIM)");
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
            Native.call(a, s -> (int) FSTATFS.invokeExact(s, f, st), () -> "fstatfs(" + fd + ")");
            long bsize = st.get(JAVA_LONG, 8), blocks = st.get(JAVA_LONG, 16), bfree = st.get(JAVA_LONG, 24),
                    bavail = st.get(JAVA_LONG, 32);
            return new Usage(blocks * bsize, bfree * bsize, bavail * bsize);
        }
    }
}
