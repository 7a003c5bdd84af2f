package io.berth.ct.lifecycle2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.config.ConfigFile;
import io.berth.config.RawLxc;
import io.berth.ct.CtException;
import io.berth.ct.CtFixture;
import io.berth.ct.lifecycle.LxcRuntime;
import io.berth.ct.status.ContainerStatus;
import io.berth.lxc.LxcState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** reboot, suspend/resume and shutdown of a running busybox container. */
@Tag("root")
class PowerStateTest {
    @TempDir Path tmp;

    @Test
    void rebootSuspendResumeAndCleanShutdown() throws Exception {
        int vmid = Host.vmid();
        try (CtFixture f = new CtFixture(tmp)) {
            f.create(vmid, Map.of("rootfs", "local:0", "mp0", "local:0,mp=/data"));
            f.svc.start(vmid, false, false);
            LxcRuntime rt = new LxcRuntime(f.svc.paths(vmid));
            int firstPid = f.svc.status(vmid).pid().orElseThrow();
            assertThat(f.exec(vmid, "touch", "/data/survives-reboot").exitCode()).isZero();

            f.svc.reboot(vmid, 10, false);
            ContainerStatus after = f.svc.status(vmid);
            assertThat(after.status()).isEqualTo(ContainerStatus.State.RUNNING);
            assertThat(rt.state()).isEqualTo(LxcState.RUNNING);
            assertThat(after.pid()).isPresent().get().isNotEqualTo(firstPid);
            assertThat(Path.of("/proc/" + firstPid)).doesNotExist();
            assertThat(f.exec(vmid, "ls", "/data/survives-reboot").exitCode()).as("mount points are back").isZero();

            f.svc.suspend(vmid, false);
            assertThat(rt.state()).isEqualTo(LxcState.FROZEN);
            int pid = after.pid().orElseThrow();
            assertThat(Files.readString(Path.of("/proc/" + pid + "/status"))).containsPattern("State:\\s+[DS]");
            f.svc.resume(vmid, false);
            assertThat(rt.state()).isEqualTo(LxcState.RUNNING);
            assertThat(f.exec(vmid, "true").exitCode()).isZero();

            // busybox init powers off on SIGPWR (LXC's default halt signal): a clean shutdown, no kill needed
            long t0 = System.nanoTime();
            f.svc.shutdown(vmid, 30, false, false);
            assertThat((System.nanoTime() - t0) / 1_000_000_000L).isLessThan(30);
            assertThat(rt.isRunning()).isFalse();
            assertThat(f.svc.status(vmid).status()).isEqualTo(ContainerStatus.State.STOPPED);
            assertThat(f.mountsUnderRoot()).isEmpty();
        }
    }

    @Test
    void shutdownOfAnInitThatIgnoresTheHaltSignalFailsOrKillsWithForceStop() throws Exception {
        int vmid = Host.vmid();
        try (CtFixture f = new CtFixture(tmp)) {
            f.create(vmid, Map.of("rootfs", "local:0"));
            ConfigFile c = f.svc.config(vmid);
            // SIGCONT does nothing to a running init: the container never goes down by itself
            f.svc.writeConfig(vmid, c.withMain(c.main().withLxcRaw(List.of(new RawLxc("lxc.signal.halt", "SIGCONT")))));
            f.svc.start(vmid, false, false);
            LxcRuntime rt = new LxcRuntime(f.svc.paths(vmid));
            int pid = f.svc.status(vmid).pid().orElseThrow();

            assertThatThrownBy(() -> f.svc.shutdown(vmid, 1, false, false)).isInstanceOf(CtException.class)
                    .hasMessageContaining("did not shut down within 1 s").hasMessageContaining("--force-stop");
            assertThat(rt.state()).isEqualTo(LxcState.RUNNING);
            assertThat(f.svc.status(vmid).pid()).hasValue(pid);

            f.svc.shutdown(vmid, 1, true, false);
            assertThat(rt.isRunning()).isFalse();
            assertThat(Path.of("/proc/" + pid)).doesNotExist();
            assertThat(f.mountsUnderRoot()).isEmpty();
        }
    }

    /** LXC reports STOPPED before it runs post-stop hooks: stop must wait for the monitor, not only the socket. */
    @Test
    void stopReturnsOnlyAfterThePostStopHooksRan() throws Exception {
        int vmid = Host.vmid();
        try (CtFixture f = new CtFixture(tmp)) {
            f.create(vmid, Map.of("rootfs", "local:0"));
            Path marker = tmp.resolve("post-stop-done");
            ConfigFile c = f.svc.config(vmid);
            // a slow post-stop hook of the admin's own, after ours
            f.svc.writeConfig(vmid, c.withMain(c.main().withLxcRaw(List.of(new RawLxc("lxc.hook.post-stop",
                    "/bin/sh -c 'sleep 0.7; touch " + marker + "'")))));
            f.svc.start(vmid, false, false);
            long t0 = System.nanoTime();
            f.svc.stop(vmid, false);
            assertThat(marker).as("post-stop hook finished before stop returned").exists();
            assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(700);
            assertThat(f.monitorRunning(vmid)).isFalse();
        }
    }
}
