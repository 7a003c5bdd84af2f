package io.berth.ct.lifecycle;

import io.berth.config.BerthRoots;
import io.berth.config.MountPoint;
import io.berth.config.MountSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Host paths a container must never get as its rootfs or a mount point (issue 10.1): the host's {@code /} (its init
 * would boot in the container and clean the host's files), the host's system directories, Berth's own config dir and
 * what lies in it, every ancestor of Berth's config and state dirs, and Berth's lxc/lock/run dirs (hooks, locks,
 * berthd's token). Checked by path and again by identity (device and inode), so a bind mount of {@code /} elsewhere or
 * a path through a symlink does not get past it. Runs at {@code set}, at {@code start} and in the mount path itself
 * (hook and hotplug), so a hand-edited config is refused too.
 */
public final class HostPathGuard {
    /** The host's system directories: never a container's rootfs or bind source. */
    static final List<Path> SYSTEM_DIRS = List.of("/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64",
            "/libx32", "/opt", "/proc", "/root", "/run", "/sbin", "/srv", "/sys", "/tmp", "/usr", "/usr/bin", "/usr/lib",
            "/usr/local", "/usr/sbin", "/usr/share", "/var", "/var/lib", "/var/log", "/var/cache", "/var/tmp").stream()
            .map(Path::of).toList();

    private HostPathGuard() {}

    /** Refuses a config whose rootfs or any mpN has a forbidden host path as its source. */
    public static void checkAll(io.berth.config.ContainerConfig c, BerthRoots roots) {
        for (MountPoint mp : CtMounts.mountPoints(c)) check(mp.key(), mp.source(), roots);
    }

    public static void check(String key, MountSource source, BerthRoots roots) {
        switch (source) {
            case MountSource.Bind b -> checkDirectory(key, b.hostPath(), roots);
            case MountSource.Device d -> checkDevice(key, d.devicePath());
            case MountSource.Volume v -> { }
            case MountSource.NewVolume n -> { }
        }
    }

    static void checkDirectory(String key, Path path, BerthRoots roots) {
        Path p = path.toAbsolutePath().normalize();
        refuseByName(key, path, p, roots);
        Path real;
        try {
            real = p.toRealPath();
        } catch (IOException e) {
            return; // missing: the mount fails later, naming the path
        }
        if (!real.equals(p)) refuseByName(key, path, real, roots);
        Object id = fileKey(real);
        if (id == null) return;
        for (Path forbidden : forbiddenIdentities(roots)) {
            if (id.equals(fileKey(forbidden))) {
                throw refused(key, path, "it is the same directory as " + forbidden + " (a bind mount or alias of it)");
            }
        }
    }

    private static void refuseByName(String key, Path given, Path p, BerthRoots roots) {
        if (p.getParent() == null) throw refused(key, given, "it is the host's root directory");
        if (SYSTEM_DIRS.contains(p)) throw refused(key, given, "it is the host system directory " + p);
        for (Path own : List.of(abs(roots.configDir()), abs(roots.stateDir()))) {
            if (own.startsWith(p)) throw refused(key, given, "it contains Berth's own directory " + own);
        }
        for (Path own : List.of(abs(roots.configDir()), abs(roots.lxcPath()), abs(roots.lockDir()), abs(roots.runDir()))) {
            if (p.startsWith(own)) throw refused(key, given, "it lies in Berth's own directory " + own);
        }
    }

    /** Directories whose identity a source must not have: the system dirs, Berth's dirs and all their ancestors. */
    private static List<Path> forbiddenIdentities(BerthRoots roots) {
        List<Path> out = new ArrayList<>(SYSTEM_DIRS);
        for (Path own : List.of(abs(roots.configDir()), abs(roots.stateDir()), abs(roots.lxcPath()), abs(roots.lockDir()),
                abs(roots.runDir()))) {
            for (Path q = own; q != null; q = q.getParent()) if (!out.contains(q)) out.add(q);
        }
        return out;
    }

    /** A block device holding the host's root filesystem or Berth's config would hand the container the host. */
    static void checkDevice(String key, Path dev) {
        try {
            if (!Files.exists(dev)) return;
            Object rdev = Files.getAttribute(dev, "unix:rdev");
            for (Path onHost : List.of(Path.of("/"), Path.of("/etc"), Path.of("/usr"), Path.of("/var"), Path.of("/boot"))) {
                if (Objects.equals(rdev, Files.getAttribute(onHost, "unix:dev"))) {
                    throw refused(key, dev, "it is the block device holding the host's " + onHost);
                }
            }
        } catch (IOException | UnsupportedOperationException e) {
            // not stat-able: the mount fails later, naming the device
        }
    }

    private static Object fileKey(Path p) {
        try {
            return Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    private static Path abs(Path p) {
        return p.toAbsolutePath().normalize();
    }

    private static io.berth.error.InvalidInputException refused(String key, Path value, String why) {
        return new io.berth.error.InvalidInputException(key, "host path '" + value + "' is not allowed as a rootfs or mount point source: " + why
                + "; allowed: a storage volume (STORAGE:SIZE_GB or STORAGE:VOLUME) or a host directory outside the system"
                + " directories and Berth's own");
    }
}
