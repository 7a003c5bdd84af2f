package io.berth.ct.fixes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.ct.CtFixture;
import io.berth.ct.hotplug.LiveResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10.19: a mount point whose target in the rootfs is a regular file is refused, at start and at hotplug, with
 * the mount point's key, the path and the reason (it is a file; a mount point needs a directory) in the error.
 */
@Tag("root")
class MountTargetIsAFileTest {
    @TempDir Path tmp;

    @Test
    void startAndHotplugNameKeyPathAndWhy() throws Exception {
        int vmid = 4011;
        Path src = Files.createDirectories(tmp.resolve("src"));
        try (CtFixture f = new CtFixture(tmp.resolve("root"))) {
            f.create(vmid, Map.of("rootfs", "local:0"));
            f.svc.start(vmid, false, false);
            assertThat(f.exec(vmid, "sh", "-c", "echo x > /data && mkdir -p /srv && echo y > /srv/file").exitCode()).isZero();

            // hotplug: refused live, kept pending, with the reason
            LiveResult r = f.svc.set(vmid, Map.of("mp0", src + ",mp=/data"), List.of(), false).orElseThrow();
            String said = String.join("\n", r.describe());
            assertThat(r.allApplied()).as(said).isFalse();
            assertThat(said).contains("mp0").contains("'/data'").contains("is a regular file, not a directory");
            f.svc.stop(vmid, false);

            // start: the pending mp0 is applied and refused; the error says which key, which path and why
            assertThatThrownBy(() -> f.svc.start(vmid, false, false))
                    .hasMessageContaining("mp0")
                    .hasMessageContaining("'/data' is a regular file, not a directory")
                    .hasMessageContaining("a mount point is mounted over a directory");
            assertThat(f.monitorRunning(vmid)).isFalse();

            // a file on the way to the target is named as the component that is a file
            f.svc.set(vmid, Map.of("mp0", src + ",mp=/srv/file/sub"), List.of(), false);
            assertThatThrownBy(() -> f.svc.start(vmid, false, false))
                    .hasMessageContaining("mp0")
                    .hasMessageContaining("path '/srv/file/sub' in container: '/srv/file' is a regular file");
        }
    }
}
