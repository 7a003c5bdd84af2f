package io.berth.ct.hotplug;

import io.berth.sys.Reverter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Live limit changes on a running container, read back from its cgroup files. */
@Tag("root")
class CgroupLimitsTest {
    @TempDir
    static Path tmp;
    static BusyboxContainer ct;
    static ContainerCgroup cg;

    @BeforeAll
    static void start() throws Exception {
        ct = new BusyboxContainer(tmp);
        cg = ContainerCgroup.locate(ct.name, ct.initPid);
    }

    @AfterAll
    static void stop() {
        if (ct != null) ct.close();
    }

    private static String read(String ctrl, String v1, String v2) {
        return CgroupLimits.read(cg.file(ctrl, v1, v2).orElseThrow());
    }

    @Test
    void locatesThePayloadCgroup() {
        assertThat(cg.v1().isEmpty() && cg.v2().isEmpty()).isFalse();
        cg.v1().values().forEach(p -> assertThat(p.getFileName().toString()).isEqualTo("lxc.payload." + ct.name));
        assertThat(ContainerCgroup.limitLevel("100", "/lxc/100/ns/init.scope")).isEqualTo("/lxc/100");
        assertThat(ContainerCgroup.limitLevel("c1", "/lxc.payload.c1/init.scope")).isEqualTo("/lxc.payload.c1");
    }

    @Test
    void memoryAndSwapRaiseAndLowerInEitherOrder() {
        Reverter undo = new Reverter();
        CgroupLimits.setMemory(cg, 256, 128, undo);
        assertMemory(256, 128);
        CgroupLimits.setMemory(cg, 1024, 512, undo); // raise: memsw first
        assertMemory(1024, 512);
        CgroupLimits.setMemory(cg, 64, 0, undo); // lower below the old memsw: memory first
        assertMemory(64, 0);
        CgroupLimits.setMemory(cg, 2048, 0, undo);
        assertMemory(2048, 0);
    }

    private static void assertMemory(long memMiB, long swapMiB) {
        long mib = 1024 * 1024;
        if (cg.isV1("memory")) {
            assertThat(Long.parseLong(read("memory", "memory.limit_in_bytes", ""))).isEqualTo(memMiB * mib);
            Path sw = cg.v1().get("memory").resolve("memory.memsw.limit_in_bytes");
            if (Files.exists(sw)) assertThat(Long.parseLong(CgroupLimits.read(sw))).isEqualTo((memMiB + swapMiB) * mib);
        } else {
            assertThat(Long.parseLong(read("memory", "", "memory.max"))).isEqualTo(memMiB * mib);
        }
    }

    @Test
    void failedWriteIsUndoneInReverse() {
        Reverter setup = new Reverter();
        CgroupLimits.setMemory(cg, 512, 256, setup);
        Reverter undo = new Reverter();
        CgroupLimits.setMemory(cg, 300, 100, undo);
        CgroupLimits.setCpuLimit(cg, 0.5, undo);
        undo.revert(); // a failed undo would throw, naming it

        assertMemory(512, 256);
        // a value the kernel refuses fails with a message naming the file and leaves the old value
        Path cpus = cg.file("cpuset", "cpuset.cpus", "cpuset.cpus").orElseThrow();
        String before = CgroupLimits.read(cpus);
        Reverter none = new Reverter();
        assertThatThrownBy(() -> CgroupLimits.write(cpus, "4095", none))
                .isInstanceOf(HotplugException.class).hasMessageContaining("cpuset.cpus").hasMessageContaining("4095");
        assertThat(CgroupLimits.read(cpus)).isEqualTo(before);
    }

    @Test
    void cpuLimitUnitsAndCores() {
        Reverter undo = new Reverter();
        CgroupLimits.setCpuLimit(cg, 1.5, undo);
        if (cg.isV1("cpu")) {
            assertThat(read("cpu", "cpu.cfs_quota_us", "")).isEqualTo("150000");
            assertThat(read("cpu", "cpu.cfs_period_us", "")).isEqualTo("100000");
        } else {
            assertThat(read("cpu", "", "cpu.max")).isEqualTo("150000 100000");
        }
        CgroupLimits.setCpuLimit(cg, 0, undo);
        assertThat(cg.isV1("cpu") ? read("cpu", "cpu.cfs_quota_us", "") : read("cpu", "", "cpu.max")).startsWith(cg.isV1("cpu") ? "-1" : "max");

        CgroupLimits.setCpuUnits(cg, OptionalLong.of(2048), undo);
        assertThat(cg.isV1("cpu") ? read("cpu", "cpu.shares", "") : read("cpu", "", "cpu.weight")).isEqualTo(cg.isV1("cpu") ? "2048" : "2048");

        CgroupLimits.setCores(cg, 1, undo);
        assertThat(read("cpuset", "cpuset.cpus", "cpuset.cpus")).isEqualTo("0");
        CgroupLimits.setCores(cg, 0, undo);
        Path parent = cg.file("cpuset", "cpuset.cpus", "cpuset.cpus").orElseThrow().getParent().getParent();
        String all = CgroupLimits.read(parent.resolve(cg.isV1("cpuset") ? "cpuset.effective_cpus" : "cpuset.cpus.effective"));
        assertThat(read("cpuset", "cpuset.cpus", "cpuset.cpus")).isEqualTo(all);
    }

    @Test
    void cpuListRendering() {
        assertThat(CgroupLimits.cpuList(List.of(0, 1, 2, 5, 7, 8))).isEqualTo("0-2,5,7-8");
        assertThat(CgroupLimits.cpuList(List.of(3))).isEqualTo("3");
    }
}
