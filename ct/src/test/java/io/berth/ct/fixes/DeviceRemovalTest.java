package io.berth.ct.fixes;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.ct.CtFixture;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 10.10: removing a passed-through device that is also one of the container's own nodes keeps that node. */
@Tag("root")
class DeviceRemovalTest {
    @TempDir Path tmp;

    @Test
    void unplugOfDevNullPassedAtStartOrLiveLeavesTheContainersDevNull() throws Exception {
        int vmid = 4008;
        String check = "test -c /dev/null && echo ok > /dev/null && echo alive";
        try (CtFixture f = new CtFixture(tmp)) {
            f.create(vmid, Map.of("rootfs", "local:0"));
            // passed at start (the autodev hook binds it before LXC fills /dev), then removed live
            f.svc.set(vmid, Map.of("dev0", "/dev/null"), List.of(), false);
            f.svc.start(vmid, false, false);
            assertThat(f.exec(vmid, "sh", "-c", check).stdout()).contains("alive");
            var r = f.svc.set(vmid, Map.of(), List.of("dev0"), false).orElseThrow();
            assertThat(r.allApplied()).as(String.join("\n", r.describe())).isTrue();
            var after = f.exec(vmid, "sh", "-c", check);
            assertThat(after.stdout()).as(after.stderr()).contains("alive");
            assertThat(f.exec(vmid, "sh", "-c", "head -c 3 /dev/zero | wc -c").stdout().strip()).isEqualTo("3");

            // hotplugged while running, then removed
            f.svc.set(vmid, Map.of("dev0", "/dev/null"), List.of(), false);
            f.svc.set(vmid, Map.of(), List.of("dev0"), false);
            assertThat(f.exec(vmid, "sh", "-c", check).stdout()).contains("alive");
        }
    }
}
