package io.berth.ct.hook;

import io.berth.config.Schema;
import io.berth.ct.CtException;
import io.berth.ct.lifecycle.CtPaths;
import io.berth.mount.MountRequest;
import io.berth.mount.SafePath;
import io.berth.sys.Fd;
import io.berth.sys.Mounts;
import io.berth.sys.PathCalls;
import io.berth.sys.Reverter;
import io.berth.sys.SysException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;

/**
 * Mount points of an unprivileged container that can be unplugged live (issue 10.14).
 *
 * <p>The kernel locks ({@code MNT_LOCKED}) every mount copied into a mount namespace made inside a less privileged
 * user namespace, so that the container cannot reveal what lies beneath; nobody can unmount a locked mount, not even
 * host root ({@code umount2}: EINVAL). A mount point that pre-start mounted onto the rootfs is copied into the
 * container's namespace when LXC makes it, so it could never be unplugged. A bind made <em>inside</em> that namespace
 * is not locked: {@code open_tree(OPEN_TREE_CLONE)} clears the lock on its copy (the copy keeps its id map and a locked
 * read-only flag; so does a plain {@code MS_BIND}). So pre-start, after guest setup saw every mount point in place,
 * moves each one (deepest first) to {@code <dir>/mpstage/<key>}, and the rendered LXC config binds each onto its target
 * ({@code lxc.mount.entry}, parents first, see {@code LxcConfigRenderer}), which LXC does in the container's mount and
 * user namespace before pivot_root, opening the target without following symlinks; no extra process. The staged copies
 * in the container's namespace go away with the old root at pivot_root; those in the monitor's namespace are released by
 * unplug ({@link #release(CtPaths, String)}) or post-stop, so the container's mount is the filesystem's only holder.
 */
public final class StagedMounts {
    private static final int DIR = PathCalls.O_PATH | PathCalls.O_DIRECTORY | PathCalls.O_CLOEXEC;

    private StagedMounts() {}

    /** Whether a container's start stages its mount points (unprivileged, with at least one). */
    public static boolean applies(boolean unprivileged, List<MountRequest> requests) {
        return unprivileged && requests.stream().anyMatch(r -> Schema.inFamily("mp", r.key()));
    }

    /** Pre-start, in the namespace the monitor gets: moves every mpN mount off the rootfs into the stage dir. */
    static void stage(CtPaths paths, List<MountRequest> requests) {
        List<MountRequest> mps = parentsFirst(requests);
        Path stage = paths.dir().resolve("mpstage");
        try (Reverter undo = new Reverter(); Fd root = PathCalls.openat(Fd.CWD, paths.rootfsMount().toString(), DIR, 0)) {
            Files.createDirectories(stage);
            // LXC binds them as the container's root: it may pass through, not list
            Files.setPosixFilePermissions(stage, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
            for (MountRequest r : mps.reversed()) {
                Path dir = stage.resolve(r.key());
                Files.createDirectories(dir);
                try (Fd target = SafePath.openExisting(root, r.target()); Fd to = PathCalls.openat(Fd.CWD, dir.toString(), DIR, 0)) {
                    if (!PathCalls.fstat(target).mountRoot()) continue; // an empty source the engine skipped
                    Mounts.moveMountOnto(target, to);
                }
                undo.push("move " + r.key() + " back onto " + r.target(), () -> {
                    try (Fd from = PathCalls.openat(Fd.CWD, dir.toString(), DIR, 0); Fd back = SafePath.openExisting(root, r.target())) {
                        Mounts.moveMountOnto(from, back);
                    }
                });
            }
            undo.commit();
        } catch (IOException | SysException e) {
            throw new CtException("pre-start: cannot stage the mount points of " + paths.vmid() + " in " + stage + ": "
                    + e.getMessage(), e);
        }
    }

    private static List<MountRequest> parentsFirst(List<MountRequest> requests) {
        return requests.stream().filter(r -> Schema.inFamily("mp", r.key()))
                .sorted(Comparator.comparingInt((MountRequest r) -> SafePath.components(r.key(), r.target()).size()))
                .toList();
    }

    /**
     * In the monitor's namespace (unplug enters it; post-stop runs in it): detaches the staged mount at {@code dir}
     * ({@code <lxcpath>/<vmid>/mpstage/<key>}), if there is one, so that the container's mount is the only holder.
     */
    public static void release(Path dir) {
        String key = dir.getFileName().toString();
        if (!Schema.inFamily("mp", key) || !dir.getParent().getFileName().toString().equals("mpstage")) {
            throw new IllegalArgumentException("not a staged mount point dir: " + dir);
        }
        try (Fd d = PathCalls.openat(Fd.CWD, dir.toString(), DIR | PathCalls.O_NOFOLLOW, 0)) {
            if (PathCalls.fstat(d).mountRoot()) Mounts.umountAt(d, Mounts.MNT_DETACH);
        } catch (SysException e) {
            if (!e.is(io.berth.sys.Errno.ENOENT)) throw e;
        }
    }

    /** Where a container's mount point {@code key} is staged, as seen in the monitor's {@code mountinfo}. */
    public static boolean isStagedCopy(String mountPoint, String ctName, String key) {
        return mountPoint.endsWith("/" + ctName + "/mpstage/" + key);
    }

    /** post-stop: every staged mount that is left. */
    static void releaseAll(CtPaths paths) {
        Path stage = paths.dir().resolve("mpstage");
        if (!Files.isDirectory(stage)) return;
        try (var ds = Files.newDirectoryStream(stage)) {
            for (Path p : ds) if (Schema.inFamily("mp", p.getFileName().toString())) release(p);
        } catch (IOException e) {
            throw new CtException("post-stop: cannot list " + stage + ": " + e.getMessage(), e);
        }
    }
}
