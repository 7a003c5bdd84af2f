package io.berth.ct.fixes;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.ct.CtFixture;
import io.berth.storage.NewDisk;
import io.berth.storage.VolumeId;
import io.berth.storage.VolumeInfo;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 10.8: a volume dropped from a mount point is kept as unusedN, deleting unusedN frees it, destroy frees all. */
@Tag("root")
class VolumeLeakTest {
    @TempDir Path tmp;

    @Test
    void hotplugUnplugLoopsLeakNothingAndDestroyFreesEverything() throws Exception {
        int vmid = 4005;
        try (CtFixture f = new CtFixture(tmp)) {
            f.create(vmid, Map.of("rootfs", "local:0"));
            f.svc.start(vmid, false, false);
            for (int i = 0; i < 3; i++) {
                f.svc.set(vmid, Map.of("mp0", "local:0.02,mp=/data"), List.of(), false);
                String volid = f.svc.config(vmid).main().get("mp0").orElseThrow().split(",")[0];
                assertThat(f.exec(vmid, "touch", "/data/x").exitCode()).isZero();
                f.svc.set(vmid, Map.of(), List.of("mp0"), false);
                // hot-unplugged: Proxmox keeps the volume as unusedN, it is not forgotten
                assertThat(f.svc.config(vmid).main().get("unused0")).hasValue(volid);
                assertThat(owned(f, vmid)).contains(volid);
                f.svc.set(vmid, Map.of(), List.of("unused0"), false);
                assertThat(f.svc.config(vmid).main().get("unused0")).isEmpty();
                assertThat(owned(f, vmid)).as("deleting unused0 frees it").doesNotContain(volid);
            }
            assertThat(owned(f, vmid)).hasSize(1); // only the rootfs

            // stopped: deleting and replacing mount points
            f.svc.stop(vmid, false);
            f.svc.set(vmid, Map.of("mp0", "local:0.02,mp=/a", "mp1", "local:0.02,mp=/b"), List.of(), false);
            String a = f.svc.config(vmid).main().get("mp0").orElseThrow().split(",")[0];
            String b = f.svc.config(vmid).main().get("mp1").orElseThrow().split(",")[0];
            f.svc.set(vmid, Map.of("mp1", "local:0.02,mp=/c"), List.of("mp0"), false);
            var main = f.svc.config(vmid).main();
            assertThat(List.of(main.get("unused0").orElseThrow(), main.get("unused1").orElseThrow())).containsExactlyInAnyOrder(a, b);
            assertThat(owned(f, vmid)).hasSize(4);

            // a volume no config names (an interrupted operation): only --destroy-unreferenced-disks frees it
            VolumeId stray = f.svc.storages().alloc(NewDisk.parse("local:0.02"), vmid, 0, 0);
            f.svc.destroy(vmid, true, false, false, true);
            assertThat(owned(f, vmid)).isEmpty();
            assertThat(f.svc.storages().storageOf(stray).exists(stray)).isFalse();
        }
    }

    private static List<String> owned(CtFixture f, int vmid) {
        return f.svc.storages().listOwned(vmid).stream().map(VolumeInfo::volid).map(VolumeId::toString).toList();
    }
}
