package io.berth.ct.hotplug;

import io.berth.sys.Reverter;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

import io.berth.ct.hook.StagedMounts;
import io.berth.mount.MountEngine;
import io.berth.mount.MountException;
import io.berth.mount.MountInfo;
import io.berth.mount.MountRequest;
import io.berth.mount.MountSource;
import io.berth.mount.SafePath;
import io.berth.sys.Fd;
import io.berth.sys.LoopDevices;
import io.berth.sys.Mounts;
import io.berth.sys.Namespaces;
import io.berth.sys.NsType;
import io.berth.sys.PathCalls;
import io.berth.sys.Stat;
import io.berth.sys.SysException;

/**
 * Mount point hotplug and hot-unplug (seed 003, seed 000 {@code mountpoint_hotplug}), with no process
 * spawned: the mount is built detached (fsmount for images and devices, open_tree(OPEN_TREE_CLONE) for
 * directories) on a namespace thread inside the LXC monitor's mount namespace, so host paths resolve as
 * the start hook sees them; idmap/ro/nosuid are applied while it is detached; a second namespace thread
 * joins the container's mount namespace, resolves the target under the container's own {@code /} with
 * {@code RESOLVE_IN_ROOT|RESOLVE_NO_SYMLINKS} and {@code move_mount}s onto that fd.
 *
 * <p>No copy stays behind in the monitor's namespace. Proxmox kept its staging mount there to pin loop
 * devices it tracks by name; here loop devices are autoclear and found by backing file, so the mount's
 * only owner is the container: when the container (or unplug) drops it, the loop device frees itself,
 * and post-stop has nothing extra to unmount.
 */
public final class MountHotplug {
    private MountHotplug() {}

    private static final int DIR = PathCalls.O_PATH | PathCalls.O_DIRECTORY | PathCalls.O_CLOEXEC;

    static {
        // Class loading inside the container's namespace is handled by Namespaces.inMountNamespace
        // (ClassPathPreload); initialization is not: probe the kernel while the host's files are in view.
        io.berth.sys.KernelFeatures.get();
    }

    /**
     * Mounts {@code req} into the running container. On failure nothing stays mounted; on success the
     * undo log learns how to unmount it again.
     */
    public static void plug(RunningContainer ct, MountRequest req, Reverter undo, Consumer<String> warnings) {
        MountEngine engine = new MountEngine(warnings);
        try (Fd monitorNs = ct.monitorNamespace(NsType.MNT);
             Fd mnt = Namespaces.inMountNamespace(monitorNs, () -> engine.detachedMount(req));
             Fd ctNs = ct.namespace(NsType.MNT)) {
            Namespaces.inMountNamespace(ctNs, () -> {
                try (Fd root = PathCalls.openat(Fd.CWD, "/", DIR, 0)) {
                    engine.attach(mnt, root, req);
                }
                return null;
            });
        } catch (SysException e) {
            throw new HotplugException(req.key() + ": cannot hotplug onto " + req.target() + " in container " + ct.name()
                    + ": " + e.getMessage(), e);
        } catch (MountException e) {
            throw new HotplugException(req.key() + ": " + e.getMessage(), e);
        }
        undo.push("unmount " + req.target(), () -> unmountInContainer(ct, req.key(), req.target(), Set.of()));
    }

    /**
     * What became of the source after an unplug.
     *
     * @param released  the loop device (if any) is gone and nothing else holds the filesystem, so the
     *                  volume may be deactivated
     * @param holders   where the filesystem is still mounted (pid and mount point), if anywhere
     */
    public record Unplugged(String key, boolean released, List<String> holders) {}

    /**
     * Detaches the mount at {@code target} inside the container after checking that it is the root of
     * a mount of {@code expected} (by device), then reports whether the source is free.
     */
    public static Unplugged unplug(RunningContainer ct, String key, String target, MountSource expected, Consumer<String> warnings) {
        List<Path> loops = expected instanceof MountSource.ImageFile f ? LoopDevices.findByBackingFile(f.file()) : List.of();
        Set<String> devices = expectedDevices(expected, loops);
        Optional<String> gone = unmountInContainer(ct, key, target, devices, true);
        // the container unmounted (or moved) it itself: the goal is reached, finish and say what was found (issue 10.13)
        gone.ifPresent(what -> warnings.accept(key + ": " + target + " " + what + " in container " + ct.name()
                + " (the container unmounted or moved it itself); nothing left to unmount there"));
        releaseStagedCopy(ct, key);
        if (expected instanceof MountSource.HostDirectory) return new Unplugged(key, true, List.of());
        List<String> holders = holders(devices);
        boolean released = holders.isEmpty() && awaitDetached(loops);
        if (!holders.isEmpty()) {
            warnings.accept(key + ": " + expected.path() + " is still mounted elsewhere, so it stays attached: "
                    + String.join("; ", holders));
        } else if (!released) {
            warnings.accept(key + ": " + expected.path() + " is unmounted but its loop device " + loops
                    + " is still busy (open files in the container); it detaches itself when they are closed");
        }
        return new Unplugged(key, released, holders);
    }

    /**
     * An unprivileged container's start-time mount point was staged by pre-start ({@link StagedMounts}): its staged
     * copy in the monitor's namespace still holds the filesystem (and its loop device); detach it there too.
     */
    private static void releaseStagedCopy(RunningContainer ct, String key) {
        Optional<String> staged;
        try {
            staged = MountInfo.read(Path.of("/proc", Long.toString(ct.monitorPid()), "mountinfo")).stream()
                    .map(MountInfo::mountPoint).filter(m -> StagedMounts.isStagedCopy(m, ct.name(), key)).findFirst();
        } catch (RuntimeException e) {
            throw new HotplugException(key + ": cannot read the mounts of container " + ct.name() + "'s monitor: " + e.getMessage(), e);
        }
        if (staged.isEmpty()) return;
        try (Fd monitorNs = ct.monitorNamespace(NsType.MNT)) {
            Namespaces.inMountNamespace(monitorNs, () -> {
                StagedMounts.release(Path.of(staged.get()));
                return null;
            });
        } catch (SysException e) {
            throw new HotplugException(key + ": unmounted in container " + ct.name() + ", but its staged copy "
                    + staged.get() + " in the monitor's namespace could not be detached: " + e.getMessage(), e);
        }
    }

    /** major:minor strings a mount of {@code source} shows as its st_dev. */
    private static Set<String> expectedDevices(MountSource source, List<Path> loops) {
        Set<String> out = new HashSet<>();
        switch (source) {
            case MountSource.HostDirectory d -> out.add(PathCalls.stat(Fd.CWD, d.dir().toString(), 0).dev());
            case MountSource.BlockDevice b -> {
                Stat st = PathCalls.stat(Fd.CWD, b.device().toString(), 0);
                out.add(st.rdevMajor() + ":" + st.rdevMinor());
            }
            case MountSource.ImageFile f -> {
                for (Path l : loops) {
                    Stat st = PathCalls.stat(Fd.CWD, l.toString(), 0);
                    out.add(st.rdevMajor() + ":" + st.rdevMinor());
                }
            }
        }
        return out;
    }

    /** Safe unmount in the container: no symlink followed, must be a mount root, of one of {@code devices} if given. */
    static void unmountInContainer(RunningContainer ct, String key, String target, Set<String> devices) {
        unmountInContainer(ct, key, target, devices, false);
    }

    /**
     * With {@code tolerateAbsent}, a target that is missing or no mount point is not an error: returns what was found
     * there instead (empty when a mount was detached).
     */
    static Optional<String> unmountInContainer(RunningContainer ct, String key, String target, Set<String> devices,
                                               boolean tolerateAbsent) {
        try (Fd ctNs = ct.namespace(NsType.MNT)) {
            return Namespaces.inMountNamespace(ctNs, () -> {
                try (Fd root = PathCalls.openat(Fd.CWD, "/", DIR, 0)) {
                    Fd t;
                    try {
                        t = SafePath.openExisting(root, target);
                    } catch (SysException | MountException e) {
                        if (tolerateAbsent) return Optional.of("could not be opened (" + e.getMessage() + ")");
                        throw e;
                    }
                    try (t) {
                    Stat st = PathCalls.fstat(t);
                    if (!st.mountRoot()) {
                        if (tolerateAbsent) return Optional.of("is no longer a mount point");
                        throw new HotplugException(key + ": " + target + " is not a mount point in container " + ct.name());
                    }
                    if (!devices.isEmpty() && !devices.contains(st.dev())) {
                        throw new HotplugException(key + ": " + target + " in container " + ct.name() + " is a mount of device "
                                + st.dev() + ", not of the configured source (device " + String.join(" or ", devices)
                                + "); refusing to unmount it");
                    }
                    Mounts.umountAt(t, Mounts.MNT_DETACH);
                    return Optional.<String>empty();
                    }
                }
            });
        } catch (SysException e) {
            if (e.is(io.berth.sys.Errno.EINVAL)) {
                // umount2 gives EINVAL for a mount the kernel locked (MNT_LOCKED): one that was already there when the
                // unprivileged container's mount namespace was made inside its user namespace, i.e. mounted at start
                throw new HotplugException(key + ": " + target + " in container " + ct.name() + " was mounted at start and the"
                        + " kernel locks such mounts in an unprivileged container's namespace (umount2: EINVAL), so it cannot"
                        + " be unplugged live; it is removed at the next restart", e);
            }
            throw new HotplugException(key + ": cannot unmount " + target + " in container " + ct.name() + ": " + e.getMessage(), e);
        } catch (MountException e) {
            throw new HotplugException(key + ": cannot unmount " + target + " in container " + ct.name() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Every mount namespace on the host that still has one of {@code devices} mounted, as
     * {@code "pid P (comm): mountpoint"}; one entry per namespace.
     */
    static List<String> holders(Set<String> devices) {
        List<String> out = new ArrayList<>();
        if (devices.isEmpty()) return out;
        Set<String> seenNs = new HashSet<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().chars().allMatch(Character::isDigit))) {
            for (Path proc : ds) {
                try {
                    String ns = Files.readSymbolicLink(proc.resolve("ns/mnt")).toString();
                    if (!seenNs.add(ns)) continue;
                    for (MountInfo m : MountInfo.read(proc.resolve("mountinfo"))) {
                        if (devices.contains(m.majorMinor())) {
                            String comm = Files.readString(proc.resolve("comm")).strip();
                            out.add("pid " + proc.getFileName() + " (" + comm + "): " + m.mountPoint());
                            break;
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    // the process exited while we looked
                }
            }
        } catch (IOException e) {
            throw new HotplugException("cannot scan /proc for mounts: " + e.getMessage(), e);
        }
        return out;
    }

    /** Autoclear detaches the loop device asynchronously after the last user: give it a moment. */
    private static boolean awaitDetached(List<Path> loops) {
        for (int i = 0; i < 50; i++) {
            if (loops.stream().noneMatch(l -> Files.exists(Path.of("/sys/block", l.getFileName().toString(), "loop", "backing_file")))) {
                return true;
            }
            try {
                Thread.sleep(4);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }
}
