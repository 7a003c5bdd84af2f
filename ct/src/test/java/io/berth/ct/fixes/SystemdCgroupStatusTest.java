package io.berth.ct.fixes;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.ct.CtFixture;
import io.berth.ct.status.ContainerStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10.11: systemd moves the container's init into {@code <payload>/init.scope}; status and list must still
 * report the whole container's memory, not that of init's scope. Done here as systemd does it, on every controller.
 */
@Tag("root")
class SystemdCgroupStatusTest {
    @TempDir Path tmp;

    @Test
    void memoryIsTheContainersEvenWhenInitMovedIntoInitScope() throws Exception {
        int vmid = 4009;
        try (CtFixture f = new CtFixture(tmp)) {
            f.create(vmid, Map.of("rootfs", "local:0"));
            f.svc.start(vmid, false, false);
            int pid = f.svc.status(vmid).pid().orElseThrow();
            List<Path> scopes = new ArrayList<>();
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"))) {
                String[] p = line.split(":", 3);
                String mount = p[1].isEmpty() ? "/sys/fs/cgroup/unified" : "/sys/fs/cgroup/" + p[1].replace("name=", "");
                if (!p[1].isEmpty() && !Files.isDirectory(Path.of(mount))) mount = "/sys/fs/cgroup/" + p[1].split(",")[0];
                Path dir = Path.of(mount + p[2]);
                if (p[1].isEmpty() && !Files.isDirectory(dir)) dir = Path.of("/sys/fs/cgroup" + p[2]);
                if (!Files.isDirectory(dir) || !p[2].contains("lxc.payload." + vmid)) continue;
                Path scope = Files.createDirectories(dir.resolve("init.scope"));
                Files.writeString(scope.resolve("cgroup.procs"), pid + "\n");
                scopes.add(scope);
            }
            assertThat(scopes).as("moved init on some controller").isNotEmpty();
            assertThat(Files.readString(Path.of("/proc/" + pid + "/cgroup"))).contains("/init.scope");
            // 40 MiB of anonymous memory in the container, outside init's scope: dd's buffer, held while the pipe is full
            f.exec(vmid, "sh", "-c", "(dd if=/dev/zero bs=40M count=1 | sleep 60) >/dev/null 2>&1 </dev/null &");
            for (int i = 0; i < 100 && f.svc.status(vmid).mem() < (30L << 20); i++) Thread.sleep(50);
            // what init's own scope holds is tiny: the figure must not be that
            long scopeOnly = 0;
            for (Path sc : scopes) {
                if (Files.exists(sc.resolve("memory.usage_in_bytes"))) scopeOnly = Long.parseLong(Files.readString(sc.resolve("memory.usage_in_bytes")).strip());
                if (Files.exists(sc.resolve("memory.current"))) scopeOnly = Long.parseLong(Files.readString(sc.resolve("memory.current")).strip());
            }
            assertThat(scopeOnly).isLessThan(20L << 20);
            ContainerStatus s = f.svc.status(vmid);
            assertThat(s.mem()).as("status memory").isGreaterThan(30L << 20);
            ContainerStatus listed = f.svc.list().stream().filter(x -> x.vmid() == vmid).findFirst().orElseThrow();
            assertThat(listed.mem()).as("list memory").isGreaterThan(30L << 20);
        }
    }
}
