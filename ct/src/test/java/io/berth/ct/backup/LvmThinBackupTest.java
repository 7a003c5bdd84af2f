package io.berth.ct.backup;

import static io.berth.ct.LvmTools.deviceMapper;
import static io.berth.ct.LvmTools.lvm;
import static io.berth.ct.backup.BackupRestoreTest.backup;
import static io.berth.ct.backup.BackupRestoreTest.restore;
import static io.berth.ct.backup.BackupRestoreTest.vmid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.berth.ct.CtFixture;
import io.berth.storage.HostCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshot-mode backup of a running container on LVM-thin: the thin snapshot {@code vzdump} of each volume is taken
 * (the container frozen meanwhile), activated with {@code -K}, mounted read-only with {@code noload}, archived,
 * deactivated and removed; the archive restores onto a dir storage with every file as it was. Needs device-mapper in
 * the kernel (thin pools); without it the test is skipped and says so.
 */
@Tag("root")
class LvmThinBackupTest {

    @TempDir Path tmp;



    @Test
    void snapshotModeBackupOfARunningContainerOnLvmThin() throws Exception {
        assumeTrue(deviceMapper(), "lvmthin snapshot-mode backup cannot be tested here: this kernel has no device-mapper (no"
                + " 'device-mapper' in /proc/misc), so no LVM thin pool can be created; the code path (thin snapshot 'vzdump' of each"
                + " volume, activated with -K, mounted read-only with noload, archived, deactivated and removed) stays unverified");
        String vg = "berthbk" + Long.toHexString(System.nanoTime() & 0xffffffL);
        int a = vmid(), b = a + 1;
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
            try (CtFixture f = new CtFixture(tmp.resolve("root")); AutoCloseable d = () -> BackupRestoreTest.destroy(f, a, b)) {
                BackupRestoreTest.storageCfg(f, "\nlvmthin: th\n\tvgname " + vg + "\n\tthinpool pool\n\tcontent rootdir,images\n");
                f.create(a, Map.of("rootfs", "th:0.2", "mp0", "th:0.1,mp=/data,backup=1", "hostname", "thin" + a));
                CtVolumes.sh(f.svc, a, CtVolumes.POPULATE);
                String before = CtVolumes.sh(f.svc, a, CtVolumes.MANIFEST);
                f.svc.start(a, false, false);
                BackupResult r = backup(f, BackupRequest.of(List.of(a)).withMode(BackupMode.SNAPSHOT).withStorage("local"));
                assertThat(f.monitorRunning(a)).isTrue();
                assertThat(lvm("lvs", "--noheadings", "-o", "lv_name", vg)).doesNotContain("vzdump");
                assertThat(f.svc.config(a).snapshots()).doesNotContainKey("vzdump");
                f.svc.stop(a, false);
                restore(f, new RestoreRequest(b, r.archive().toString(), java.util.Optional.of("local"), java.util.Optional.empty(),
                        java.util.Optional.empty(), false, false, Map.of()));
                assertThat(CtVolumes.sh(f.svc, b, CtVolumes.MANIFEST)).isEqualTo(before);
            }
        } finally {
            while (!undo.isEmpty()) {
                try {
                    undo.pop().run();
                } catch (RuntimeException ignored) {
                    // best effort
                }
            }
        }
    }
}
