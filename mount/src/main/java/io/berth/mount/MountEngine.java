package io.berth.mount;

import io.berth.idmap.IdKind;
import io.berth.idmap.IdMapEntry;
import io.berth.sys.Errno;
import io.berth.sys.Fd;
import io.berth.sys.LoopDevices;
import io.berth.sys.Mounts;
import io.berth.sys.PathCalls;
import io.berth.sys.Stat;
import io.berth.sys.SysException;
import io.berth.sys.UserNamespaces;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Mounts container volumes the staged way (seed 003): the filesystem is first made as a detached
 * mount (fsopen/fsconfig/fsmount for images and block devices, open_tree(OPEN_TREE_CLONE) for host
 * directories), gets its idmap and read-only/nosuid/... attributes while detached, is checked, and
 * only then is moved with move_mount(MOVE_MOUNT_T_EMPTY_PATH) onto a target fd that was looked up
 * without following any symlink ({@link SafePath}). Nothing is ever mounted on a path string inside
 * the container.
 *
 * <p>Hotplug uses the two halves: {@link #detachedMount} (e.g. in the monitor's namespace) and
 * {@link #attach} (on a namespace thread inside the container's mount namespace).
 */
public final class MountEngine {
    private final Consumer<String> warnings;

    /** @param warnings receives non-fatal notes (e.g. "quota not possible on a bind mount"), prefixed with the key */
    public MountEngine(Consumer<String> warnings) {
        this.warnings = warnings;
    }

    /**
     * A detached mount of the request's source with every attribute applied (idmap, ro, nosuid,
     * nodev, noexec, noatime) and read-only verified. The caller owns the fd; closing it without
     * attaching drops the mount (and an autoclear loop device with it).
     */
    public Fd detachedMount(MountRequest r) {
        Fd mnt = switch (r.source()) {
            case MountSource.HostDirectory d -> bindSource(r, d);
            case MountSource.ImageFile f -> imageSource(r, f);
            case MountSource.BlockDevice b -> deviceSource(r, b);
        };
        try {
            applyAttributes(mnt, r);
            verifyReadOnly(mnt, r);
            return mnt;
        } catch (RuntimeException e) {
            mnt.close();
            throw e;
        }
    }

    /**
     * Moves a detached mount onto {@code target} below {@code rootDirFd}, creating missing directories
     * owned by the request's owner. No symlink is followed on the way (see {@link SafePath}).
     */
    public void attach(Fd mount, Fd rootDirFd, MountRequest r) {
        try (Fd target = SafePath.openTarget(rootDirFd, r.target(), r.ownerUid(), r.ownerGid(), true)) {
            Mounts.moveMountOnto(mount, target);
        } catch (SysException e) {
            throw new MountException("mount point " + r.key() + ": cannot move mount onto " + r.target() + ": " + e.getMessage(), e);
        } catch (MountException e) {
            throw new MountException("mount point " + r.key() + ": " + e.getMessage(), e);
        }
        try {
            verifyReadOnly(mount, r);
        } catch (MountException e) {
            // the mount is attached read-write: never leave it there (issue 10.5)
            try {
                Mounts.umountAt(mount, Mounts.MNT_DETACH);
            } catch (SysException u) {
                e.addSuppressed(u);
            }
            throw e;
        }
    }

    /** detachedMount + attach for one request under a rootfs directory fd. */
    public void mount(Fd rootDirFd, MountRequest r) {
        try (Fd mnt = detachedMount(r)) {
            attach(mnt, rootDirFd, r);
        }
    }

    /**
     * Mounts all requests under {@code rootfsDir}, parents before children (by target path
     * components, as Proxmox sorts mount points), the rootfs ({@code /}) first. On any failure the
     * mounts already made are unmounted in reverse and the error rethrown.
     */
    public MountedSet mountAll(Path rootfsDir, List<MountRequest> requests) {
        List<MountRequest> ordered = ordered(requests);
        MountedSet done = new MountedSet(this, rootfsDir);
        try {
            for (MountRequest r : ordered) {
                // reopened per mount: after "/" is mounted the old fd still names the directory underneath
                try (Fd root = PathCalls.openDirectory(rootfsDir)) {
                    mount(root, r);
                }
                done.add(new MountedSet.Mounted(r.key(), SafePath.normalize(r.key(), r.target())));
            }
            return done;
        } catch (RuntimeException e) {
            try {
                done.close();
            } catch (RuntimeException undo) {
                e.addSuppressed(undo);
            }
            throw e;
        }
    }

    /** Requests sorted for mounting; duplicate targets are refused. */
    public static List<MountRequest> ordered(List<MountRequest> requests) {
        Set<String> seen = new HashSet<>();
        for (MountRequest r : requests) {
            String t = SafePath.normalize(r.key(), r.target());
            if (!seen.add(t)) throw new MountException("mount point " + r.key() + ": target " + t + " is used by another mount point too");
        }
        List<MountRequest> out = new ArrayList<>(requests);
        out.sort(Comparator.comparing(r -> SafePath.components(r.key(), r.target()), MountEngine::compareComponents));
        return out;
    }

    private static int compareComponents(List<String> a, List<String> b) {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int c = a.get(i).compareTo(b.get(i));
            if (c != 0) return c;
        }
        return Integer.compare(a.size(), b.size());
    }

    /** Unmounts the mount at {@code target} inside the rootfs at {@code rootfsDir}. */
    public void unmountTarget(Path rootfsDir, String target) {
        try (Fd root = PathCalls.openDirectory(rootfsDir)) {
            unmountTarget(root, target);
        }
    }

    /**
     * Safe unmount: resolves {@code target} without following symlinks, checks that it is the root of
     * a mount, and detaches that very mount (MNT_DETACH, via the fd, no path lookup).
     */
    public void unmountTarget(Fd rootDirFd, String target) {
        try (Fd t = SafePath.openExisting(rootDirFd, target)) {
            Stat st = PathCalls.fstat(t);
            if (!st.mountRoot()) throw new MountException("cannot unmount " + target + ": not a mount point");
            Mounts.umountAt(t, Mounts.MNT_DETACH);
        } catch (SysException e) {
            throw new MountException("cannot unmount " + target + ": " + e.getMessage(), e);
        }
    }

    /**
     * Unmounts every mount at or below {@code rootfsDir} in this thread's mount namespace, deepest
     * (most recent) first, each looked up symlink-safely. Returns the number unmounted; mounts that
     * could not be unmounted are reported together after trying all.
     */
    public int unmountAll(Path rootfsDir) {
        String base = rootfsDir.toAbsolutePath().normalize().toString();
        List<MountInfo> below = new ArrayList<>(MountInfo.current().stream().filter(m -> m.isAtOrBelow(base)).toList());
        int n = 0;
        MountException first = null;
        for (MountInfo m : below.reversed()) {
            String inside = m.mountPoint().equals(base) ? "/" : m.mountPoint().substring(base.length());
            try {
                unmountTarget(rootfsDir, inside);
                n++;
            } catch (MountException e) {
                // an earlier lazy detach of a parent may already have taken it away
                if (stillMounted(m.id())) {
                    if (first == null) first = e; else first.addSuppressed(e);
                }
            }
        }
        if (first != null) throw first;
        return n;
    }

    private static boolean stillMounted(long id) {
        return MountInfo.current().stream().anyMatch(m -> m.id() == id);
    }

    // --- sources -----------------------------------------------------------------------------

    /**
     * As Proxmox does: the source is walked without following any symlink (a symlink anywhere in the path is refused,
     * issue 10.5), and the bind is cloned from the directory that walk opened, so what is mounted is what was checked.
     */
    private Fd bindSource(MountRequest r, MountSource.HostDirectory d) {
        Stat st;
        Fd dir;
        try {
            dir = PathCalls.openat2(Fd.CWD, d.dir().toString(), PathCalls.O_PATH | PathCalls.O_DIRECTORY | PathCalls.O_CLOEXEC, 0,
                    PathCalls.RESOLVE_NO_SYMLINKS | PathCalls.RESOLVE_NO_MAGICLINKS);
        } catch (SysException e) {
            if (e.is(Errno.ELOOP)) {
                throw new MountException("mount point " + r.key() + ": host directory " + d.dir()
                        + " has a symlink in its path; bind mount sources must not contain symlinks (give the real path)", e);
            }
            if (e.is(Errno.ENOTDIR)) throw new MountException("mount point " + r.key() + ": host path " + d.dir() + " is not a directory (a bind mount source must be one)", e);
            throw new MountException("mount point " + r.key() + ": host directory " + d.dir() + " is not usable: " + e.getMessage(), e);
        }
        try (dir) {
            st = PathCalls.fstat(dir);
            if (!st.isDirectory()) throw new MountException("mount point " + r.key() + ": host path " + d.dir() + " is not a directory (a bind mount source must be one)");
            if (r.quota()) warn(r, "cannot enable quota control for bind mounts");
            for (MountOption o : r.options()) {
                if (!o.isMountAttribute()) warn(r, "mount option " + o + " has no effect on a bind mount");
            }
            if (r.acl().isPresent()) warn(r, "acl setting has no effect on a bind mount");
            try {
                return Mounts.openTree(dir, "", Mounts.OPEN_TREE_CLONE | Mounts.OPEN_TREE_CLOEXEC | Mounts.AT_EMPTY_PATH);
            } catch (SysException e) {
                throw new MountException("mount point " + r.key() + ": cannot bind " + d.dir() + ": " + e.getMessage(), e);
            }
        }
    }

    private Fd imageSource(MountRequest r, MountSource.ImageFile f) {
        // reuse a loop device already backing this image: two devices on one ext4 would corrupt it
        Optional<Path> existing = LoopDevices.findOneByBackingFile(f.file());
        if (existing.isPresent()) {
            try (Fd hold = PathCalls.openat(Fd.CWD, existing.get().toString(), PathCalls.O_RDONLY | PathCalls.O_CLOEXEC, 0)) {
                return fsMount(r, existing.get(), f.fstype());
            } catch (SysException e) {
                if (!e.is(Errno.ENOENT) && !e.is(Errno.ENXIO)) {
                    throw new MountException("mount point " + r.key() + ": cannot mount " + f.file() + " (via " + existing.get() + "): "
                            + e.getMessage(), e);
                }
                // detached meanwhile: attach a fresh one
            }
        }
        LoopDevices.LoopDevice loop;
        try {
            loop = LoopDevices.attach(f.file(), LoopDevices.Options.autoclearing(r.effectivelyReadOnly()));
        } catch (SysException e) {
            throw new MountException("mount point " + r.key() + ": cannot attach loop device for " + f.file() + ": " + e.getMessage(), e);
        }
        // our fd keeps the device until the mount holds it; closing it then leaves autoclear to the kernel
        try (loop) {
            return fsMount(r, loop.device(), f.fstype());
        } catch (SysException e) {
            throw new MountException("mount point " + r.key() + ": cannot mount " + f.file() + " (via " + loop.device() + "): "
                    + e.getMessage(), e);
        }
    }

    private Fd deviceSource(MountRequest r, MountSource.BlockDevice b) {
        Stat st;
        try {
            st = PathCalls.stat(Fd.CWD, b.device().toString(), 0);
        } catch (SysException e) {
            throw new MountException("mount point " + r.key() + ": device " + b.device() + " is not usable: " + e.getMessage(), e);
        }
        if (st.type() != Stat.FileType.BLOCK_DEVICE) {
            throw new MountException("mount point " + r.key() + ": " + b.device() + " is not a block device");
        }
        try {
            return fsMount(r, b.device(), b.fstype());
        } catch (SysException e) {
            throw new MountException("mount point " + r.key() + ": cannot mount " + b.device() + ": " + e.getMessage(), e);
        }
    }

    /** fsopen + fsconfig (source, superblock options) + fsmount: a detached mount of a block device. */
    private Fd fsMount(MountRequest r, Path device, String fstype) {
        try (Fd fs = Mounts.fsopen(fstype)) {
            Mounts.fsconfigString(fs, "source", device.toString());
            for (String[] kv : superblockOptions(r, fstype)) {
                if (kv.length == 1) Mounts.fsconfigFlag(fs, kv[0]);
                else Mounts.fsconfigString(fs, kv[0], kv[1]);
            }
            Mounts.fsconfigCreate(fs);
            return Mounts.fsmount(fs, 0);
        }
    }

    /** The filesystem options for a request, as {key} flags or {key, value} strings. */
    List<String[]> superblockOptions(MountRequest r, String fstype) {
        List<String[]> out = new ArrayList<>();
        boolean ext = fstype.startsWith("ext");
        if (r.effectivelyReadOnly()) out.add(new String[] {"ro"});
        if (r.snapshot()) {
            if (ext) out.add(new String[] {"noload"});
            else if (fstype.equals("xfs")) out.add(new String[] {"norecovery"});
        }
        for (MountOption o : r.options()) {
            if (!o.isMountAttribute()) out.add(new String[] {o.text()});
        }
        if (r.acl().isPresent()) {
            if (r.acl().get()) out.add(new String[] {"acl"});
            else if (!ext) out.add(new String[] {"noacl"});
            // ext4 lost "noacl" in kernel 6.1 (Proxmox skips it for raw volumes too)
        }
        if (r.quota()) {
            if (r.effectivelyReadOnly()) {
                warn(r, "quota is not enabled on a read-only mount");
            } else if (!ext) {
                warn(r, "quota is only supported on ext4 volumes, not " + fstype);
            } else {
                out.add(new String[] {"usrjquota", "aquota.user"});
                out.add(new String[] {"grpjquota", "aquota.group"});
                out.add(new String[] {"jqfmt", "vfsv0"});
            }
        }
        return out;
    }

    private void applyAttributes(Fd mnt, MountRequest r) {
        long set = 0, clr = 0;
        if (r.effectivelyReadOnly()) set |= Mounts.MOUNT_ATTR_RDONLY;
        for (MountOption o : r.options()) {
            switch (o) {
                case NOSUID -> set |= Mounts.MOUNT_ATTR_NOSUID;
                case NODEV -> set |= Mounts.MOUNT_ATTR_NODEV;
                case NOEXEC -> set |= Mounts.MOUNT_ATTR_NOEXEC;
                case NOATIME -> { set |= Mounts.MOUNT_ATTR_NOATIME; clr |= Mounts.MOUNT_ATTR__ATIME; }
                case LAZYTIME, DISCARD -> { }
            }
        }
        Fd userns = null;
        try {
            if (!r.idmap().isEmpty()) {
                userns = UserNamespaces.forMap(toRanges(r.idmap()));
                set |= Mounts.MOUNT_ATTR_IDMAP;
            }
            if (set != 0 || clr != 0) Mounts.setAttr(mnt, set, clr, userns);
        } catch (SysException | IllegalArgumentException e) {
            throw new MountException("mount point " + r.key() + ": cannot set mount attributes"
                    + (r.idmap().isEmpty() ? "" : " (idmap " + r.idmap() + ")") + ": " + e.getMessage(), e);
        } finally {
            if (userns != null) userns.close();
        }
    }

    /** The seed's __bindmount_verify: a read-only mount must refuse writes with EROFS, or it is not mounted at all. */
    private static void verifyReadOnly(Fd mnt, MountRequest r) {
        if (!r.effectivelyReadOnly()) return;
        int err = PathCalls.accessErrno(mnt, "", PathCalls.W_OK, PathCalls.AT_EMPTY_PATH);
        if (err != Errno.EROFS.number()) {
            throw new MountException("mount point " + r.key() + ": read-only check failed: write access "
                    + (err == 0 ? "is allowed" : "fails with errno " + err + " instead of EROFS"));
        }
    }

    /** idmap module entries (ct side = disk ids) to user namespace ranges (inside = disk, outside = host). */
    public static List<UserNamespaces.Range> toRanges(List<IdMapEntry> entries) {
        List<UserNamespaces.Range> out = new ArrayList<>();
        for (IdMapEntry e : entries) {
            out.add(new UserNamespaces.Range(e.kind() == IdKind.UID ? 'u' : 'g', e.ctStart(), e.hostStart(), e.count()));
        }
        return out;
    }

    private void warn(MountRequest r, String msg) {
        warnings.accept("mount point " + r.key() + ": " + msg);
    }
}
