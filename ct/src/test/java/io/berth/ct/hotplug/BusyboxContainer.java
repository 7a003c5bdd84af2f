package io.berth.ct.hotplug;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A minimal busybox container in its own temp lxcpath, started with lxc-start -d (no veth:
 * {@code lxc.net.0.type = empty}), privileged or unprivileged (u/g 0 100000 65536, rootfs owned by 100000).
 * Its rootfs carries alpine release files, so guest setup recognises it (alpine is busybox based). Close
 * stops it and deletes everything.
 */
final class BusyboxContainer implements AutoCloseable {
    final Path lxcpath;
    final String name;
    final Path rootfs;
    final long initPid;

    /** Host uid/gid of the unprivileged container's root. */
    static final int UNPRIV_ROOT = 100000;

    BusyboxContainer(Path tmp) throws IOException {
        this(tmp, false, List.of());
    }

    /** One privileged container for all the tests of a class: {@code @RegisterExtension static final PerClass ct = perClass()}. */
    static PerClass perClass() { return new PerClass(); }

    /** Started (in a temp dir of its own) before the class's first test, stopped and deleted after its last. */
    static final class PerClass implements BeforeAllCallback, AfterAllCallback {
        private Path dir;
        private BusyboxContainer ct;

        @Override public void beforeAll(ExtensionContext context) throws IOException {
            dir = Files.createTempDirectory("berth-busybox-");
            ct = new BusyboxContainer(dir);
        }

        @Override public void afterAll(ExtensionContext context) {
            try {
                if (ct != null) ct.close();
            } finally {
                if (dir != null) run("rm", "-rf", "--one-file-system", dir.toString());
            }
        }

        BusyboxContainer get() { return ct; }
    }

    /** {@code extraConfig}: more {@code lxc.*} lines, e.g. device cgroup rules. */
    BusyboxContainer(Path tmp, boolean unprivileged, List<String> extraConfig) throws IOException {
        this.lxcpath = tmp.resolve("lxc");
        this.name = "hp" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL);
        Path dir = lxcpath.resolve(name);
        this.rootfs = dir.resolve("rootfs");
        for (String d : List.of("bin", "sbin", "etc", "proc", "sys", "dev", "tmp", "mnt", "root", "run")) {
            Files.createDirectories(rootfs.resolve(d));
        }
        Files.copy(Path.of("/bin/busybox"), rootfs.resolve("bin/busybox"));
        for (String a : List.of("sh", "ls", "ip", "cat", "stat", "mount", "sleep", "hostname", "mkdir", "touch", "echo", "head")) {
            Files.createSymbolicLink(rootfs.resolve("bin/" + a), Path.of("busybox"));
        }
        Files.writeString(rootfs.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
        Files.writeString(rootfs.resolve("etc/alpine-release"), "3.19.1\n");
        Files.writeString(rootfs.resolve("etc/os-release"), "ID=alpine\nVERSION_ID=3.19.1\n");
        List<String> config = new ArrayList<>(List.of(
                "lxc.uts.name = " + name,
                "lxc.rootfs.path = dir:" + rootfs,
                "lxc.net.0.type = empty",
                "lxc.init.cmd = /bin/sleep 1000000",
                "lxc.mount.auto = proc:mixed sys:mixed",
                "lxc.autodev = 1",
                "lxc.apparmor.profile = unconfined"));
        if (unprivileged) {
            config.add("lxc.idmap = u 0 " + UNPRIV_ROOT + " 65536");
            config.add("lxc.idmap = g 0 " + UNPRIV_ROOT + " 65536");
            // the container's root must be able to reach its rootfs
            for (Path p = dir; p.startsWith(tmp.getParent()) && !p.equals(tmp.getParent()); p = p.getParent()) {
                run("chmod", "o+x", p.toString());
            }
            run("chown", "-R", "-h", UNPRIV_ROOT + ":" + UNPRIV_ROOT, rootfs.toString());
        }
        config.addAll(extraConfig);
        config.add("");
        Files.writeString(dir.resolve("config"), String.join("\n", config));
        run("lxc-start", "-P", lxcpath.toString(), "-n", name, "-d");
        run("lxc-wait", "-P", lxcpath.toString(), "-n", name, "-s", "RUNNING", "-t", "10");
        this.initPid = Long.parseLong(run("lxc-info", "-P", lxcpath.toString(), "-n", name, "-pH").strip());
    }

    OptionalInt currentInitPid() {
        try {
            String s = run("lxc-info", "-P", lxcpath.toString(), "-n", name, "-pH").strip();
            return s.isEmpty() ? OptionalInt.empty() : OptionalInt.of(Integer.parseInt(s));
        } catch (RuntimeException e) {
            return OptionalInt.empty();
        }
    }

    RunningContainer pin() {
        return RunningContainer.pin(name, initPid, this::currentInitPid);
    }

    /** Runs a command inside the container and returns stdout. */
    String attach(String... cmd) {
        List<String> full = new ArrayList<>(List.of("lxc-attach", "-P", lxcpath.toString(), "-n", name, "--"));
        full.addAll(List.of(cmd));
        return run(full.toArray(String[]::new));
    }

    /** The container's mount table as seen by its init. */
    String mountinfo() throws IOException {
        return Files.readString(Path.of("/proc/" + initPid + "/mountinfo"));
    }

    static String run(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + ": timeout");
            }
            if (p.exitValue() != 0) throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try {
            run("lxc-stop", "-P", lxcpath.toString(), "-n", name, "-k");
        } catch (RuntimeException e) {
            // already stopped
        }
        try {
            run("rm", "-rf", "--one-file-system", lxcpath.toString());
        } catch (RuntimeException e) {
            // reported by the temp dir cleanup
        }
    }
}
