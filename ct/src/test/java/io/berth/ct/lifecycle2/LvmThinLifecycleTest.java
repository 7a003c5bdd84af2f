package io.berth.ct.lifecycle2;

import static io.berth.ct.LvmTools.lvm;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.berth.ct.CreateResult;
import io.berth.ct.CtFixture;
import io.berth.ct.ExecResult;
import io.berth.ct.status.ContainerStatus;
import io.berth.storage.HostCommand;
import io.berth.storage.Storage;
import io.berth.storage.VolumeId;
import io.berth.storage.VolumePath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Containers on an lvmthin storage: a VG of the test's own ({@code berthct<random>}) on a loop-backed PV with a thin
 * pool. Thin pools need device-mapper in the kernel; without it (some VMs have none) the test is skipped.
 */
@Tag("root")
class LvmThinLifecycleTest {

    @TempDir Path tmp;


    @ParameterizedTest(name = "unprivileged {0}")
    @ValueSource(ints = {0, 1})
    void createStartExecStopDestroy(int unprivileged) throws Exception {
        assumeTrue(Host.deviceMapperAvailable(),
                "this kernel has no device-mapper (no 'device-mapper' in /proc/misc): LVM thin pools cannot be created, so LVM-thin stays unverified on this machine");
        String vg = "berthct" + Host.hex(8);
        int vmid = Host.vmid();
        try (Undo undo = new Undo()) {
            Path image = tmp.resolve("pv.img");
            Host.run("truncate", "-s", "1G", image.toString());
            String loop = Host.run("losetup", "-f", "--show", image.toString()).strip();
            undo.push(() -> Host.run("losetup", "-d", loop));
            lvm("pvcreate", "--yes", loop);
            undo.push(() -> lvm("pvremove", "--yes", "-ff", loop));
            lvm("vgcreate", "--yes", vg, loop);
            undo.push(() -> lvm("vgremove", "--yes", "-f", vg));
            lvm("lvcreate", "--yes", "-L", "800M", "-T", vg + "/pool");

            try (CtFixture f = new CtFixture(tmp.resolve("root"))) {
                StorageCfg.write(f, "lvmthin: th\n\tvgname " + vg + "\n\tthinpool pool\n\tcontent rootdir,images\n");
                CreateResult r = f.create(vmid, Map.of("rootfs", "th:1", "mp0", "th:0.1,mp=/data",
                        "unprivileged", Integer.toString(unprivileged)));
                assertThat(r.volumes()).containsExactly("th:vm-" + vmid + "-disk-0", "th:vm-" + vmid + "-disk-1");
                String lvs = lvm("lvs", "--noheadings", "-o", "lv_name,pool_lv", vg);
                assertThat(lvs).contains("vm-" + vmid + "-disk-0").contains("vm-" + vmid + "-disk-1").contains("pool");

                f.svc.start(vmid, false, false);
                assertThat(f.svc.status(vmid).status()).isEqualTo(ContainerStatus.State.RUNNING);
                assertThat(f.mountsUnderRoot()).isEmpty();
                ExecResult w = f.exec(vmid, "sh", "-c", "echo thin-" + vmid + " > /data/x && cat /data/x && id -u"
                        + " && grep ' /data ' /proc/mounts");
                assertThat(w.exitCode()).as(w.stderr()).isZero();
                assertThat(w.stdout()).contains("thin-" + vmid + "\n0\n").contains(" ext4 ");
                assertThat(f.exec(vmid, "stat", "-c", "%u:%g", "/", "/data/x").stdout()).isEqualTo("0:0\n0:0\n");
                f.svc.stop(vmid, false);
                assertThat(f.monitorRunning(vmid)).isFalse();
                assertThat(f.mountsUnderRoot()).isEmpty();

                // post-stop deactivated the LVs; the file went to the mp0 LV
                assertThat(lvm("lvs", "--noheadings", "-o", "lv_attr", vg + "/vm-" + vmid + "-disk-1").strip()).matches("V.{3}-.*");
                VolumeId data = VolumeId.parse(r.volumes().get(1));
                Storage th = f.svc.storages().get("th");
                th.activate(data);
                try {
                    String dev = ((VolumePath.BlockDevice) th.path(data)).path().toString();
                    assertThat(Host.run("debugfs", "-R", "cat /x", dev)).isEqualTo("thin-" + vmid + "\n");
                    assertThat(Host.run("debugfs", "-R", "stat /x", dev)).containsPattern("User: +" + (unprivileged == 1 ? "100000" : "0") + " ");
                } finally {
                    th.deactivate(data);
                }

                f.svc.destroy(vmid, false, false);
                assertThat(f.svc.vmids()).doesNotContain(vmid);
                assertThat(lvm("lvs", "--noheadings", "-o", "lv_name", vg)).doesNotContain("-" + vmid + "-disk-");
            }
        }
    }
}
