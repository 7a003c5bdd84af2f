package io.berth.ct.fixes;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.ct.CtFixture;
import io.berth.ct.hotplug.LiveResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 10.13: the container unmounted a mount point (or removed its directory) itself; unplug finishes and says what it found. */
@Tag("root")
class UnplugAfterContainerUnmountTest {
    @TempDir Path tmp;

    @Test
    void unplugFinishesWhenTheContainerUnmountedOrMovedTheMount() throws Exception {
        int vmid = 4010;
        Path dir = Files.createDirectories(tmp.resolve("bind"));
        try (CtFixture f = new CtFixture(tmp.resolve("root"))) {
            f.create(vmid, Map.of("rootfs", "local:0", "mp0", "local:0.02,mp=/data", "mp1", dir + ",mp=/bind"));
            f.svc.start(vmid, false, false);
            String vol = f.svc.config(vmid).main().get("mp0").orElseThrow().split(",")[0];
            assertThat(f.exec(vmid, "umount", "/data").exitCode()).isZero();
            LiveResult r = f.svc.set(vmid, Map.of(), List.of("mp0"), false).orElseThrow();
            String said = String.join("\n", r.describe());
            assertThat(r.allApplied()).as(said).isTrue();
            assertThat(said).contains("/data").contains("no longer a mount point");
            var main = f.svc.config(vmid).main();
            assertThat(main.get("mp0")).isEmpty();
            assertThat(main.get("unused0")).hasValue(vol);
            assertThat(f.svc.config(vmid).pending()).isEmpty();

            // unmounted and its directory removed: nothing to open any more
            var gone = f.exec(vmid, "sh", "-c", "umount /bind && rmdir /bind");
            assertThat(gone.exitCode()).as(gone.stderr()).isZero();
            r = f.svc.set(vmid, Map.of(), List.of("mp1"), false).orElseThrow();
            said = String.join("\n", r.describe());
            assertThat(r.allApplied()).as(said).isTrue();
            assertThat(said).contains("/bind").contains("could not be opened");
            assertThat(f.svc.config(vmid).main().get("mp1")).isEmpty();
        }
    }
}
