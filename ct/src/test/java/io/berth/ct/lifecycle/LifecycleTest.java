package io.berth.ct.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.config.ConfigFile;
import io.berth.config.RawLxc;
import io.berth.ct.CreateRequest;
import io.berth.ct.CreateResult;
import io.berth.ct.CtException;
import io.berth.ct.CtFixture;
import io.berth.ct.ExecResult;
import io.berth.ct.status.ContainerStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import io.berth.ct.Progress;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("root")
class LifecycleTest {
    @TempDir Path tmp;

    @Test
    void privilegedContainerWithVolumeMountPointLivesAndDies() throws Exception {
        try (CtFixture f = new CtFixture(tmp)) {
            CreateResult r = f.create(901, Map.of("rootfs", "local:1", "mp0", "local:1,mp=/data", "hostname", "bb901"));
            assertThat(r.ostype()).isEqualTo("unmanaged");
            assertThat(r.volumes()).hasSize(2);
            assertThat(f.mountsUnderRoot()).isEmpty();
            assertThat(f.svc.status(901).status()).isEqualTo(ContainerStatus.State.STOPPED);

            f.svc.start(901, false, false);
            assertThat(f.mountsUnderRoot()).as("pre-start mounts live in the monitor's namespace only").isEmpty();
            ExecResult os = f.exec(901, "cat", "/etc/os-release");
            assertThat(os.exitCode()).isZero();
            assertThat(os.stdout()).contains("ID=busybox");
            assertThat(f.exec(901, "sh", "-c", "echo hi > /data/x && cat /data/x && grep ' /data ' /proc/mounts").stdout())
                    .contains("hi").contains("ext4");
            assertThat(f.exec(901, "sh", "-c", "exit 7").exitCode()).isEqualTo(7);

            ContainerStatus s = f.svc.status(901);
            assertThat(s.status()).isEqualTo(ContainerStatus.State.RUNNING);
            int pid = s.pid().orElseThrow();
            assertThat(Files.readString(Path.of("/proc/" + pid + "/comm")).strip()).isEqualTo("init");
            assertThat(s.maxdisk()).isGreaterThan(500L << 20).isLessThan(1100L << 20);
            assertThat(s.disk()).isPositive();

            f.svc.stop(901, false);
            assertThat(f.monitorRunning(901)).isFalse();
            assertThat(f.mountsUnderRoot()).isEmpty();

            // the rendered LXC config is kept when a start renders the same bytes, rewritten when the config changed
            Path lxcConfig = io.berth.config.BerthRoots.resolve(f.root.toString()).lxcPath().resolve("901/config");
            Object inode = Files.getAttribute(lxcConfig, "unix:ino");
            f.svc.start(901, false, false);
            f.svc.stop(901, false);
            assertThat(Files.getAttribute(lxcConfig, "unix:ino")).isEqualTo(inode);
            f.svc.set(901, Map.of("hostname", "bb901b"), List.of(), false);
            f.svc.start(901, false, false);
            assertThat(Files.readString(lxcConfig)).contains("lxc.uts.name = bb901b");
            assertThat(Files.getAttribute(lxcConfig, "unix:ino")).isNotEqualTo(inode);
            assertThat(f.exec(901, "hostname").stdout().strip()).isEqualTo("bb901b");
            f.svc.stop(901, false);

            f.svc.destroy(901, false, false);
            assertThat(f.svc.vmids()).doesNotContain(901);
            assertThat(f.svc.storages().listOwned(901)).isEmpty();
        }
    }

    @Test
    void unprivilegedContainerSeesIdmappedBindWithTheIdsItsMapSays() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        Path mapped = Files.writeString(share.resolve("mapped"), "m");
        Path plain = Files.writeString(share.resolve("plain"), "p");
        Files.setAttribute(mapped, "unix:uid", 1005);
        Files.setAttribute(plain, "unix:uid", 1006);
        try (CtFixture f = new CtFixture(tmp.resolve("root"))) {
            f.create(902, Map.of("rootfs", "local:1", "unprivileged", "1",
                    "mp0", share + ",mp=/mnt/x,idmap=u:1005:1005:1 g:0:0:1"));
            f.svc.start(902, false, false);
            assertThat(f.exec(902, "id", "-u").stdout().strip()).isEqualTo("0");
            assertThat(f.exec(902, "stat", "-c", "%u", "/mnt/x/mapped").stdout().strip()).isEqualTo("1005");
            // not in the mount's idmap: host uid 1006 is outside the container's range
            assertThat(f.exec(902, "stat", "-c", "%u", "/mnt/x/plain").stdout().strip()).isEqualTo("65534");
            // the rootfs was shifted into the container's range at create: root owns / inside
            assertThat(f.exec(902, "stat", "-c", "%u:%g", "/bin/busybox").stdout().strip()).isEqualTo("0:0");
            f.svc.stop(902, false);
            assertThat(f.mountsUnderRoot()).isEmpty();
        }
    }

    @Test
    void failedCreateLeavesNoVolumesMountsLoopDevicesOrConfig() throws Exception {
        Path bad = Files.write(tmp.resolve("corrupt.tar.gz"), new byte[] {0x1f, (byte) 0x8b, 8, 0, 9, 9, 9, 9});
        List<String> loopsBefore = loopBackingFiles(tmp);
        try (CtFixture f = new CtFixture(tmp.resolve("root"))) {
            assertThatThrownBy(() -> f.svc.create(new CreateRequest(904, bad.toString(),
                    Map.of("rootfs", "local:1", "mp0", "local:1,mp=/data"), Optional.empty()), Progress.NONE))
                    .hasMessageContaining("corrupt.tar.gz");
            assertThat(f.svc.vmids()).doesNotContain(904);
            assertThat(f.svc.storages().listOwned(904)).isEmpty();
            assertThat(f.mountsUnderRoot()).isEmpty();
            // autoclear loop devices go once the private namespace's mounts are gone
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (!loopBackingFiles(tmp).equals(loopsBefore) && System.nanoTime() < deadline) Thread.sleep(50);
            assertThat(loopBackingFiles(tmp)).isEqualTo(loopsBefore);
        }
    }

    @Test
    void lockAndProtectionAreHonoured() throws Exception {
        try (CtFixture f = new CtFixture(tmp)) {
            f.create(905, Map.of("rootfs", "local:0"));
            ConfigFile c = f.svc.config(905);
            f.svc.writeConfig(905, c.withMain(c.main().with("lock", "backup").with("protection", "1")));
            assertThatThrownBy(() -> f.svc.start(905, false, false)).hasMessageContaining("locked (backup)")
                    .hasMessageContaining("--skiplock");
            f.svc.start(905, true, false);
            assertThat(f.exec(905, "true").exitCode()).isZero();
            f.svc.stop(905, true);
            assertThatThrownBy(() -> f.svc.destroy(905, false, true)).hasMessageContaining("protected");
            f.svc.writeConfig(905, c);
            f.svc.destroy(905, false, false);
            assertThat(f.svc.vmids()).isEmpty();
        }
    }

    /** The loop devices backed by files under {@code dir}: other sessions' loops come and go meanwhile. */
    private static List<String> loopBackingFiles(Path dir) throws Exception {
        Process p = new ProcessBuilder("losetup", "-n", "-O", "BACK-FILE", "-l").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return out.lines().map(String::strip).filter(l -> l.startsWith(dir.toString() + "/")).sorted().toList();
    }

    @Test
    void failedStartLeavesNoMountsAndNoMonitor() throws Exception {
        try (CtFixture f = new CtFixture(tmp)) {
            f.create(903, Map.of("rootfs", "local:1", "mp0", "local:1,mp=/data"));
            ConfigFile c = f.svc.config(903);
            f.svc.writeConfig(903, c.withMain(c.main().withLxcRaw(List.of(new RawLxc("lxc.signal.halt", "NOSUCHSIGNAL")))));
            assertThatThrownBy(() -> f.svc.start(903, false, false)).isInstanceOf(CtException.class)
                    .hasMessageContaining("failed to start");
            assertThat(f.monitorRunning(903)).isFalse();
            assertThat(f.mountsUnderRoot()).isEmpty();

            f.svc.writeConfig(903, c.withMain(c.main().with("mp1", tmp.resolve("missing") + ",mp=/missing")));
            assertThatThrownBy(() -> f.svc.start(903, false, false)).isInstanceOf(CtException.class)
                    .hasMessageContaining("mp1");
            assertThat(f.monitorRunning(903)).isFalse();
            assertThat(f.mountsUnderRoot()).isEmpty();
        }
    }
}
