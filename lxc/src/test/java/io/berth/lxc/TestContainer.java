package io.berth.lxc;

import io.berth.lxc.socket.LxcCommandClient;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A privileged busybox container in its own temp lxcpath, for tests: a rootfs with the host's static busybox,
 * {@code lxc.net.0.type = empty}. {@link #close()} kills it, waits until its monitor is gone and deletes everything.
 */
public final class TestContainer implements AutoCloseable {
    public final Path lxcpath;
    public final String name;
    public final Path dir;
    public final Path rootfs;
    public final Path log;
    public final LxcTools tools;
    public final LxcCommandClient client;

    private TestContainer(Path lxcpath, String name) {
        this.lxcpath = lxcpath;
        this.name = name;
        this.dir = lxcpath.resolve(name);
        this.rootfs = dir.resolve("rootfs");
        this.log = dir.resolve("lxc.log");
        this.tools = new LxcTools(lxcpath);
        this.client = new LxcCommandClient(lxcpath.toString(), name);
    }

    /** A new container with a unique name under a fresh temp lxcpath (whose name is padded to {@code minPathLength}). */
    public static TestContainer create(int minPathLength) throws IOException {
        Path base = Files.createTempDirectory("berth-lxc-");
        Path lxcpath = base;
        if (base.toString().length() < minPathLength) {
            lxcpath = base.resolve("p".repeat(minPathLength - base.toString().length() - 1));
        }
        String name = "bt" + UUID.randomUUID().toString().substring(0, 8);
        TestContainer c = new TestContainer(lxcpath, name);
        c.base = base;
        c.buildRootfs();
        return c;
    }

    public static TestContainer create() throws IOException { return create(0); }

    private Path base;

    private void buildRootfs() throws IOException {
        for (String d : new String[] {"bin", "sbin", "dev", "proc", "sys", "etc", "tmp", "run"}) {
            Files.createDirectories(rootfs.resolve(d));
        }
        Files.copy(Path.of("/bin/busybox"), rootfs.resolve("bin/busybox"));
        Files.createSymbolicLink(rootfs.resolve("bin/sh"), Path.of("busybox"));
        Path init = rootfs.resolve("sbin/init");
        Files.writeString(init, "#!/bin/sh\nexec /bin/busybox sleep 1000000\n");
        Files.setPosixFilePermissions(init, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** Writes {@code config}, replacing nothing: callers give the whole text. */
    public void writeConfig(String config) throws IOException {
        Files.writeString(dir.resolve("config"), config);
    }

    /** A minimal privileged config for this rootfs. */
    public String minimalConfig() {
        return """
                lxc.include = /usr/share/lxc/config/common.conf
                lxc.arch = amd64
                lxc.uts.name = %s
                lxc.rootfs.path = dir:%s
                lxc.net.0.type = empty
                lxc.init.cmd = /sbin/init
                lxc.apparmor.profile = unconfined
                """.formatted(name, rootfs);
    }

    public void start() throws IOException {
        ToolResult r = tools.start(name, log, "INFO");
        if (!r.ok()) throw new IOException("test container did not start: " + r.describe());
    }

    @Override
    public void close() throws IOException {
        try {
            var conn = client.open();
            if (conn.isPresent()) {
                try (var c = conn.get()) {
                    client.stop();
                    c.awaitHangup(Duration.ofSeconds(10));
                }
            }
        } finally {
            try (Stream<Path> s = Files.walk(base)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
