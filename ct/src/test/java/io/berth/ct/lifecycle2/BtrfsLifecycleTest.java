package io.berth.ct.lifecycle2;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.ct.CreateResult;
import io.berth.ct.CtFixture;
import io.berth.ct.ExecResult;
import io.berth.ct.status.ContainerStatus;
import io.berth.storage.NewDisk;
import io.berth.storage.VolumeId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Containers on btrfs storage, on a loop-backed btrfs of this class's own: {@code bt} without quotas (sized disks
 * are raw ext4 images on the btrfs) and {@code bq} with quotas (sized disks are subvolumes with a qgroup limit),
 * each with a privileged and an unprivileged container.
 */
@Tag("root")
class BtrfsLifecycleTest {
    private static final long GIB = 1L << 30;
    private static Path dir;
    private static LoopBtrfs fs;

    @TempDir Path tmp;

    @BeforeAll
    static void mountBtrfs() throws Exception {
        dir = Files.createTempDirectory("berth-ct2-btrfs-");
        fs = new LoopBtrfs(dir, "1G");
    }

    @AfterAll
    static void unmountBtrfs() {
        try {
            if (fs != null) fs.close();
        } finally {
            Host.run("rm", "-rf", "--one-file-system", dir.toString());
        }
    }

    private static String sections() {
        return "btrfs: bt\n\tpath " + fs.mount + "\n\tcontent rootdir,images\n\n"
                + "btrfs: bq\n\tpath " + fs.mount.resolve("bq") + "\n\tcontent rootdir,images\n\tquotas 1\n";
    }

    @ParameterizedTest(name = "storage {0}, unprivileged {1}")
    @CsvSource({"bt, 0", "bt, 1", "bq, 0", "bq, 1"})
    void createStartExecStopDestroy(String storage, int unprivileged) throws Exception {
        int vmid = Host.vmid();
        boolean quotas = storage.equals("bq");
        Path storageDir = quotas ? fs.mount.resolve("bq") : fs.mount;
        try (CtFixture f = new CtFixture(tmp.resolve("root"))) {
            StorageCfg.write(f, sections());
            CreateResult r = f.create(vmid, Map.of("rootfs", storage + ":1", "mp0", storage + ":0.1,mp=/data",
                    "unprivileged", Integer.toString(unprivileged)));
            assertThat(r.volumes()).hasSize(2).allMatch(v -> v.startsWith(storage + ":"));
            VolumeId rootfs = VolumeId.parse(r.volumes().get(0)), data = VolumeId.parse(r.volumes().get(1));
            String layout = quotas ? "subvol-" + vmid + "-disk-" : "vm-" + vmid + "-disk-";
            assertThat(List.of(rootfs.name().fileName(), data.name().fileName())).allMatch(n -> n.startsWith(layout));
            // Proxmox's btrfs layout: a subvolume per volume; a raw volume's image is disk.raw inside its subvolume
            String rootfsSubvol = quotas ? rootfs.name().fileName() : "vm-" + vmid + "-disk-0";
            String dataSubvol = quotas ? data.name().fileName() : "vm-" + vmid + "-disk-1";
            Path rootfsOnDisk = storageDir.resolve("images/" + vmid + "/" + rootfsSubvol + (quotas ? "" : "/disk.raw"));
            Path dataOnDisk = storageDir.resolve("images/" + vmid + "/" + dataSubvol + (quotas ? "" : "/disk.raw"));
            assertThat(rootfsOnDisk).exists();
            assertThat(dataOnDisk).exists();
            assertThat(fs.subvolumes()).contains(rootfsSubvol, dataSubvol);
            if (quotas) {
                assertThat(f.svc.storages().get(storage).size(rootfs)).isEqualTo(GIB);
                // Berth sizes new disks in whole MiB, as the config's size= value records
                assertThat(f.svc.storages().get(storage).size(data)).isEqualTo(NewDisk.parse(storage + ":0.1").sizeBytes());
            } else {
                assertThat(Files.size(rootfsOnDisk)).isEqualTo(GIB);
                assertThat(Host.run("blkid", "-o", "value", "-s", "TYPE", dataOnDisk.toString()).strip()).isEqualTo("ext4");
            }

            f.svc.start(vmid, false, false);
            assertThat(f.svc.status(vmid).status()).isEqualTo(ContainerStatus.State.RUNNING);
            assertThat(f.mountsUnderRoot()).as("pre-start mounts stay in the monitor's namespace").isEmpty();
            ExecResult w = f.exec(vmid, "sh", "-c", "echo btrfs-" + vmid + " > /data/x && cat /data/x && id -u"
                    + " && grep ' /data ' /proc/mounts");
            assertThat(w.exitCode()).as(w.stderr()).isZero();
            assertThat(w.stdout()).contains("btrfs-" + vmid + "\n0\n").contains(quotas ? " btrfs " : " ext4 ");
            assertThat(f.exec(vmid, "stat", "-c", "%u:%g", "/", "/data/x").stdout()).isEqualTo("0:0\n0:0\n");
            f.svc.stop(vmid, false);
            assertThat(f.monitorRunning(vmid)).isFalse();
            assertThat(f.mountsUnderRoot()).isEmpty();

            // the file went to the mp0 volume, owned by the container's root as the host sees it
            String hostRoot = unprivileged == 1 ? "100000" : "0";
            if (quotas) {
                assertThat(Files.readString(dataOnDisk.resolve("x"))).isEqualTo("btrfs-" + vmid + "\n");
                assertThat(Files.getAttribute(dataOnDisk.resolve("x"), "unix:uid")).hasToString(hostRoot);
            } else {
                assertThat(Host.run("debugfs", "-R", "cat /x", dataOnDisk.toString())).isEqualTo("btrfs-" + vmid + "\n");
                assertThat(Host.run("debugfs", "-R", "stat /x", dataOnDisk.toString())).containsPattern("User: +" + hostRoot + " ");
            }

            f.svc.destroy(vmid, false, false);
            assertThat(f.svc.vmids()).doesNotContain(vmid);
            assertThat(rootfsOnDisk).doesNotExist();
            assertThat(dataOnDisk).doesNotExist();
            assertThat(fs.subvolumes()).doesNotContain("-" + vmid + "-disk-");
            assertThat(f.svc.storages().listOwned(vmid)).isEmpty();
        }
    }
}
