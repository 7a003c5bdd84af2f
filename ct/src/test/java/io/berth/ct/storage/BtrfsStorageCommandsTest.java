package io.berth.ct.storage;

import io.berth.storage.HostCommand;
import io.berth.storage.VolumeId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Rescan, resize and free on a btrfs storage with quotas, on a loop-backed btrfs of the test's own. */
class BtrfsStorageCommandsTest {
    private static final long MIB = 1 << 20;
    private StorageRoot root;
    private String loop;
    private Path mnt;

    @BeforeEach
    void mountBtrfs() throws Exception {
        root = new StorageRoot();
        try {
            Path image = root.dir.resolve("btrfs.img");
            HostCommand.of("truncate", "-s", "256M", image.toString()).run();
            loop = HostCommand.of("losetup", "-f", "--show", image.toString()).run().strip();
            HostCommand.of("mkfs.btrfs", "-q", loop).run();
            mnt = Files.createDirectory(root.dir.resolve("mnt"));
            HostCommand.of("mount", loop, mnt.toString()).run();
        } catch (RuntimeException e) {
            tearDown();
            throw e;
        }
        root.storageCfg("btrfs: bq\n\tpath " + mnt.resolve("bq") + "\n\tcontent rootdir,images\n\tquotas 1\n");
    }

    @AfterEach
    void tearDown() {
        try {
            if (mnt != null) HostCommand.of("umount", mnt.toString()).run();
        } finally {
            try {
                if (loop != null) HostCommand.of("losetup", "-d", loop).run();
            } finally {
                root.close();
            }
        }
    }

    @Test
    void rescanRecordsQuotaSizesAndResizeRaisesTheQuota() {
        VolumeService volumes = new VolumeService(root.context());
        VolumeId rootfs = volumes.alloc("bq", 100, "64M", OptionalInt.empty(), OptionalInt.empty());
        VolumeId orphan = volumes.alloc("bq", 100, "0", OptionalInt.empty(), OptionalInt.empty());
        root.config(100, "rootfs: " + rootfs + ",size=1M\n");

        RescanService.Result r = new RescanService(root.context()).rescanOne(100, false);

        assertThat(r.plan().sizes()).containsExactly(
                new RescanService.SizeChange("rootfs", rootfs.toString(), OptionalLong.of(MIB), 64 * MIB));
        assertThat(r.plan().added()).containsExactly(new RescanService.UnusedAdded("unused0", orphan.toString()));
        assertThat(root.config(100)).contains("rootfs: " + rootfs + ",size=64M\n", "unused0: " + orphan + "\n");

        ResizeService.Result grown = new ResizeService(root.context(), vmid -> false).resize(100, "rootfs", "+32M");

        assertThat(grown.newSize()).isEqualTo(96 * MIB);
        assertThat(root.context().storages().get("bq").size(rootfs)).isEqualTo(96 * MIB);
        assertThat(root.config(100)).contains("rootfs: " + rootfs + ",size=96M\n");

        assertThatThrownBy(() -> volumes.free(orphan.toString())).isInstanceOf(io.berth.error.StateException.class)
                .hasMessageContaining("100.conf key unused0");
        root.config(100, "rootfs: " + rootfs + ",size=96M\n");
        volumes.free(orphan.toString());
        assertThat(Files.exists(mnt.resolve("bq/images/100/" + orphan.name()))).isFalse();
    }
}
