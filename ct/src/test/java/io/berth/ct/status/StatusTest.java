package io.berth.ct.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.ct.CtFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("root")
class StatusTest {
    @TempDir Path tmp;

    @Test
    void statusMatchesWhatTheKernelAndLxcReport() throws Exception {
        try (CtFixture f = new CtFixture(tmp)) {
            f.create(911, Map.of("rootfs", "local:0", "memory", "256", "hostname", "st911"));
            f.create(912, Map.of("rootfs", "local:0"));
            f.svc.start(911, false, false);

            ContainerStatus s = f.svc.status(911);
            Process info = new ProcessBuilder("lxc-info", "-P", f.svc.paths(911).lxcPath().toString(), "-n", "911", "-p", "-H").start();
            String lxcPid = new String(info.getInputStream().readAllBytes()).strip();
            info.waitFor();
            assertThat(s.pid()).hasValue(Integer.parseInt(lxcPid));
            assertThat(s.name()).isEqualTo("st911");

            Path memCg = memoryCgroup(s.pid().orElseThrow());
            boolean v2 = memCg.toString().contains("unified");
            long limit = Long.parseLong(Files.readString(memCg.resolve(v2 ? "memory.max" : "memory.limit_in_bytes")).strip());
            assertThat(limit).isEqualTo(256L << 20);
            assertThat(s.maxmem()).isEqualTo(limit);
            long usage = Long.parseLong(Files.readString(memCg.resolve(v2 ? "memory.current" : "memory.usage_in_bytes")).strip());
            assertThat(s.mem()).isPositive().isLessThanOrEqualTo(usage + (4L << 20));
            assertThat(s.uptime()).isBetween(0L, 60L);

            List<ContainerStatus> all = f.svc.list();
            assertThat(all).extracting(ContainerStatus::vmid).containsExactly(911, 912);
            assertThat(all.get(1).status()).isEqualTo(ContainerStatus.State.STOPPED);
            assertThat(all.get(1).pid()).isEmpty();

            f.svc.stop(911, false);
            assertThat(f.svc.status(911).status()).isEqualTo(ContainerStatus.State.STOPPED);
        }
    }

    private static Path memoryCgroup(int pid) throws Exception {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"))) {
            String[] p = l.split(":", 3);
            if (List.of(p[1].split(",")).contains("memory")) return Path.of("/sys/fs/cgroup/memory" + p[2]);
        }
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"))) {
            if (l.startsWith("0::")) return Path.of("/sys/fs/cgroup/unified" + l.substring(3));
        }
        throw new IllegalStateException("no memory cgroup for " + pid);
    }
}
