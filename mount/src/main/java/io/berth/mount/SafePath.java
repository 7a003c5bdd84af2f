package io.berth.mount;

import io.berth.sys.Errno;
import io.berth.sys.Fd;
import io.berth.sys.KernelFeatures;
import io.berth.sys.PathCalls;
import io.berth.sys.Stat;
import io.berth.sys.SysException;

import java.util.ArrayList;
import java.util.List;

import static io.berth.sys.PathCalls.O_CLOEXEC;
import static io.berth.sys.PathCalls.O_DIRECTORY;
import static io.berth.sys.PathCalls.O_NOFOLLOW;
import static io.berth.sys.PathCalls.O_PATH;
import static io.berth.sys.PathCalls.RESOLVE_IN_ROOT;
import static io.berth.sys.PathCalls.RESOLVE_NO_MAGICLINKS;
import static io.berth.sys.PathCalls.RESOLVE_NO_SYMLINKS;

/**
 * Symlink-safe lookup of a directory inside a container rootfs (the seed's walk_tree_nofollow, on
 * openat2 where the kernel has it).
 *
 * <p>Semantics: the container owns its tree, so any symlink on the way is refused, whether it points
 * inside or outside the rootfs (as Proxmox refuses them). Lookups use
 * {@code RESOLVE_IN_ROOT|RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS}, so even a symlink swapped in
 * between two checks is refused by the kernel at lookup time rather than followed; {@code ..} in a
 * target is rejected up front. Directories created on the way are made by mkdirat relative to the
 * parent fd and chowned through their own fd. Without openat2 each component is opened with
 * O_NOFOLLOW relative to its parent fd.
 */
public final class SafePath {
    private SafePath() {}

    private static final int DIR_FLAGS = O_PATH | O_DIRECTORY | O_CLOEXEC;
    private static final long RESOLVE = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;

    /** The components of an absolute container path; empty for {@code /}. Rejects {@code ..}. */
    public static List<String> components(String key, String path) {
        List<String> out = new ArrayList<>();
        for (String c : path.split("/")) {
            if (c.isEmpty() || c.equals(".")) continue;
            if (c.equals("..")) {
                throw new MountException("mount point " + key + ": target '" + path
                        + "' has a '..' component: not allowed, use a path without '..'");
            }
            out.add(c);
        }
        return out;
    }

    /** The normalized form: {@code /a/b} (no duplicate slashes, no '.'), {@code /} for the root. */
    public static String normalize(String key, String path) {
        List<String> c = components(key, path);
        return c.isEmpty() ? "/" : "/" + String.join("/", c);
    }

    /**
     * An O_PATH directory fd for {@code pathInContainer} under {@code rootDirFd}. With {@code create},
     * missing directories are made (mode 0755) and chowned to {@code ownerUid:ownerGid} (-1 keeps).
     *
     * @throws MountException naming the path and the offending component (symlink, not a directory, missing)
     */
    public static Fd openTarget(Fd rootDirFd, String pathInContainer, int ownerUid, int ownerGid, boolean create) {
        return openTarget(rootDirFd, pathInContainer, ownerUid, ownerGid, create, KernelFeatures.get().openat2());
    }

    /** With {@code openat2} false, the O_NOFOLLOW per-component walk for kernels before 5.6 (tests run both). */
    static Fd openTarget(Fd rootDirFd, String pathInContainer, int ownerUid, int ownerGid, boolean create, boolean openat2) {
        List<String> comps = components("target", pathInContainer);
        if (comps.isEmpty()) return rootDirFd.dup();
        if (openat2) {
            try {
                return PathCalls.openat2(rootDirFd, String.join("/", comps), DIR_FLAGS, 0, RESOLVE);
            } catch (SysException e) {
                // fall through to the walk: it creates what is missing and names the failing component
                if (!e.is(Errno.ENOENT) && !e.is(Errno.ELOOP) && !e.is(Errno.ENOTDIR) && !e.is(Errno.EXDEV)) {
                    throw new MountException("cannot open '" + pathInContainer + "' in container root: " + e.getMessage(), e);
                }
            }
        }
        return walk(rootDirFd, pathInContainer, comps, ownerUid, ownerGid, create, openat2);
    }

    /** Opens an existing target (no creation). */
    public static Fd openExisting(Fd rootDirFd, String pathInContainer) {
        return openTarget(rootDirFd, pathInContainer, -1, -1, false);
    }

    private static Fd walk(Fd root, String full, List<String> comps, int uid, int gid, boolean create, boolean openat2) {
        Fd cur = root.dup();
        StringBuilder sofar = new StringBuilder();
        try {
            for (String c : comps) {
                sofar.append('/').append(c);
                Fd next = step(cur, c, full, sofar.toString(), uid, gid, create, openat2);
                cur.close();
                cur = next;
            }
            Fd r = cur;
            cur = null;
            return r;
        } finally {
            if (cur != null) cur.close();
        }
    }

    private static Fd step(Fd dir, String name, String full, String sofar, int uid, int gid, boolean create, boolean openat2) {
        try {
            return openComponent(dir, name, openat2);
        } catch (SysException e) {
            if (!e.is(Errno.ENOENT)) throw refuse(dir, name, full, sofar, e);
            if (!create) throw new MountException("path '" + full + "' in container: '" + sofar + "' does not exist", e);
        }
        boolean created = false;
        try {
            PathCalls.mkdirat(dir, name, 0755);
            created = true;
        } catch (SysException e) {
            if (!e.is(Errno.EEXIST)) {
                throw new MountException("path '" + full + "' in container: cannot create '" + sofar + "': " + e.getMessage(), e);
            }
        }
        Fd next;
        try {
            next = openComponent(dir, name, openat2);
        } catch (SysException e) {
            throw refuse(dir, name, full, sofar, e);
        }
        if (created && (uid >= 0 || gid >= 0)) {
            try {
                PathCalls.fchownat(next, "", uid, gid, PathCalls.AT_EMPTY_PATH);
            } catch (SysException e) {
                next.close();
                throw new MountException("path '" + full + "' in container: cannot chown '" + sofar + "' to " + uid + ":" + gid
                        + ": " + e.getMessage(), e);
            }
        }
        return next;
    }

    private static Fd openComponent(Fd dir, String name, boolean openat2) {
        if (openat2) {
            return PathCalls.openat2(dir, name, DIR_FLAGS, 0, RESOLVE);
        }
        return PathCalls.openat(dir, name, DIR_FLAGS | O_NOFOLLOW, 0);
    }

    private static MountException refuse(Fd dir, String name, String full, String sofar, SysException e) {
        if (e.is(Errno.ELOOP)) return symlink(full, sofar, e);
        if (e.is(Errno.ENOTDIR)) {
            // O_NOFOLLOW|O_PATH|O_DIRECTORY on a symlink reports ENOTDIR: tell the two apart
            String what = "not a directory";
            try {
                Stat st = PathCalls.stat(dir, name, PathCalls.AT_SYMLINK_NOFOLLOW);
                if (st.isSymlink()) return symlink(full, sofar, e);
                what = kind(st.type()) + ", not a directory";
            } catch (SysException ignored) {
                // gone meanwhile: report what the open said
            }
            return new MountException("path '" + full + "' in container: '" + sofar + "' is " + what
                    + ": a mount point is mounted over a directory (missing ones are created); remove or rename it"
                    + " inside the container, or choose another mount path", e);
        }
        return new MountException("path '" + full + "' in container: cannot open '" + sofar + "': " + e.getMessage(), e);
    }

    private static String kind(Stat.FileType t) {
        return switch (t) {
            case REGULAR -> "a regular file";
            case BLOCK_DEVICE -> "a block device";
            case CHAR_DEVICE -> "a character device";
            case FIFO -> "a FIFO";
            case SOCKET -> "a socket";
            case DIRECTORY, SYMLINK, UNKNOWN -> "of an unknown type";
        };
    }

    private static MountException symlink(String full, String sofar, SysException e) {
        return new MountException("path '" + full + "' in container: '" + sofar
                + "' is a symlink: symlinks are not followed on the way to a mount target", e);
    }
}
