package io.berth.ct.snapshot;

import static io.berth.ct.LvmTools.deviceMapper;
import static io.berth.ct.LvmTools.lvm;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.berth.ct.CtFixture;
import io.berth.ct.clone.CloneService;
import io.berth.ct.Progress;
import io.berth.storage.HostCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshots, rollback, template and linked clone on LVM-thin (thin snapshots {@code snap_vm-N-disk-M_NAME}, base LVs
 * {@code base-N-disk-M}). Needs device-mapper: on a kernel without it the test is skipped and says so, and LVM-thin
 * stays unverified there.
 */
@Tag("root")
class LvmThinSnapshotTest {

    @TempDir Path tmp;



    @Test
    void snapshotRollbackTemplateAndLinkedCloneOnThinLvs() throws Exception {
        assumeTrue(deviceMapper(), "this kernel has no device-mapper (no 'device-mapper' in /proc/misc): LVM thin pools "
                + "cannot be created, so LVM-thin snapshots, rollback and linked clones stay unverified on this machine");
        String vg = "berthsn" + Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 28));
        int vmid = 6401, clone = 6402;
        Deque<Runnable> undo = new ArrayDeque<>();
        try {
            Path image = tmp.resolve("pv.img");
            HostCommand.of("truncate", "-s", "1G", image.toString()).run();
            String loop = HostCommand.of("losetup", "-f", "--show", image.toString()).run().strip();
            undo.push(() -> HostCommand.of("losetup", "-d", loop).run());
            lvm("pvcreate", "--yes", loop);
            undo.push(() -> lvm("pvremove", "--yes", "-ff", loop));
            lvm("vgcreate", "--yes", vg, loop);
            undo.push(() -> lvm("vgremove", "--yes", "-f", vg));
            lvm("lvcreate", "--yes", "-L", "800M", "-T", vg + "/pool");
            try (CtFixture f = new CtFixture(tmp.resolve("root"))) {
                Path cfg = f.svc.roots().storageCfg();
                Files.createDirectories(cfg.getParent());
                Files.writeString(cfg, "dir: local\n\tpath " + f.svc.roots().defaultStorageDir() + "\n\tcontent rootdir,images,vztmpl\n\n"
                        + "lvmthin: th\n\tvgname " + vg + "\n\tthinpool pool\n\tcontent rootdir,images\n");
                f.create(vmid, Map.of("rootfs", "th:0.2"));
                SnapshotService snaps = new SnapshotService(f.svc);
                f.svc.start(vmid, false, false);
                assertThat(f.exec(vmid, "sh", "-c", "echo one > /f").exitCode()).isZero();
                snaps.create(vmid, "s1", Optional.empty());
                assertThat(lvm("lvs", "--noheadings", "-o", "lv_name", vg)).contains("snap_vm-6401-disk-0_s1");
                assertThat(f.exec(vmid, "sh", "-c", "echo two > /f").exitCode()).isZero();
                snaps.rollback(vmid, "s1", true);
                assertThat(f.exec(vmid, "cat", "/f").stdout()).isEqualTo("one\n");
                f.svc.stop(vmid, false);
                snaps.delete(vmid, "s1", false);
                assertThat(lvm("lvs", "--noheadings", "-o", "lv_name", vg)).doesNotContain("snap_vm-6401-disk-0_s1");

                CloneService clones = new CloneService(f.svc);
                assertThat(clones.template(vmid)).containsExactly("th:base-6401-disk-0");
                clones.clone(new CloneService.CloneRequest(vmid, clone, Optional.empty(), Optional.empty(), Optional.empty(),
                        Optional.of("thin-clone"), Optional.empty()), Progress.NONE);
                f.adopt(clone);
                assertThat(f.svc.config(clone).main().get("rootfs")).hasValueSatisfying(v -> assertThat(v).startsWith("th:vm-6402-disk-0"));
                f.svc.start(clone, false, false);
                assertThat(f.exec(clone, "cat", "/f").stdout()).isEqualTo("one\n");
                f.svc.stop(clone, false);
            }
        } finally {
            RuntimeException first = null;
            while (!undo.isEmpty()) {
                try {
                    undo.pop().run();
                } catch (RuntimeException e) {
                    if (first == null) first = e;
                }
            }
            if (first != null) throw first;
        }
    }
}
