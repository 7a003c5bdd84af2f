package io.berth.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/** The *at path calls: openat, openat2 (RESOLVE_*), mkdirat, fchownat, faccessat, statx, readlinkat, unlinkat. */
public final class PathCalls {
    private PathCalls() {}

    private static final boolean AARCH64 = "aarch64".equals(System.getProperty("os.arch"));

    public static final int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0100, O_EXCL = 0200,
            O_NOCTTY = 0400, O_TRUNC = 01000, O_APPEND = 02000, O_NONBLOCK = 04000, O_CLOEXEC = 02000000,
            O_PATH = 010000000;
    public static final int O_DIRECTORY = AARCH64 ? 040000 : 0200000;
    public static final int O_NOFOLLOW = AARCH64 ? 0100000 : 0400000;

    public static final int AT_FDCWD = Fd.AT_FDCWD, AT_SYMLINK_NOFOLLOW = 0x100, AT_REMOVEDIR = 0x200,
            AT_EACCESS = 0x200, AT_SYMLINK_FOLLOW = 0x400, AT_NO_AUTOMOUNT = 0x800, AT_EMPTY_PATH = 0x1000,
            AT_RECURSIVE = 0x8000;

    public static final long RESOLVE_NO_XDEV = 0x01, RESOLVE_NO_MAGICLINKS = 0x02, RESOLVE_NO_SYMLINKS = 0x04,
            RESOLVE_BENEATH = 0x08, RESOLVE_IN_ROOT = 0x10, RESOLVE_CACHED = 0x20;

    public static final int F_OK = 0, X_OK = 1, W_OK = 2, R_OK = 4;

    static final long NR_OPENAT2 = 437;

    private static final Native.Fn OPENAT = Native.fnVariadic("openat", 3);
    private static final Native.Fn MKDIRAT = Native.fn("mkdirat");
    private static final Native.Fn FCHOWNAT = Native.fn("fchownat");
    private static final Native.Fn FACCESSAT = Native.fn("faccessat");
    private static final Native.Fn STATX = Native.fn("statx");
    private static final Native.Fn READLINKAT = Native.fnLong("readlinkat");
    private static final Native.Fn UNLINKAT = Native.fn("unlinkat");
    private static final Native.Fn SYMLINKAT = Native.fn("symlinkat");

    /** openat(2). {@code mode} only matters with O_CREAT. */
    public static Fd openat(Fd dir, String path, int flags, int mode) {
        int d = dir.fd();
        try (Arena a = Arena.ofConfined()) {
            return Fd.adopt((int) Native.call(a, () -> "openat(" + dir + ", " + Native.q(path) + ", " + openFlags(flags) + ")",
                    OPENAT, d, a.allocateFrom(path).address(), flags, mode));
        }
    }

    /** An O_PATH|O_DIRECTORY|O_CLOEXEC handle to a host directory (follows symlinks: host paths are trusted). */
    public static Fd openDirectory(Path dir) {
        return openat(Fd.CWD, dir.toString(), O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
    }

    /** openat2(2) with {@code struct open_how {flags, mode, resolve}}. ENOSYS when the kernel lacks it. */
    public static Fd openat2(Fd dir, String path, long flags, long mode, long resolve) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment how = a.allocate(24, 8);
            how.set(JAVA_LONG, 0, flags);
            how.set(JAVA_LONG, 8, mode);
            how.set(JAVA_LONG, 16, resolve);
            return Fd.adopt((int) Native.syscall(a, () -> "openat2(" + dir + ", " + Native.q(path) + ", {flags="
                            + openFlags(flags) + ", mode=0" + Long.toOctalString(mode) + ", resolve=" + resolveFlags(resolve) + "}, 24)",
                    NR_OPENAT2, dir.fd(), a.allocateFrom(path).address(), how.address(), 24));
        }
    }

    public static void mkdirat(Fd dir, String path, int mode) {
        int d = dir.fd();
        try (Arena a = Arena.ofConfined()) {
            Native.call(a, () -> "mkdirat(" + dir + ", " + Native.q(path) + ", 0" + Integer.toOctalString(mode) + ")",
                    MKDIRAT, d, a.allocateFrom(path).address(), mode);
        }
    }

    /** fchownat(2); -1 leaves an id unchanged. With AT_EMPTY_PATH and "" it changes the fd itself. */
    public static void fchownat(Fd dir, String path, int uid, int gid, int flags) {
        int d = dir.fd();
        try (Arena a = Arena.ofConfined()) {
            Native.call(a, () -> "fchownat(" + dir + ", " + Native.q(path) + ", " + uid + ", " + gid + ", " + atFlags(flags) + ")",
                    FCHOWNAT, d, a.allocateFrom(path).address(), uid, gid, flags);
        }
    }

    /** faccessat(2) (glibc uses faccessat2, so AT_EMPTY_PATH works). Throws on denial, e.g. EROFS for W_OK on a read-only mount. */
    public static void faccessat(Fd dir, String path, int mode, int flags) {
        int d = dir.fd();
        try (Arena a = Arena.ofConfined()) {
            Native.call(a, () -> "faccessat(" + dir + ", " + Native.q(path) + ", " + accessMode(mode) + ", " + atFlags(flags) + ")",
                    FACCESSAT, d, a.allocateFrom(path).address(), mode, flags);
        }
    }

    /** Like {@link #faccessat} but returns the errno (0 when access is allowed). */
    public static int accessErrno(Fd dir, String path, int mode, int flags) {
        int d = dir.fd();
        try (Arena a = Arena.ofConfined()) {
            long r = Native.callRaw(a, FACCESSAT, d, a.allocateFrom(path).address(), mode, flags);
            return r < 0 ? (int) -r : 0;
        }
    }

    private static final int STATX_BASIC_STATS = 0x7ff, STATX_MNT_ID = 0x1000;
    private static final long STATX_ATTR_MOUNT_ROOT = 0x2000;

    /** statx(2) as a {@link Stat}. Use AT_SYMLINK_NOFOLLOW to see a symlink itself, AT_EMPTY_PATH with "" for the fd. */
    public static Stat stat(Fd dir, String path, int flags) {
        int d = dir.fd();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sx = a.allocate(256, 8);
            Native.call(a, () -> "statx(" + dir + ", " + Native.q(path) + ", " + atFlags(flags) + ")",
                    STATX, d, a.allocateFrom(path).address(), flags, STATX_BASIC_STATS | STATX_MNT_ID, sx.address());
            int mode = Short.toUnsignedInt(sx.get(JAVA_SHORT, 28));
            long attrs = sx.get(JAVA_LONG, 8);
            long attrsMask = sx.get(JAVA_LONG, 56);
            return new Stat(Stat.FileType.ofMode(mode), mode,
                    Integer.toUnsignedLong(sx.get(JAVA_INT, 20)), Integer.toUnsignedLong(sx.get(JAVA_INT, 24)),
                    sx.get(JAVA_INT, 136), sx.get(JAVA_INT, 140), sx.get(JAVA_LONG, 32),
                    sx.get(JAVA_INT, 128), sx.get(JAVA_INT, 132), sx.get(JAVA_LONG, 40),
                    Integer.toUnsignedLong(sx.get(JAVA_INT, 16)), sx.get(JAVA_LONG, 144),
                    (attrsMask & STATX_ATTR_MOUNT_ROOT) != 0 && (attrs & STATX_ATTR_MOUNT_ROOT) != 0);
        }
    }

    /** statx of the fd itself. */
    public static Stat fstat(Fd fd) {
        return stat(fd, "", AT_EMPTY_PATH);
    }

    public static String readlinkat(Fd dir, String path) {
        int d = dir.fd();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(4096);
            long n = Native.call(a, () -> "readlinkat(" + dir + ", " + Native.q(path) + ")",
                    READLINKAT, d, a.allocateFrom(path).address(), buf.address(), 4096L);
            return new String(buf.asSlice(0, n).toArray(JAVA_BYTE), StandardCharsets.UTF_8);
        }
    }

    /** unlinkat(2); AT_REMOVEDIR removes an empty directory. */
    public static void unlinkat(Fd dir, String path, int flags) {
        int d = dir.fd();
        try (Arena a = Arena.ofConfined()) {
            Native.call(a, () -> "unlinkat(" + dir + ", " + Native.q(path) + ", " + atFlags(flags) + ")",
                    UNLINKAT, d, a.allocateFrom(path).address(), flags);
        }
    }

    public static void symlinkat(String target, Fd dir, String linkPath) {
        int d = dir.fd();
        try (Arena a = Arena.ofConfined()) {
            Native.call(a, () -> "symlinkat(" + Native.q(target) + ", " + dir + ", " + Native.q(linkPath) + ")",
                    SYMLINKAT, a.allocateFrom(target).address(), d, a.allocateFrom(linkPath).address());
        }
    }

    static String openFlags(long f) {
        String acc = switch ((int) (f & 3)) { case 0 -> "O_RDONLY"; case 1 -> "O_WRONLY"; case 2 -> "O_RDWR"; default -> "O_ACCMODE"; };
        String rest = Bits.render(f & ~3L, "", O_CREAT, "O_CREAT", O_EXCL, "O_EXCL", O_NOCTTY, "O_NOCTTY", O_TRUNC, "O_TRUNC",
                O_APPEND, "O_APPEND", O_NONBLOCK, "O_NONBLOCK", O_DIRECTORY, "O_DIRECTORY", O_NOFOLLOW, "O_NOFOLLOW",
                O_CLOEXEC, "O_CLOEXEC", O_PATH, "O_PATH");
        if ((f & O_PATH) != 0 && (f & 3) == 0) return rest;
        return rest.isEmpty() ? acc : acc + "|" + rest;
    }

    static String resolveFlags(long f) {
        return Bits.render(f, "0", RESOLVE_NO_XDEV, "RESOLVE_NO_XDEV", RESOLVE_NO_MAGICLINKS, "RESOLVE_NO_MAGICLINKS",
                RESOLVE_NO_SYMLINKS, "RESOLVE_NO_SYMLINKS", RESOLVE_BENEATH, "RESOLVE_BENEATH", RESOLVE_IN_ROOT, "RESOLVE_IN_ROOT",
                RESOLVE_CACHED, "RESOLVE_CACHED");
    }

    static String atFlags(int f) {
        return Bits.render(f, "0", AT_SYMLINK_NOFOLLOW, "AT_SYMLINK_NOFOLLOW", AT_REMOVEDIR, "AT_REMOVEDIR",
                AT_SYMLINK_FOLLOW, "AT_SYMLINK_FOLLOW", AT_NO_AUTOMOUNT, "AT_NO_AUTOMOUNT", AT_EMPTY_PATH, "AT_EMPTY_PATH",
                AT_RECURSIVE, "AT_RECURSIVE");
    }

    static String accessMode(int m) {
        return m == 0 ? "F_OK" : Bits.render(m, "F_OK", R_OK, "R_OK", W_OK, "W_OK", X_OK, "X_OK");
    }
}
