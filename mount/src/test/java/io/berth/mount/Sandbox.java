package io.berth.mount;

import io.berth.sys.LoopDevices;
import io.berth.sys.Mounts;
import io.berth.sys.SysException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A private tmpfs under a fresh temp dir holding a container rootfs, host-side data and an
 * "outside" directory with marker files. {@link #close()} unmounts whatever is left below it and
 * removes it; {@link #assertClean()} proves nothing leaked (mounts, loop devices on its files).
 */
final class Sandbox implements AutoCloseable {
    final Path base;
    final Path rootfs;
    final Path outside;
    final Path host;

    Sandbox() throws IOException {
        base = Files.createTempDirectory("berth-mount-");
        Mounts.mount("berth-test", base.toString(), "tmpfs", 0, "size=256m,mode=755");
        Mounts.mount(null, base.toString(), null, Mounts.MS_PRIVATE, null);
        rootfs = Files.createDirectories(base.resolve("rootfs"));
        outside = Files.createDirectories(base.resolve("outside"));
        host = Files.createDirectories(base.resolve("host"));
        Files.writeString(outside.resolve("marker"), "untouched");
        Files.writeString(host.resolve("hostfile"), "from host");
    }

    /** Mount points below the sandbox except the sandbox tmpfs itself. */
    List<MountInfo> mountsBelow(Path dir) {
        return MountInfo.current().stream().filter(m -> m.isAtOrBelow(dir.toString())).toList();
    }

    List<MountInfo> innerMounts() {
        return MountInfo.current().stream().filter(m -> m.isAtOrBelow(base.toString()) && !m.mountPoint().equals(base.toString())).toList();
    }

    List<Path> loopsOnSandboxFiles() {
        List<Path> out = new ArrayList<>();
        LoopDevices.attached().forEach((dev, file) -> {
            if (file.startsWith(base)) out.add(dev);
        });
        return out;
    }

    /** Nothing mounted inside, no loop device on our files (autoclear may lag a moment), the outside untouched. */
    void assertClean() throws Exception {
        assertThat(innerMounts()).isEmpty();
        for (int i = 0; i < 100 && !loopsOnSandboxFiles().isEmpty(); i++) Thread.sleep(20);
        assertThat(loopsOnSandboxFiles()).isEmpty();
        assertOutsideUntouched();
    }

    void assertOutsideUntouched() throws IOException {
        try (var s = Files.list(outside)) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("marker");
        }
        assertThat(Files.readString(outside.resolve("marker"))).isEqualTo("untouched");
        assertThat(mountsBelow(outside)).isEmpty();
    }

    /** A sparse image formatted ext4 (root of the fs owned by rootOwner "U:G" when given). */
    Path ext4Image(String name, String rootOwner) throws Exception {
        Path img = host.resolve(name);
        try (var f = new java.io.RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(32L << 20); // sparse
        }
        List<String> cmd = new ArrayList<>(List.of("mkfs.ext4", "-q", "-F"));
        if (rootOwner != null) cmd.addAll(List.of("-E", "root_owner=" + rootOwner));
        cmd.add(img.toString());
        run(cmd.toArray(String[]::new));
        return img;
    }

    static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }

    /** Runs a command as the given host uid/gid (to write through idmapped mounts). */
    static void runAs(long uid, long gid, String... cmd) throws Exception {
        List<String> full = new ArrayList<>(List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--clear-groups", "--"));
        full.addAll(List.of(cmd));
        run(full.toArray(String[]::new));
    }

    @Override
    public void close() throws IOException {
        List<MountInfo> below = MountInfo.current().stream().filter(m -> m.isAtOrBelow(base.toString())).toList();
        for (MountInfo m : below.reversed()) {
            try {
                Mounts.umount2(m.mountPoint(), Mounts.MNT_DETACH | Mounts.UMOUNT_NOFOLLOW);
            } catch (SysException ignored) {
                // a lazy detach of a parent took it already
            }
        }
        try (var s = Files.walk(base)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
