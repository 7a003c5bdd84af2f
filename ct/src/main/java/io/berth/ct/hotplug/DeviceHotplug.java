package io.berth.ct.hotplug;

import java.nio.file.Path;

import io.berth.config.DevConfig;
import io.berth.idmap.IdKind;
import io.berth.idmap.IdMap;
import io.berth.sys.PathCalls;
import io.berth.sys.Stat;

/**
 * devN on a running container with a cgroup v1 devices controller: allow the device in the container's
 * devices cgroup, then create the node in the container's /dev. The node is made by {@code mknod} run
 * through {@code nsenter --mount} (sys offers no mknod): inside the container's mount namespace the
 * path resolves against the container's own root, so a planted symlink can at worst point elsewhere in
 * the container, never at the host.
 */
final class DeviceHotplug {
    private DeviceHotplug() {}

    static void add(RunningContainer ct, ContainerCgroup cg, DevConfig dev, IdMap ids, UndoLog undo) {
        Stat st = PathCalls.stat(io.berth.sys.Fd.CWD, dev.path(), 0);
        char type = switch (st.type()) {
            case CHAR_DEVICE -> 'c';
            case BLOCK_DEVICE -> 'b';
            default -> throw new HotplugException("dev: " + dev.path() + " on the host is not a device node");
        };
        String rule = type + " " + st.rdevMajor() + ":" + st.rdevMinor() + (dev.denyWrite() ? " rm" : " rwm");
        Path dir = cg.v1().get("devices");
        writeRule(dir.resolve("devices.allow"), rule);
        undo.push("deny " + rule, () -> java.nio.file.Files.writeString(dir.resolve("devices.deny"), rule));
        String mode = dev.mode().orElse(Integer.toOctalString(st.permissions()));
        long uid = ids.toHost(IdKind.UID, dev.uid().orElse(0)).orElse(ids.rootUid());
        long gid = ids.toHost(IdKind.GID, dev.gid().orElse(0)).orElse(ids.rootGid());
        long pid = ct.initPid();
        Commands.run("nsenter", "--mount=/proc/" + pid + "/ns/mnt", "--", "mknod", "-m", mode, dev.path(),
                String.valueOf(type), Integer.toString(st.rdevMajor()), Integer.toString(st.rdevMinor()));
        undo.push("remove " + dev.path(), () -> Commands.run("nsenter", "--mount=/proc/" + pid + "/ns/mnt", "--", "rm", "-f", dev.path()));
        Commands.run("nsenter", "--mount=/proc/" + pid + "/ns/mnt", "--", "chown", "-h", uid + ":" + gid, dev.path());
    }

    static void remove(RunningContainer ct, ContainerCgroup cg, DevConfig dev, UndoLog undo) {
        long pid = ct.initPid();
        Commands.run("nsenter", "--mount=/proc/" + pid + "/ns/mnt", "--", "rm", "-f", dev.path());
        Stat st = PathCalls.stat(io.berth.sys.Fd.CWD, dev.path(), 0);
        char type = st.type() == Stat.FileType.BLOCK_DEVICE ? 'b' : 'c';
        String rule = type + " " + st.rdevMajor() + ":" + st.rdevMinor() + " rwm";
        Path dir = cg.v1().get("devices");
        writeRule(dir.resolve("devices.deny"), rule);
        undo.push("allow " + rule, () -> java.nio.file.Files.writeString(dir.resolve("devices.allow"), rule));
    }

    /** devices.allow/deny are write-only: nothing to read back. */
    private static void writeRule(Path file, String rule) {
        try {
            java.nio.file.Files.writeString(file, rule);
        } catch (java.io.IOException e) {
            throw new HotplugException("dev: cannot write '" + rule + "' to " + file + ": " + e.getMessage(), e);
        }
    }
}
