package io.berth.ct.fixes;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.ct.CtFixture;
import io.berth.ct.hotplug.LiveResult;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10.14: hotplug and unplug of volume mount points on an unprivileged container. A mount point mounted at start
 * is locked by the kernel in the container's user namespace; its unplug stays pending with the reason.
 */
@Tag("root")
class UnprivilegedHotplugIssueTest {
    @TempDir Path tmp;

    @Test
    void aNewVolumeHotplugsAndAStartMountedOneUnplugs() throws Exception {
        int vmid = 4018;
        try (CtFixture f = new CtFixture(tmp)) {
            f.create(vmid, Map.of("rootfs", "local:0.1", "unprivileged", "1", "mp1", "local:0.02,mp=/atstart"));
            f.svc.start(vmid, false, false);
            LiveResult r = f.svc.set(vmid, Map.of("mp0", "local:0.02,mp=/fresh/data"), List.of(), false).orElseThrow();
            assertThat(r.allApplied()).as(String.join("\n", r.describe())).isTrue();
            assertThat(f.exec(vmid, "sh", "-c", "touch /fresh/data/x && ls -n /fresh/data").stdout()).contains("x");
            // hotplugged: unplugs live
            r = f.svc.set(vmid, Map.of(), List.of("mp0"), false).orElseThrow();
            assertThat(r.allApplied()).as(String.join("\n", r.describe())).isTrue();
            assertThat(f.exec(vmid, "ls", "/fresh/data/x").exitCode()).isNotZero();
            // mounted at start: the kernel locked it in the container's namespace; the reason is said, not a bare EINVAL,
            // it stays mounted and usable, and the delete is pending until the next start, which applies it
            r = f.svc.set(vmid, Map.of(), List.of("mp1"), false).orElseThrow();
            String said = String.join("\n", r.describe());
            assertThat(r.allApplied()).as(said).isFalse();
            assertThat(said).contains("mounted at start").contains("locks").contains("next restart");
            assertThat(f.exec(vmid, "touch", "/atstart/still").exitCode()).isZero();
            f.svc.stop(vmid, false);
            assertThat(f.svc.config(vmid).main().get("mp1")).isEmpty();
            assertThat(f.svc.config(vmid).main().values().values()).anySatisfy(v -> assertThat(v).contains("vm-" + vmid + "-disk-1"));
        }
    }
}
