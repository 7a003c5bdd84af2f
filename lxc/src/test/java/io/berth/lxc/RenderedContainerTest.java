package io.berth.lxc;

import io.berth.config.ConfigParser;
import io.berth.config.ContainerConfig;
import io.berth.lxc.cgroup.CgroupReader;
import io.berth.lxc.cgroup.CgroupStats;
import io.berth.lxc.host.HostFacts;
import io.berth.lxc.render.LxcConfigRenderer;
import io.berth.lxc.render.RenderInput;
import io.berth.lxc.render.Rendered;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** A config from the renderer, for this host's real facts, starts a real container with the limits it asks for. */
class RenderedContainerTest {

    @Test
    void aRenderedPrivilegedBusyboxConfigStartsRunsWithItsLimitsAndStops() throws Exception {
        try (TestContainer ct = TestContainer.create()) {
            HostFacts host = HostFacts.probe();
            ContainerConfig conf = ConfigParser.parse("ct.conf", """
                    arch: amd64
                    cores: 1
                    cpulimit: 0.5
                    hostname: rendered
                    memory: 256
                    ostype: unmanaged
                    swap: 128
                    lxc.init.cmd: /sbin/init
                    """).main();
            // the test rootfs is a plain directory: no pre-start hook needs to mount it, so the hooks are /bin/true
            Rendered r = LxcConfigRenderer.render(new RenderInput(Integer.parseInt("7" + Math.abs(ct.name.hashCode() % 100000)), conf,
                    host, ct.lxcpath, "/bin/true", ct.rootfs));
            assertThat(r.seccompProfile()).isEmpty();
            ct.writeConfig(r.config());
            ct.start();

            assertThat(ct.client.state()).isEqualTo(LxcState.RUNNING);
            int pid = ct.client.initPid().orElseThrow();
            assertThat(Path.of("/proc/" + pid)).exists();
            CgroupStats s = new CgroupReader().read(ct.name, pid);
            assertThat(s.memoryLimitBytes()).isEqualTo(256L << 20);
            if (host.usesCgroup2Keys()) assertThat(s.swapLimitBytes()).isEqualTo(128L << 20);
            else if (Files.exists(Path.of("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"))) assertThat(s.swapLimitBytes()).isEqualTo(128L << 20);
            assertThat(s.memoryUsageBytes()).isPositive();
            assertThat(s.pids()).isPositive();
            String hostname = ct.tools.attach(ct.name, java.util.List.of("/bin/busybox", "hostname"), Duration.ofSeconds(30)).stdout().strip();
            assertThat(hostname).isEqualTo("rendered");
            String cpus = ct.tools.attach(ct.name, java.util.List.of("/bin/busybox", "sh", "-c",
                    "grep Cpus_allowed_list /proc/self/status"), Duration.ofSeconds(30)).stdout();
            assertThat(cpus).containsPattern("Cpus_allowed_list:\\s+\\d+\\s*$");

            try (var conn = ct.client.open().orElseThrow()) {
                assertThat(ct.client.stop()).isTrue();
                assertThat(conn.awaitHangup(Duration.ofSeconds(10))).isTrue();
            }
            assertThat(Path.of("/proc/" + pid)).doesNotExist();
            assertThat(ct.client.state()).isEqualTo(LxcState.STOPPED);
        }
    }

    @Test
    void aFailingStartReportsLxcsErrorLines() throws Exception {
        try (TestContainer ct = TestContainer.create()) {
            ct.writeConfig(ct.minimalConfig().replace("lxc.init.cmd = /sbin/init", "lxc.init.cmd = /sbin/does-not-exist")
                    + "lxc.hook.pre-start = /bin/false\n");
            ToolResult r = ct.tools.start(ct.name, ct.log, "INFO");
            assertThat(r.ok()).isFalse();
            assertThat(r.logLines()).anyMatch(l -> l.startsWith("ERROR"));
            assertThat(r.describe()).contains("lxc-start").contains("ERROR");
            assertThat(ct.client.state()).isEqualTo(LxcState.STOPPED);
        }
    }
}
