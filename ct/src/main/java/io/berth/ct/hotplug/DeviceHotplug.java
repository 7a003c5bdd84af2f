package io.berth.ct.hotplug;

import io.berth.sys.Reverter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import io.berth.config.DevConfig;
import io.berth.idmap.IdKind;
import io.berth.idmap.IdMap;
import io.berth.mount.MountException;
import io.berth.mount.SafePath;
import io.berth.sys.DeviceNodes;
import io.berth.sys.Errno;
import io.berth.sys.Fd;
import io.berth.sys.Mounts;
import io.berth.sys.Namespaces;
import io.berth.sys.NsType;
import io.berth.sys.PathCalls;
import io.berth.sys.Stat;
import io.berth.sys.SysException;

/**
 * devN on a running container with a cgroup v1 devices controller, done as the start path does it (pre-start
 * hook + autodev): the node is made on a tmpfs of the host's user namespace (in a throwaway mount namespace),
 * picked up as a detached bind mount with {@code open_tree(OPEN_TREE_CLONE)}, and moved onto its path in the
 * container's /dev from a namespace thread inside the container's mount namespace. A bind mount works for
 * unprivileged containers too, whose own /dev tmpfs cannot hold usable device nodes. The path in the container is
 * resolved without following container-controlled symlinks ({@link SafePath}); a symlink at the node's own name is
 * replaced, never followed.
 */
final class DeviceHotplug {
    private DeviceHotplug() {}

    private static final int DIR = PathCalls.O_PATH | PathCalls.O_DIRECTORY | PathCalls.O_CLOEXEC;

    /** Devices every LXC container may use (LXC's common.conf): removing a devN never denies these. */
    private static final Set<String> LXC_DEFAULT = Set.of("c 1:3", "c 1:5", "c 1:7", "c 1:8", "c 1:9", "c 5:0",
            "c 5:1", "c 5:2", "c 10:229");

    /** What lxc_fill_autodev creates in a container's /dev. */
    private static final Set<String> LXC_AUTODEV_NAMES = Set.of("full", "null", "random", "tty", "urandom", "zero");

    /** A host device node: type letter and numbers. */
    record Node(char type, int major, int minor) {
        static Node of(String key, String path) {
            Stat st;
            try {
                st = PathCalls.stat(Fd.CWD, path, 0);
            } catch (SysException e) {
                throw new HotplugException(key + ": device '" + path + "' on the host: " + e.getMessage(), e);
            }
            char t = switch (st.type()) {
                case CHAR_DEVICE -> 'c';
                case BLOCK_DEVICE -> 'b';
                case REGULAR, DIRECTORY, SYMLINK, FIFO, SOCKET, UNKNOWN ->
                        throw new HotplugException(key + ": '" + path + "' on the host is not a device node");
            };
            return new Node(t, st.rdevMajor(), st.rdevMinor());
        }

        String rule() {
            return type + " " + major + ":" + minor;
        }

        boolean matches(Stat st) {
            Stat.FileType want = type == 'b' ? Stat.FileType.BLOCK_DEVICE : Stat.FileType.CHAR_DEVICE;
            return st.type() == want && st.rdevMajor() == major && st.rdevMinor() == minor;
        }
    }

    static void add(String key, RunningContainer ct, ContainerCgroup cg, DevConfig dev, IdMap ids, Reverter undo) {
        Node node = Node.of(key, dev.path());
        List<String> rel = SafePath.components(key, dev.path());
        if (rel.size() < 2 || !rel.get(0).equals("dev")) {
            throw new HotplugException(key + ": device path '" + dev.path() + "' is invalid; allowed: a path below /dev");
        }
        Path dir = cg.v1().get("devices");
        String access = dev.denyWrite() ? "r" : "rw";
        if (!allowed(dir, node, access)) {
            String rule = node.rule() + " " + access;
            writeRule(key, dir.resolve("devices.allow"), rule);
            undo.push("deny " + rule, () -> writeRule(key, dir.resolve("devices.deny"), node.rule() + " rwm"));
        }
        int perm = Integer.parseInt(dev.mode().orElse("0660"), 8);
        long uid = ids.toHost(IdKind.UID, dev.uid().orElse(0)).orElse(ids.rootUid());
        long gid = ids.toHost(IdKind.GID, dev.gid().orElse(0)).orElse(ids.rootGid());
        try (Fd mnt = detachedNode(key, node, perm, (int) uid, (int) gid);
             Fd ctNs = ct.namespace(NsType.MNT)) {
            Namespaces.inMountNamespace(ctNs, () -> {
                attach(key, mnt, rel, (int) ids.rootUid(), (int) ids.rootGid());
                return null;
            });
        } catch (SysException | MountException e) {
            throw new HotplugException(key + ": cannot pass " + dev.path() + " into container " + ct.name() + ": " + e.getMessage(), e);
        }
        undo.push("remove " + dev.path() + " from the container", () -> detach(key, ct, dev.path(), node));
    }

    static void remove(String key, RunningContainer ct, ContainerCgroup cg, DevConfig dev, Reverter undo, Runnable replug) {
        Node node = Node.of(key, dev.path());
        detach(key, ct, dev.path(), node);
        undo.push("pass " + dev.path() + " into the container again", replug::run);
        if (!LXC_DEFAULT.contains(node.rule())) {
            Path dir = cg.v1().get("devices");
            String was = allowed(dir, node, "rw") ? "rw" : allowed(dir, node, "r") ? "r" : "";
            writeRule(key, dir.resolve("devices.deny"), node.rule() + " rwm");
            if (!was.isEmpty()) undo.push("allow " + node.rule(), () -> writeRule(key, dir.resolve("devices.allow"), node.rule() + " " + was));
        }
    }

    /** The node on a private tmpfs, as a detached bind mount of that one file. */
    private static Fd detachedNode(String key, Node node, int perm, int uid, int gid) {
        Path tmp;
        try {
            tmp = Files.createTempDirectory("berth-dev");
        } catch (IOException e) {
            throw new HotplugException(key + ": cannot create a temporary directory: " + e.getMessage(), e);
        }
        try {
            // the tmpfs lives only in this throwaway namespace; the clone keeps it alive after the thread ends
            return Namespaces.inNewMountNamespace(() -> {
                Mounts.mount("berth-dev", tmp.toString(), "tmpfs", Mounts.MS_NOSUID | Mounts.MS_NOEXEC, "mode=0755,size=16k");
                try (Fd d = PathCalls.openat(Fd.CWD, tmp.toString(), DIR, 0)) {
                    DeviceNodes.mknodat(d, "node", node.type() == 'b', perm, node.major(), node.minor());
                    PathCalls.fchownat(d, "node", uid, gid, PathCalls.AT_SYMLINK_NOFOLLOW);
                    return Mounts.openTree(d, "node", Mounts.OPEN_TREE_CLONE | Mounts.OPEN_TREE_CLOEXEC);
                }
            });
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException e) {
                // an empty directory in /tmp; harmless
            }
        }
    }

    /** In the container's mount namespace: a placeholder file at the path (unless a node is there), then the bind. */
    private static void attach(String key, Fd mnt, List<String> rel, int rootUid, int rootGid) {
        String name = rel.getLast();
        String parentPath = "/" + String.join("/", rel.subList(0, rel.size() - 1));
        try (Fd root = PathCalls.openat(Fd.CWD, "/", DIR, 0);
             Fd parent = SafePath.openTarget(root, parentPath, rootUid, rootGid, true)) {
            boolean created = false;
            Stat st = lstat(parent, name);
            if (st != null && st.isSymlink()) {
                PathCalls.unlinkat(parent, name, 0);
                st = null;
            }
            if (st != null && st.isDirectory()) {
                throw new HotplugException(key + ": " + parentPath + "/" + name + " is a directory in the container");
            }
            if (st == null) {
                PathCalls.openat(parent, name, PathCalls.O_CREAT | PathCalls.O_EXCL | PathCalls.O_WRONLY | PathCalls.O_NOFOLLOW
                        | PathCalls.O_CLOEXEC, 0600).close();
                created = true;
                PathCalls.fchownat(parent, name, rootUid, rootGid, PathCalls.AT_SYMLINK_NOFOLLOW);
            }
            try (Fd target = PathCalls.openat(parent, name, PathCalls.O_PATH | PathCalls.O_NOFOLLOW | PathCalls.O_CLOEXEC, 0)) {
                Mounts.moveMountOnto(mnt, target);
            } catch (RuntimeException e) {
                if (created) {
                    try {
                        PathCalls.unlinkat(parent, name, 0);
                    } catch (SysException u) {
                        e.addSuppressed(u);
                    }
                }
                throw e;
            }
        }
    }

    /**
     * Unmounts the passthrough bind at {@code path} in the container after checking it is a mount of this device,
     * then removes the empty placeholder file a hotplug created (a node that was there before stays).
     */
    private static void detach(String key, RunningContainer ct, String path, Node node) {
        List<String> rel = SafePath.components(key, path);
        String name = rel.getLast();
        String parentPath = "/" + String.join("/", rel.subList(0, rel.size() - 1));
        // LXC fills /dev with these after the autodev hook ran, and skips a path our hook already bound a node on:
        // under our mount there is then only our empty placeholder, and the container would lose e.g. /dev/null
        // (issue 10.10). Put back what LXC gives an unprivileged container: a bind of the host's node.
        boolean lxcNode = rel.size() == 2 && rel.getFirst().equals("dev") && LXC_AUTODEV_NAMES.contains(name);
        try (Fd ctNs = ct.namespace(NsType.MNT);
             Fd hostNode = lxcNode ? Mounts.openTree(Fd.CWD, "/dev/" + name, Mounts.OPEN_TREE_CLONE | Mounts.OPEN_TREE_CLOEXEC) : null) {
            Namespaces.inMountNamespace(ctNs, () -> {
                try (Fd root = PathCalls.openat(Fd.CWD, "/", DIR, 0);
                     Fd parent = SafePath.openExisting(root, parentPath);
                     Fd t = PathCalls.openat(parent, name, PathCalls.O_PATH | PathCalls.O_NOFOLLOW | PathCalls.O_CLOEXEC, 0)) {
                    Stat st = PathCalls.fstat(t);
                    if (!st.mountRoot() || !node.matches(st)) {
                        throw new HotplugException(key + ": " + path + " in container " + ct.name() + " is not a passthrough mount of "
                                + node.rule() + "; refusing to remove it");
                    }
                    Mounts.umountIn(parent, name, Mounts.MNT_DETACH);
                    Stat under = lstat(parent, name);
                    if (under != null && under.type() == Stat.FileType.REGULAR && under.size() == 0) {
                        if (hostNode != null) {
                            try (Fd placeholder = PathCalls.openat(parent, name, PathCalls.O_PATH | PathCalls.O_NOFOLLOW | PathCalls.O_CLOEXEC, 0)) {
                                Mounts.moveMountOnto(hostNode, placeholder);
                            }
                        } else {
                            PathCalls.unlinkat(parent, name, 0);
                        }
                    }
                }
                return null;
            });
        } catch (SysException | MountException e) {
            throw new HotplugException(key + ": cannot remove " + path + " from container " + ct.name() + ": " + e.getMessage(), e);
        }
    }

    private static Stat lstat(Fd dir, String name) {
        try {
            return PathCalls.stat(dir, name, PathCalls.AT_SYMLINK_NOFOLLOW);
        } catch (SysException e) {
            if (e.is(Errno.ENOENT)) return null;
            throw e;
        }
    }

    /** Whether the cgroup's devices.list already grants {@code access} on the node. */
    static boolean allowed(Path devicesDir, Node node, String access) {
        List<String> lines;
        try {
            lines = Files.readAllLines(devicesDir.resolve("devices.list"));
        } catch (IOException e) {
            throw new HotplugException("cannot read " + devicesDir.resolve("devices.list") + ": " + e.getMessage(), e);
        }
        for (String l : lines) {
            String[] f = l.strip().split("[ :]");
            if (f.length != 4) continue;
            boolean type = f[0].equals("a") || f[0].charAt(0) == node.type();
            boolean major = f[1].equals("*") || f[1].equals(Integer.toString(node.major()));
            boolean minor = f[2].equals("*") || f[2].equals(Integer.toString(node.minor()));
            boolean acc = access.chars().allMatch(c -> f[3].indexOf(c) >= 0);
            if (type && major && minor && acc) return true;
        }
        return false;
    }

    /** devices.allow/deny are write-only: nothing to read back. */
    private static void writeRule(String key, Path file, String rule) {
        try {
            Files.writeString(file, rule);
        } catch (IOException e) {
            throw new HotplugException(key + ": cannot write '" + rule + "' to " + file + ": " + e.getMessage(), e);
        }
    }
}
