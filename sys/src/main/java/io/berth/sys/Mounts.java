package io.berth.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** The mount syscalls: the new mount API (open_tree, move_mount, mount_setattr, fsopen/fsconfig/fsmount), mount(2), umount2(2). */
public final class Mounts {
    private Mounts() {}

    // syscall numbers >= 424 are the same on every architecture
    static final long NR_OPEN_TREE = 428, NR_MOVE_MOUNT = 429, NR_FSOPEN = 430, NR_FSCONFIG = 431,
            NR_FSMOUNT = 432, NR_MOUNT_SETATTR = 442;

    public static final int OPEN_TREE_CLONE = 1;
    public static final int OPEN_TREE_CLOEXEC = PathCalls.O_CLOEXEC;
    public static final int AT_SYMLINK_NOFOLLOW = PathCalls.AT_SYMLINK_NOFOLLOW;
    public static final int AT_EMPTY_PATH = PathCalls.AT_EMPTY_PATH;
    public static final int AT_RECURSIVE = PathCalls.AT_RECURSIVE;

    public static final int MOVE_MOUNT_F_SYMLINKS = 0x01, MOVE_MOUNT_F_AUTOMOUNTS = 0x02, MOVE_MOUNT_F_EMPTY_PATH = 0x04,
            MOVE_MOUNT_T_SYMLINKS = 0x10, MOVE_MOUNT_T_AUTOMOUNTS = 0x20, MOVE_MOUNT_T_EMPTY_PATH = 0x40,
            MOVE_MOUNT_SET_GROUP = 0x100, MOVE_MOUNT_BENEATH = 0x200;

    public static final long MOUNT_ATTR_RDONLY = 0x1, MOUNT_ATTR_NOSUID = 0x2, MOUNT_ATTR_NODEV = 0x4,
            MOUNT_ATTR_NOEXEC = 0x8, MOUNT_ATTR__ATIME = 0x70, MOUNT_ATTR_RELATIME = 0x0, MOUNT_ATTR_NOATIME = 0x10,
            MOUNT_ATTR_STRICTATIME = 0x20, MOUNT_ATTR_NODIRATIME = 0x80, MOUNT_ATTR_IDMAP = 0x100000,
            MOUNT_ATTR_NOSYMFOLLOW = 0x200000;

    public static final int FSOPEN_CLOEXEC = 1, FSMOUNT_CLOEXEC = 1;
    public static final int FSCONFIG_SET_FLAG = 0, FSCONFIG_SET_STRING = 1, FSCONFIG_SET_BINARY = 2,
            FSCONFIG_SET_PATH = 3, FSCONFIG_SET_PATH_EMPTY = 4, FSCONFIG_SET_FD = 5, FSCONFIG_CMD_CREATE = 6,
            FSCONFIG_CMD_RECONFIGURE = 7, FSCONFIG_CMD_CREATE_EXCL = 8;

    public static final long MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_REMOUNT = 32,
            MS_NOATIME = 1024, MS_NODIRATIME = 2048, MS_BIND = 4096, MS_MOVE = 8192, MS_REC = 16384,
            MS_UNBINDABLE = 1 << 17, MS_PRIVATE = 1 << 18, MS_SLAVE = 1 << 19, MS_SHARED = 1 << 20,
            MS_LAZYTIME = 1 << 25;

    public static final int MNT_FORCE = 1, MNT_DETACH = 2, MNT_EXPIRE = 4, UMOUNT_NOFOLLOW = 8;

    private static final Native.Fn MOUNT = Native.fn("mount");
    private static final Native.Fn UMOUNT2 = Native.fn("umount2");
    private static final Native.Fn READ = Native.fnLong("read");
    private static final Native.Fn FCHDIR = Native.fn("fchdir");
    private static final Native.Fn CHDIR = Native.fn("chdir");

    /** open_tree(2): a handle to the mount at {@code path}, or with OPEN_TREE_CLONE a detached copy of it. */
    public static Fd openTree(Fd dir, String path, int flags) {
        try (Arena a = Arena.ofConfined()) {
            return Fd.adopt((int) Native.syscall(a, () -> "open_tree(" + dirArg(dir) + Native.q(path) + ", "
                            + openTreeFlags(flags) + ")",
                    NR_OPEN_TREE, dir.fd(), a.allocateFrom(path).address(), flags));
        }
    }

    /** open_tree(AT_FDCWD, path, OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC [|AT_RECURSIVE]): a detached bind mount of a host path. */
    public static Fd cloneTree(String path, boolean recursive) {
        return openTree(Fd.CWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
    }

    /** move_mount(2). */
    public static void moveMount(Fd from, String fromPath, Fd to, String toPath, int flags) {
        try (Arena a = Arena.ofConfined()) {
            Native.syscall(a, () -> "move_mount(" + from + ", " + Native.q(fromPath) + ", " + to + ", "
                            + Native.q(toPath) + ", " + moveFlags(flags) + ")",
                    NR_MOVE_MOUNT, from.fd(), a.allocateFrom(fromPath).address(), to.fd(),
                    a.allocateFrom(toPath).address(), flags);
        }
    }

    /** Moves a detached (or any) mount fd onto the directory fd {@code target}: no path lookup at all. */
    public static void moveMountOnto(Fd mount, Fd target) {
        moveMount(mount, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
    }

    /**
     * mount_setattr(2) with {@code struct mount_attr}. {@code userns} is only used with
     * {@link #MOUNT_ATTR_IDMAP} (null otherwise).
     */
    public static void setAttr(Fd dir, String path, int atFlags, long attrSet, long attrClr, long propagation, Fd userns) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = a.allocate(32, 8);
            attr.set(JAVA_LONG, 0, attrSet);
            attr.set(JAVA_LONG, 8, attrClr);
            attr.set(JAVA_LONG, 16, propagation);
            attr.set(JAVA_LONG, 24, userns == null ? 0 : userns.fd());
            Native.syscall(a, () -> "mount_setattr(" + dirArg(dir) + Native.q(path) + ", " + atFlagNames(atFlags)
                            + ", {attr_set=" + attrNames(attrSet) + ", attr_clr=" + attrNames(attrClr)
                            + ", propagation=" + propagationName(propagation) + ", userns_fd=" + (userns == null ? "-" : userns) + "}, 32)",
                    NR_MOUNT_SETATTR, dir.fd(), a.allocateFrom(path).address(), atFlags, attr.address(), 32);
        }
    }

    /** mount_setattr on the mount an fd refers to (AT_EMPTY_PATH). */
    public static void setAttr(Fd mount, long attrSet, long attrClr, Fd userns) {
        setAttr(mount, "", AT_EMPTY_PATH, attrSet, attrClr, 0, userns);
    }

    /** fsopen(2): a filesystem context for {@code fstype}. */
    public static Fd fsopen(String fstype) {
        try (Arena a = Arena.ofConfined()) {
            return Fd.adopt((int) Native.syscall(a, () -> "fsopen(" + Native.q(fstype) + ", FSOPEN_CLOEXEC)",
                    NR_FSOPEN, a.allocateFrom(fstype).address(), FSOPEN_CLOEXEC));
        }
    }

    /** fsconfig(fs, FSCONFIG_SET_FLAG, key, NULL, 0). */
    public static void fsconfigFlag(Fd fs, String key) {
        fsconfig(fs, FSCONFIG_SET_FLAG, key, null, 0);
    }

    /** fsconfig(fs, FSCONFIG_SET_STRING, key, value, 0). */
    public static void fsconfigString(Fd fs, String key, String value) {
        fsconfig(fs, FSCONFIG_SET_STRING, key, value, 0);
    }

    /** fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0): creates (or reuses) the superblock. */
    public static void fsconfigCreate(Fd fs) {
        fsconfig(fs, FSCONFIG_CMD_CREATE, null, null, 0);
    }

    /**
     * fsconfig(2). On failure the kernel's messages for this context (read from the fs fd) are added
     * to the exception, e.g. {@code e ext4: Unrecognized mount option "x"}.
     */
    public static void fsconfig(Fd fs, int cmd, String key, String value, int aux) {
        long r;
        try (Arena a = Arena.ofConfined()) {
            r = Native.syscallRaw(a, NR_FSCONFIG, fs.fd(), cmd, Native.cstr(a, key).address(),
                    Native.cstr(a, value).address(), aux);
        }
        if (r < 0) {
            throw new SysException("fsconfig(" + fs + ", " + fsconfigCmd(cmd) + ", " + Native.q(key) + ", "
                    + Native.q(value) + ", " + aux + ")", (int) -r, readFsLog(fs));
        }
    }

    /** fsmount(2): a detached mount of the context's superblock with the given MOUNT_ATTR_* flags. */
    public static Fd fsmount(Fd fs, long attrFlags) {
        try (Arena a = Arena.ofConfined()) {
            return Fd.adopt((int) Native.syscall(a, () -> "fsmount(" + fs + ", FSMOUNT_CLOEXEC, " + attrNames(attrFlags) + ")",
                    NR_FSMOUNT, fs.fd(), FSMOUNT_CLOEXEC, attrFlags));
        }
    }

    /** Drains the fs context's message log (lines like {@code e msg}, {@code w msg}); never throws. */
    public static String readFsLog(Fd fs) {
        StringBuilder sb = new StringBuilder();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(4096);
            for (int i = 0; i < 16; i++) {
                int fd = fs.fd();
                long n = Native.callRaw(a, READ, fd, buf.address(), 4096L);
                if (n <= 0) break;
                if (!sb.isEmpty()) sb.append("; ");
                sb.append(new String(buf.asSlice(0, n).toArray(JAVA_BYTE), StandardCharsets.UTF_8).strip());
            }
        } catch (RuntimeException e) {
            // the log is best effort decoration of another error
        }
        return sb.toString();
    }

    /** mount(2). Null strings are passed as NULL. */
    public static void mount(String source, String target, String fstype, long flags, String data) {
        try (Arena a = Arena.ofConfined()) {
            Native.call(a, () -> "mount(" + Native.q(source) + ", " + Native.q(target) + ", " + Native.q(fstype) + ", "
                            + msNames(flags) + ", " + Native.q(data) + ")",
                    MOUNT, Native.cstr(a, source).address(), Native.cstr(a, target).address(), Native.cstr(a, fstype).address(),
                    flags, Native.cstr(a, data).address());
        }
    }

    /** umount2(2). */
    public static void umount2(String target, int flags) {
        try (Arena a = Arena.ofConfined()) {
            Native.call(a, () -> "umount2(" + Native.q(target) + ", " + umountNames(flags) + ")",
                    UMOUNT2, a.allocateFrom(target).address(), flags);
        }
    }

    /**
     * Unmounts the mount whose root {@code mountRoot} is (an fd from a symlink-safe lookup), with no
     * path lookup: on a thread with its own fs state (this one when it is an isolated thread, else a new one), fchdir
     * to it and umount2(".") there. Works in
     * any mount namespace (unlike /proc/self/fd paths, which need the host's /proc).
     */
    public static void umountAt(Fd mountRoot, int flags) {
        if (Namespaces.isIsolatedThread()) {
            // this thread's cwd is its own already (create's populate thread): no thread to start, only the cwd to put back
            try (Fd back = PathCalls.openat(Fd.CWD, ".", PathCalls.O_PATH | PathCalls.O_DIRECTORY | PathCalls.O_CLOEXEC, 0);
                 Arena a = Arena.ofConfined()) {
                int fd = mountRoot.fd(), home = back.fd();
                Native.call(a, () -> "fchdir(" + fd + ")", FCHDIR, fd);
                try {
                    Native.call(a, () -> "umount2(\".\" (fd " + fd + "), " + umountNames(flags) + ")",
                            UMOUNT2, a.allocateFrom(".").address(), flags);
                } finally {
                    // as leaveCwd: the detached mount's last reference, if the cwd was it, goes in this syscall
                    Native.call(a, () -> "fchdir(" + home + ")", FCHDIR, home);
                }
            }
            return;
        }
        Namespaces.onIsolatedThread("umount", () -> {
            int fd = mountRoot.fd();
            try (Arena a = Arena.ofConfined()) {
                Native.call(a, () -> "fchdir(" + fd + ")", FCHDIR, fd);
                Native.call(a, () -> "umount2(\".\" (fd " + fd + "), " + umountNames(flags) + ")",
                        UMOUNT2, a.allocateFrom(".").address(), flags);
                leaveCwd(a);
            }
            return null;
        });
    }

    /**
     * Unmounts the mount on {@code name} (one path component, never followed if it is a symlink) in directory
     * {@code dir}: fchdir to it on a thread with its own fs state and umount2(name, flags|UMOUNT_NOFOLLOW). For
     * mounts on files, which {@link #umountAt} cannot fchdir into.
     */
    public static void umountIn(Fd dir, String name, int flags) {
        if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("umountIn: '" + name + "' is not a single path component");
        }
        int all = flags | UMOUNT_NOFOLLOW;
        Namespaces.onIsolatedThread("umount", () -> {
            int fd = dir.fd();
            try (Arena a = Arena.ofConfined()) {
                Native.call(a, () -> "fchdir(" + fd + ")", FCHDIR, fd);
                Native.call(a, () -> "umount2(" + Native.q(name) + " (in fd " + fd + "), " + umountNames(all) + ")",
                        UMOUNT2, a.allocateFrom(name).address(), all);
                leaveCwd(a);
            }
            return null;
        });
    }

    /**
     * chdir("/") before the umount thread ends. Its cwd may be the last reference to the mount just detached: dropped
     * by the thread's exit, the final mntput would run later on the kernel's delayed-mntput worker, so the superblock
     * (an ext4 image's MMP block, its autoclear loop device) would outlive the unmount by an unbounded while. Dropped
     * by this syscall, the release runs as task work before it returns: when umount returns, the filesystem is gone
     * unless someone else still uses it.
     */
    private static void leaveCwd(Arena a) {
        Native.call(a, () -> "chdir(\"/\")", CHDIR, a.allocateFrom("/").address());
    }

    private static String dirArg(Fd dir) {
        return dir == Fd.CWD ? "" : dir + ", ";
    }

    static String openTreeFlags(int f) {
        return Bits.render(f, "0", OPEN_TREE_CLONE, "OPEN_TREE_CLONE", OPEN_TREE_CLOEXEC, "OPEN_TREE_CLOEXEC",
                AT_RECURSIVE, "AT_RECURSIVE", AT_SYMLINK_NOFOLLOW, "AT_SYMLINK_NOFOLLOW", AT_EMPTY_PATH, "AT_EMPTY_PATH");
    }

    static String moveFlags(int f) {
        return Bits.render(f, "0", MOVE_MOUNT_F_SYMLINKS, "MOVE_MOUNT_F_SYMLINKS", MOVE_MOUNT_F_AUTOMOUNTS, "MOVE_MOUNT_F_AUTOMOUNTS",
                MOVE_MOUNT_F_EMPTY_PATH, "MOVE_MOUNT_F_EMPTY_PATH", MOVE_MOUNT_T_SYMLINKS, "MOVE_MOUNT_T_SYMLINKS",
                MOVE_MOUNT_T_AUTOMOUNTS, "MOVE_MOUNT_T_AUTOMOUNTS", MOVE_MOUNT_T_EMPTY_PATH, "MOVE_MOUNT_T_EMPTY_PATH",
                MOVE_MOUNT_SET_GROUP, "MOVE_MOUNT_SET_GROUP", MOVE_MOUNT_BENEATH, "MOVE_MOUNT_BENEATH");
    }

    static String atFlagNames(int f) {
        return Bits.render(f, "0", AT_EMPTY_PATH, "AT_EMPTY_PATH", AT_RECURSIVE, "AT_RECURSIVE",
                AT_SYMLINK_NOFOLLOW, "AT_SYMLINK_NOFOLLOW");
    }

    static String attrNames(long f) {
        return Bits.render(f, "0", MOUNT_ATTR_RDONLY, "MOUNT_ATTR_RDONLY", MOUNT_ATTR_NOSUID, "MOUNT_ATTR_NOSUID",
                MOUNT_ATTR_NODEV, "MOUNT_ATTR_NODEV", MOUNT_ATTR_NOEXEC, "MOUNT_ATTR_NOEXEC", MOUNT_ATTR__ATIME, "MOUNT_ATTR__ATIME",
                MOUNT_ATTR_NOATIME, "MOUNT_ATTR_NOATIME", MOUNT_ATTR_STRICTATIME, "MOUNT_ATTR_STRICTATIME",
                MOUNT_ATTR_NODIRATIME, "MOUNT_ATTR_NODIRATIME", MOUNT_ATTR_IDMAP, "MOUNT_ATTR_IDMAP",
                MOUNT_ATTR_NOSYMFOLLOW, "MOUNT_ATTR_NOSYMFOLLOW");
    }

    static String propagationName(long p) {
        if (p == 0) return "0";
        if (p == MS_PRIVATE) return "MS_PRIVATE";
        if (p == MS_SLAVE) return "MS_SLAVE";
        if (p == MS_SHARED) return "MS_SHARED";
        if (p == MS_UNBINDABLE) return "MS_UNBINDABLE";
        return "0x" + Long.toHexString(p);
    }

    static String fsconfigCmd(int c) {
        return switch (c) {
            case FSCONFIG_SET_FLAG -> "FSCONFIG_SET_FLAG";
            case FSCONFIG_SET_STRING -> "FSCONFIG_SET_STRING";
            case FSCONFIG_SET_BINARY -> "FSCONFIG_SET_BINARY";
            case FSCONFIG_SET_PATH -> "FSCONFIG_SET_PATH";
            case FSCONFIG_SET_PATH_EMPTY -> "FSCONFIG_SET_PATH_EMPTY";
            case FSCONFIG_SET_FD -> "FSCONFIG_SET_FD";
            case FSCONFIG_CMD_CREATE -> "FSCONFIG_CMD_CREATE";
            case FSCONFIG_CMD_RECONFIGURE -> "FSCONFIG_CMD_RECONFIGURE";
            case FSCONFIG_CMD_CREATE_EXCL -> "FSCONFIG_CMD_CREATE_EXCL";
            default -> Integer.toString(c);
        };
    }

    static String msNames(long f) {
        return Bits.render(f, "0", MS_RDONLY, "MS_RDONLY", MS_NOSUID, "MS_NOSUID", MS_NODEV, "MS_NODEV", MS_NOEXEC, "MS_NOEXEC",
                MS_REMOUNT, "MS_REMOUNT", MS_NOATIME, "MS_NOATIME", MS_NODIRATIME, "MS_NODIRATIME", MS_BIND, "MS_BIND",
                MS_MOVE, "MS_MOVE", MS_REC, "MS_REC", MS_UNBINDABLE, "MS_UNBINDABLE", MS_PRIVATE, "MS_PRIVATE",
                MS_SLAVE, "MS_SLAVE", MS_SHARED, "MS_SHARED", MS_LAZYTIME, "MS_LAZYTIME");
    }

    static String umountNames(int f) {
        return Bits.render(f, "0", MNT_FORCE, "MNT_FORCE", MNT_DETACH, "MNT_DETACH", MNT_EXPIRE, "MNT_EXPIRE",
                UMOUNT_NOFOLLOW, "UMOUNT_NOFOLLOW");
    }
}
