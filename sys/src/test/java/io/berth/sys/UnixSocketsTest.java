package io.berth.sys;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Against a Java-free peer: the command socket LXC's monitor serves for a real busybox container. */
class UnixSocketsTest {

    @Test
    void connectingToANameNobodyServesIsRefused() {
        assertThatThrownBy(() -> UnixSockets.connectAbstract("berth-test-nobody-" + UUID.randomUUID()))
                .isInstanceOfSatisfying(SysException.class, e -> {
                    assertThat(e.is(Errno.ECONNREFUSED)).isTrue();
                    assertThat(e.getMessage()).contains("connect(").contains("@\"berth-test-nobody-");
                });
        assertThatThrownBy(() -> UnixSockets.connectAbstract("x".repeat(108)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 107");
    }

    @Test
    void talksToLxcsCommandSocketAndSeesTheHangupWhenTheContainerStops() throws Exception {
        Path lxcpath = Files.createTempDirectory("berth-sys-uds-");
        String name = "us" + UUID.randomUUID().toString().substring(0, 8);
        Path rootfs = lxcpath.resolve(name).resolve("rootfs");
        try {
            for (String d : new String[] {"bin", "sbin", "dev", "proc", "sys", "tmp"}) Files.createDirectories(rootfs.resolve(d));
            Files.copy(Path.of("/bin/busybox"), rootfs.resolve("bin/busybox"));
            Files.createSymbolicLink(rootfs.resolve("bin/sh"), Path.of("busybox"));
            Path init = rootfs.resolve("sbin/init");
            Files.writeString(init, "#!/bin/sh\nexec /bin/busybox sleep 1000000\n");
            Files.setPosixFilePermissions(init, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.writeString(lxcpath.resolve(name).resolve("config"), """
                    lxc.include = /usr/share/lxc/config/common.conf
                    lxc.rootfs.path = dir:%s
                    lxc.net.0.type = empty
                    lxc.init.cmd = /sbin/init
                    lxc.apparmor.profile = unconfined
                    """.formatted(rootfs));
            assertThat(run("lxc-start", "-n", name, "-P", lxcpath.toString(), "-d")).isZero();

            try (Fd fd = UnixSockets.connectAbstract(lxcpath + "/" + name + "/command")) {
                // struct lxc_cmd_req {int cmd = LXC_CMD_GET_INIT_PID (4); int datalen; void *data;}
                byte[] req = new byte[16];
                req[0] = 4;
                UnixSockets.sendAll(fd, req, 0, req.length);
                assertThat(UnixSockets.poll(fd, UnixSockets.POLLIN, 5000) & UnixSockets.POLLIN).isNotZero();
                byte[] rsp = new byte[16];
                assertThat(UnixSockets.recvFully(fd, rsp, 0, 16)).isEqualTo(16);
                int ret = rsp[0] & 0xff | (rsp[1] & 0xff) << 8 | (rsp[2] & 0xff) << 16 | rsp[3] << 24;
                int pid = rsp[8] & 0xff | (rsp[9] & 0xff) << 8 | (rsp[10] & 0xff) << 16 | rsp[11] << 24;
                assertThat(ret).isZero();
                String info = output("lxc-info", "-n", name, "-P", lxcpath.toString(), "-pH");
                assertThat(pid).isEqualTo(Integer.parseInt(info.strip()));
                // the monitor closes this connection after answering; the next poll reports the end of stream
                assertThat(UnixSockets.recv(fd, rsp, 0, 16)).isZero();
            }
            try (Fd held = UnixSockets.connectAbstract(lxcpath + "/" + name + "/command")) {
                assertThat(UnixSockets.poll(held, UnixSockets.POLLIN, 50)).as("nothing happens while it runs").isZero();
                assertThat(run("lxc-stop", "-n", name, "-P", lxcpath.toString(), "-k")).isZero();
                short ev = UnixSockets.poll(held, UnixSockets.POLLIN, 10_000);
                assertThat(ev & (UnixSockets.POLLIN | UnixSockets.POLLHUP)).isNotZero();
                assertThat(UnixSockets.recv(held, new byte[16], 0, 16)).isZero();
            }
        } finally {
            run("lxc-stop", "-n", name, "-P", lxcpath.toString(), "-k");
            try (Stream<Path> s = Files.walk(lxcpath)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static int run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return p.exitValue();
    }

    private static String output(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String s = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return s;
    }
}
