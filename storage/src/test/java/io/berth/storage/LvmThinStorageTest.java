package io.berth.storage;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A VG of its own ({@code berthtest<random>}) on a loop-backed PV. Thin pools need device-mapper in the
 * kernel; where it is missing (some VMs), the thin-LV test is skipped and the rest still runs for real.
 */
@Tag("root")
class LvmThinStorageTest {
    private static final long MIB = 1 << 20;
    private static Path tmp;
    private static LoopFs pv;
    private static String vg;
    private static boolean pool;

    @BeforeAll
    static void createVg() throws IOException {
        tmp = Files.createTempDirectory("berth-lvm-test");
        vg = "berthtest" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
        pv = new LoopFs(tmp, 512 * MIB);
        try {
            Lvm.run("pvcreate", "--yes", pv.loop);
            pv.onClose(() -> Lvm.run("pvremove", "--yes", "-ff", pv.loop));
            Lvm.run("vgcreate", "--yes", vg, pv.loop);
            pv.onClose(() -> Lvm.run("vgremove", "--yes", "-f", vg));
            if (Lvm.deviceMapperAvailable()) {
                Lvm.run("lvcreate", "--yes", "-L", "200M", "-T", vg + "/pool");
                pool = true;
            }
        } catch (RuntimeException e) {
            pv.close();
            throw e;
        }
    }

    @AfterAll
    static void teardown() throws IOException {
        try {
            if (pv != null) pv.close();
        } finally {
            HostCommand.of("rm", "-rf", tmp.toString()).run();
        }
    }

    private static LvmThinStorage storage(String vgname, String thinpool) {
        return new LvmThinStorage(new StorageDef.LvmThin("thin", vgname, thinpool,
                EnumSet.of(ContentType.ROOTDIR, ContentType.IMAGES), false, List.of()));
    }

    @Test
    void missingVolumeGroupOrPoolIsAClearError() {
        assertThat(Lvm.vgExists(vg)).isTrue();
        assertThatThrownBy(() -> storage(vg + "x", "pool").alloc(100, 8 * MIB, 0, 0))
                .hasMessageContaining("volume group '" + vg + "x' not found");
        assertThatThrownBy(() -> storage(vg, "nopool").alloc(100, 8 * MIB, 0, 0))
                .hasMessageContaining("thin pool '" + vg + "/nopool' not found");
        assertThatThrownBy(() -> storage(vg, "pool").alloc(100, 0, 0, 0))
                .hasMessageContaining("thin LVs cannot be subvols");
        assertThatThrownBy(() -> storage(vg, "pool").path(VolumeId.parse("thin:subvol-100-disk-0")))
                .hasMessageContaining("lvmthin storage 'thin' holds");
        assertThat(storage(vg, "nopool").list(OptionalInt.empty())).isEmpty();
        assertThat(storage(vg, "pool").templateDir()).isEmpty();
    }

    @Test
    void thinLvAllocResizeSnapshotFree() {
        Assumptions.assumeTrue(pool, "device-mapper is not in this kernel (/proc/misc); thin pools cannot exist here, so LVM-thin stays unverified on this machine");
        LvmThinStorage thin = storage(vg, "pool");
        VolumeId id = thin.alloc(100, 32 * MIB, 100000, 100000);
        try {
            assertThat(id.toString()).isEqualTo("thin:vm-100-disk-0");
            Path dev = Path.of("/dev", vg, "vm-100-disk-0");
            assertThat(thin.path(id)).isEqualTo(new VolumePath.BlockDevice(dev));
            assertThat(HostCommand.of("blkid", "-o", "value", "-s", "TYPE", dev.toString()).run().strip()).isEqualTo("ext4");
            assertThat(HostCommand.of("debugfs", "-R", "stat /", dev.toString()).run())
                    .containsPattern("User:\\s+100000\\s+Group:\\s+100000");
            assertThat(thin.size(id)).isEqualTo(32 * MIB);

            thin.resize(id, 64 * MIB);
            assertThat(thin.size(id)).isEqualTo(64 * MIB);
            String info = DirStorageTest.dumpe2fs(dev);
            assertThat(DirStorageTest.blockCount(info) * Long.parseLong(DirStorageTest.field(info, "Block size")))
                    .isEqualTo(64 * MIB);
            assertThatThrownBy(() -> thin.resize(id, 16 * MIB)).hasMessageContaining("cannot shrink");

            thin.snapshot(id, "s1");
            assertThat(thin.snapshots(id)).containsExactly("s1");
            assertThat(thin.snapshotPath(id, "s1")).isEqualTo(new VolumePath.BlockDevice(Path.of("/dev", vg, "snap_vm-100-disk-0_s1")));
            assertThatThrownBy(() -> thin.snapshot(id, "s1")).hasMessageContaining("already exists");
            thin.rollbackSnapshot(id, "s1");
            assertThat(Lvm.lvs(vg)).extracting(Lvm.Lv::name).contains("vm-100-disk-0", "snap_vm-100-disk-0_s1")
                    .doesNotContain("vm-100-disk-0-rollback");
            thin.deleteSnapshot(id, "s1");
            assertThat(thin.snapshots(id)).isEmpty();
            assertThatThrownBy(() -> thin.deleteSnapshot(id, "s1")).hasMessageContaining("does not exist");
            VolumeId second = thin.alloc(100, 8 * MIB, 0, 0);
            assertThat(second.toString()).isEqualTo("thin:vm-100-disk-1");
            assertThat(thin.list(OptionalInt.of(100))).extracting(v -> v.volid().toString())
                    .containsExactly("thin:vm-100-disk-0", "thin:vm-100-disk-1");
            thin.deactivate(second);
            thin.activate(second);
            thin.free(second);
        } finally {
            thin.free(id);
        }
        assertThat(thin.list(OptionalInt.empty())).isEmpty();
        assertThat(Lvm.lvs(vg)).extracting(Lvm.Lv::name).containsExactly("pool");
    }
}
