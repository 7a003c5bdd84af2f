package io.berth.lxc.socket;

import io.berth.lxc.LxcState;
import io.berth.lxc.TestContainer;
import io.berth.lxc.ToolResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class LxcCommandClientTest {

    @Test
    void stateAndInitPidOfARunningContainerMatchLxcAndProc() throws Exception {
        try (TestContainer ct = TestContainer.create()) {
            ct.writeConfig(ct.minimalConfig());
            assertThat(ct.client.state()).isEqualTo(LxcState.STOPPED);
            assertThat(ct.client.initPid()).isEmpty();
            ct.start();

            assertThat(ct.client.state()).isEqualTo(LxcState.RUNNING);
            OptionalInt pid = ct.client.initPid();
            assertThat(pid).isPresent();
            ToolResult info = ct.tools.info(ct.name);
            assertThat(info.stdout()).containsPattern("(?m)^PID:\\s+" + pid.getAsInt() + "$");
            // the init process is busybox sleep once our init script (comm "init" until then) has exec'd it
            Path comm = Path.of("/proc/" + pid.getAsInt() + "/comm");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!Files.readString(comm).strip().equals("busybox") && System.nanoTime() < deadline) Thread.sleep(20);
            assertThat(Files.readString(comm).strip()).isEqualTo("busybox");
            assertThat(Files.readString(Path.of("/proc/net/unix"))).contains("@" + ct.client.socketName());
        }
    }

    /** Regression: without SO_PASSCRED on our socket, LXC answered about 2% of quick requests with EPERM. */
    @Test
    void manyBackToBackRequestsAreAllAnswered() throws Exception {
        try (TestContainer ct = TestContainer.create()) {
            ct.writeConfig(ct.minimalConfig());
            ct.start();
            int pid = ct.client.initPid().orElseThrow();
            for (int i = 0; i < 500; i++) {
                assertThat(ct.client.initPid()).hasValue(pid);
                assertThat(ct.client.state()).isEqualTo(LxcState.RUNNING);
            }
        }
    }

    @Test
    void stopKillsTheContainerAndTheHeldConnectionSeesTheHangup() throws Exception {
        try (TestContainer ct = TestContainer.create()) {
            ct.writeConfig(ct.minimalConfig());
            ct.start();
            int pid = ct.client.initPid().orElseThrow();
            try (var conn = ct.client.open().orElseThrow()) {
                assertThat(conn.awaitHangup(Duration.ofMillis(50))).as("no hangup while running").isFalse();
                assertThat(ct.client.stop()).isTrue();
                assertThat(conn.awaitHangup(Duration.ofSeconds(10))).isTrue();
            }
            assertThat(Files.exists(Path.of("/proc/" + pid))).isFalse();
            assertThat(ct.client.state()).isEqualTo(LxcState.STOPPED);
            assertThat(ct.client.stop()).as("stopping a stopped container").isFalse();
            assertThat(ct.client.open()).isEmpty();
        }
    }

    @Test
    void awaitStateSeesStoppingAndReturnsAtOnceForTheCurrentState() throws Exception {
        try (TestContainer ct = TestContainer.create()) {
            ct.writeConfig(ct.minimalConfig());
            assertThat(ct.client.awaitState(Set.of(LxcState.STOPPED), Duration.ofSeconds(1))).contains(LxcState.STOPPED);
            assertThat(ct.client.awaitState(Set.of(LxcState.RUNNING), Duration.ofMillis(100))).isEmpty();
            ct.start();
            assertThat(ct.client.awaitState(Set.of(LxcState.RUNNING), Duration.ofSeconds(1))).contains(LxcState.RUNNING);

            CompletableFuture<java.util.Optional<LxcState>> waiter = CompletableFuture.supplyAsync(
                    () -> ct.client.awaitState(EnumSet.of(LxcState.STOPPING, LxcState.STOPPED), Duration.ofSeconds(10)));
            // give the state client time to register before the stop
            Thread.sleep(200);
            assertThat(ct.client.stop()).isTrue();
            assertThat(waiter.get(15, TimeUnit.SECONDS)).hasValueSatisfying(
                    s -> assertThat(s).isIn(LxcState.STOPPING, LxcState.STOPPED));
        }
    }

    /** lxcpath + "/bt12345678/command" is 105 bytes (plain, the longest that fits), 106 and 119 (hashed). */
    @ParameterizedTest
    @ValueSource(ints = {86, 87, 100})
    void socketNamesAtTheLengthLimitMatchWhatLxcBinds(int lxcpathLength) throws Exception {
        try (TestContainer ct = TestContainer.create(lxcpathLength)) {
            assertThat(ct.lxcpath.toString()).hasSize(lxcpathLength);
            if (lxcpathLength == 86) assertThat(ct.client.socketName()).hasSize(105).endsWith("/command");
            else assertThat(ct.client.socketName()).matches("lxc/[0-9a-f]{16}/command");
            ct.writeConfig(ct.minimalConfig());
            ct.start();
            assertThat(Files.readString(Path.of("/proc/net/unix"))).contains("@" + ct.client.socketName());
            assertThat(ct.client.state()).isEqualTo(LxcState.RUNNING);
            assertThat(ct.client.initPid()).isPresent();
        }
    }
}
