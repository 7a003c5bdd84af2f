package io.berth.lxc.cgroup;

import io.berth.lxc.TestContainer;
import io.berth.lxc.ToolResult;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class CgroupReaderTest {

    /** controller -> cgroup path of a pid, straight from the kernel's file, parsed the simple way. */
    private static Map<String, String> cgroupsOf(int pid) throws Exception {
        Map<String, String> m = new HashMap<>();
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"))) {
            String[] f = l.split(":", 3);
            if (f[1].isEmpty()) m.put("unified", f[2]);
            for (String c : f[1].split(",")) m.put(c, f[2]);
        }
        return m;
    }

    private static long kernelLong(Path p) throws Exception {
        return Long.parseLong(Files.readString(p).strip());
    }

    @Test
    void figuresOfARunningContainerMatchTheKernelsFiles() throws Exception {
        try (TestContainer ct = TestContainer.create()) {
            ct.writeConfig(ct.minimalConfig() + "lxc.cgroup.memory.limit_in_bytes = 268435456\n");
            ct.start();
            int pid = ct.client.initPid().orElseThrow();
            CgroupReader reader = new CgroupReader();
            CgroupStats s = reader.read(ct.name, pid);

            Map<String, String> cg = cgroupsOf(pid);
            assertThat(cg.get("memory")).contains(ct.name);
            Path mem = Path.of("/sys/fs/cgroup/memory" + cg.get("memory"));
            assertThat(s.memoryLimitBytes()).isEqualTo(268435456L).isEqualTo(kernelLong(mem.resolve("memory.limit_in_bytes")));
            assertThat(s.memoryUsageBytes()).isPositive();
            // usage moves a little between the two reads; the same order of magnitude proves the right file
            long kernelUsage = kernelLong(mem.resolve("memory.usage_in_bytes"));
            assertThat(s.memoryUsageBytes()).isBetween(kernelUsage / 2, kernelUsage * 2);
            assertThat(s.pids()).isEqualTo(kernelLong(Path.of("/sys/fs/cgroup/pids" + cg.get("pids"), "pids.current")));
            assertThat(s.pids()).isGreaterThanOrEqualTo(1);
            assertThat(s.uptimeMillis()).isBetween(0L, 60_000L);
            // no interfaces but lo in an empty-network container
            assertThat(s.netInBytes()).isZero();
            assertThat(s.netOutBytes()).isZero();

            long cpuBefore = s.cpuUsageNanos();
            ToolResult burn = ct.tools.attach(ct.name,
                    List.of("/bin/busybox", "sh", "-c", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done"),
                    Duration.ofSeconds(60));
            assertThat(burn.ok()).as(burn.describe()).isTrue();
            CgroupStats after = reader.read(ct.name, pid);
            assertThat(after.cpuUsageNanos()).isGreaterThan(cpuBefore + 10_000_000L);
            long kernelCpu = kernelLong(Path.of("/sys/fs/cgroup/cpuacct" + cg.get("cpuacct"), "cpuacct.usage"));
            assertThat(after.cpuUsageNanos()).isLessThanOrEqualTo(kernelCpu);
            assertThat(after.uptimeMillis()).isGreaterThanOrEqualTo(s.uptimeMillis());

            // repeated readings stay consistent (speed is measured by bench/, StatusBench, not here)
            for (int i = 0; i < 50; i++) {
                assertThat(ct.client.initPid()).hasValue(pid);
                assertThat(reader.read(ct.name, pid).memoryUsageBytes()).isPositive();
            }
        }
    }

    @Test
    void blockIoOfAWriteThroughTheContainerIsCounted() throws Exception {
        try (TestContainer ct = TestContainer.create()) {
            ct.writeConfig(ct.minimalConfig());
            ct.start();
            int pid = ct.client.initPid().orElseThrow();
            CgroupReader reader = new CgroupReader();
            long before = reader.read(ct.name, pid).ioWriteBytes();
            ToolResult w = ct.tools.attach(ct.name,
                    List.of("/bin/busybox", "dd", "if=/dev/zero", "of=/tmp/blob", "bs=1M", "count=4", "oflag=direct"),
                    Duration.ofSeconds(60));
            assertThat(w.ok()).as(w.describe()).isTrue();
            long after = reader.read(ct.name, pid).ioWriteBytes();
            // the temp rootfs lives on a block-backed fs here; direct I/O is charged to the writer's blkio cgroup
            Path blkio = Path.of("/sys/fs/cgroup/blkio" + cgroupsOf(pid).get("blkio"));
            String kernel = Files.readString(blkio.resolve("blkio.throttle.io_service_bytes_recursive"));
            long kernelWrite = kernel.lines().filter(l -> l.matches("\\d+:\\d+ Write \\d+"))
                    .mapToLong(l -> Long.parseLong(l.substring(l.lastIndexOf(' ') + 1))).sum();
            assertThat(after).isEqualTo(kernelWrite);
            // some kernels (this VM's virtio disk) account no block I/O at all in blkio: then only equality is checkable
            boolean hostAccountsIo = !Files.readString(Path.of("/sys/fs/cgroup/blkio/blkio.throttle.io_service_bytes_recursive"))
                    .strip().equals("Total 0");
            if (hostAccountsIo) assertThat(after).isGreaterThanOrEqualTo(before + (4L << 20));
        }
    }

    @Test
    void aGonePidIsReportedWithTheContainerName() throws Exception {
        CgroupReader reader = new CgroupReader();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> reader.read("ct-gone", Integer.MAX_VALUE - 1))
                .hasMessageContaining("ct-gone").hasMessageContaining("gone");
    }
}
