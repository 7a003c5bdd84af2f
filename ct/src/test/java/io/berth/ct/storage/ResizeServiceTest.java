package io.berth.ct.storage;

import io.berth.storage.HostCommand;
import io.berth.storage.StorageException;
import io.berth.storage.Storages;
import io.berth.storage.VolumeId;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ResizeServiceTest {
    private static final long MIB = 1 << 20;
    private StorageRoot root;

    @BeforeEach
    void setUp() {
        root = StorageRoot.withLocalDir();
    }

    @AfterEach
    void tearDown() {
        root.close();
    }

    private ResizeService stopped() {
        return new ResizeService(root.context(), vmid -> false);
    }

    private Path file(VolumeId id) {
        return root.context().storages().path(id).path();
    }

    /** Block count times block size of the ext4 in {@code image}, as dumpe2fs reads it from the superblock. */
    private static long ext4Bytes(Path image) {
        String sb = HostCommand.of("dumpe2fs", "-h", image.toString()).run();
        long blocks = 0, size = 0;
        for (String l : sb.lines().toList()) {
            if (l.startsWith("Block count:")) blocks = Long.parseLong(l.substring(12).strip());
            if (l.startsWith("Block size:")) size = Long.parseLong(l.substring(11).strip());
        }
        return blocks * size;
    }

    @Test
    void growsTheImageAndItsExt4AndRecordsTheRealSize() throws Exception {
        VolumeId disk = root.context().storages().get("local").alloc(100, 16 * MIB, 0, 0);
        root.config(100, "rootfs: " + disk + ",size=16M\nhostname: a\n");

        ResizeService.Result r = stopped().resize(100, "rootfs", "+8M");

        assertThat(r).isEqualTo(new ResizeService.Result(100, "rootfs", disk.toString(), 16 * MIB, 24 * MIB, true, false));
        assertThat(Files.size(file(disk))).isEqualTo(24 * MIB);
        assertThat(ext4Bytes(file(disk))).isEqualTo(24 * MIB);
        assertThat(root.config(100)).contains("rootfs: " + disk + ",size=24M\n", "hostname: a\n");

        // each offline resize2fs of an MMP filesystem waits 11 s, so the absolute form is checked where it is a no-op
        assertThat(stopped().resize(100, "rootfs", "24M")).isEqualTo(
                new ResizeService.Result(100, "rootfs", disk.toString(), 24 * MIB, 24 * MIB, false, false));
        assertThat(root.config(100)).contains("rootfs: " + disk + ",size=24M\n");
    }

    @Test
    void refusesShrinkingAndBadInputNamingWhatIsAllowedAndChangesNothing() throws Exception {
        VolumeId disk = root.context().storages().get("local").alloc(100, 16 * MIB, 0, 0);
        String conf = "rootfs: " + disk + ",size=16M\nmp0: /srv,mp=/srv\n";
        root.config(100, conf);

        assertThatThrownBy(() -> stopped().resize(100, "rootfs", "8M")).isInstanceOf(io.berth.error.InvalidInputException.class)
                .hasMessageContaining("cannot shrink rootfs").hasMessageContaining("16M").hasMessageContaining("8M")
                .hasMessageContaining("only growing");
        assertThatThrownBy(() -> stopped().resize(100, "rootfs", "1X")).hasMessageContaining("'1X'")
                .hasMessageContaining("+1G");
        assertThatThrownBy(() -> stopped().resize(100, "net0", "+1M")).hasMessageContaining("'net0'")
                .hasMessageContaining("rootfs or mp0..mp255");
        assertThatThrownBy(() -> stopped().resize(100, "mp3", "+1M")).hasMessageContaining("no disk 'mp3'")
                .hasMessageContaining("rootfs, mp0");
        assertThatThrownBy(() -> stopped().resize(100, "mp0", "+1M")).hasMessageContaining("/srv")
                .hasMessageContaining("only storage volumes");
        assertThat(Files.size(file(disk))).isEqualTo(16 * MIB);
        assertThat(root.config(100)).isEqualTo(conf);
    }

    @Test
    void aSubvolOnDirStorageCannotGrowAndTheConfigStays() {
        VolumeId sub = root.context().storages().get("local").alloc(100, 0, 0, 0);
        String conf = "rootfs: " + sub + "\n";
        root.config(100, conf);
        assertThatThrownBy(() -> stopped().resize(100, "rootfs", "+1G")).isInstanceOf(StorageException.class)
                .hasMessageContaining(sub.toString()).hasMessageContaining("quota");
        assertThat(root.config(100)).isEqualTo(conf);
    }

    @Test
    void aRunningContainersRawVolumeGrowsOnlyWhenTheKernelAllowsOnlineResize() throws Exception {
        VolumeId disk = root.context().storages().get("local").alloc(100, 16 * MIB, 0, 0);
        String conf = "rootfs: " + disk + ",size=16M\n";
        root.config(100, conf);
        ResizeService running = new ResizeService(root.context(), vmid -> true);
        if (Storages.onlineResizeAllowed()) {
            assertThat(running.resize(100, "rootfs", "+4M").newSize()).isEqualTo(20 * MIB);
        } else {
            assertThatThrownBy(() -> running.resize(100, "rootfs", "+4M")).isInstanceOf(io.berth.error.StateException.class)
                    .hasMessageContaining("rootfs").hasMessageContaining(disk.toString())
                    .hasMessageContaining("CAP_SYS_RESOURCE");
            assertThat(Files.size(file(disk))).isEqualTo(16 * MIB);
            assertThat(root.config(100)).isEqualTo(conf);
        }
    }

    /** The volume is mounted in another mount namespace only, as a running container's rootfs is. */
    @Test
    void aVolumeMountedInAnotherNamespaceIsSeenAsInUse() throws Exception {
        VolumeId disk = root.context().storages().get("local").alloc(100, 16 * MIB, 0, 0);
        String conf = "rootfs: " + disk + ",size=16M\n";
        root.config(100, conf);
        String loop = HostCommand.of("losetup", "-f", "--show", file(disk).toString()).run().strip();
        Process holder = null;
        try {
            Path mnt = Files.createDirectory(root.dir.resolve("mnt"));
            holder = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
                    "mount -t ext4 \"$1\" \"$2\" && echo ready && exec sleep 600", "sh", loop, mnt.toString())
                    .redirectErrorStream(true).start();
            String line = new BufferedReader(new InputStreamReader(holder.getInputStream())).readLine();
            assertThat(line).isEqualTo("ready");
            assertThat(HostCommand.of("findmnt", "-n", mnt.toString()).runAllowingFailure().exitCode())
                    .as("the mount stays in the holder's namespace").isNotZero();

            if (Storages.onlineResizeAllowed()) {
                assertThat(stopped().resize(100, "rootfs", "+4M").newSize()).isEqualTo(20 * MIB);
                assertThat(root.config(100)).contains("size=20M");
            } else {
                assertThatThrownBy(() -> stopped().resize(100, "rootfs", "+4M")).isInstanceOf(StorageException.class)
                        .hasMessageContaining(disk.toString()).hasMessageContaining(loop + " is in use")
                        .hasMessageContaining("CAP_SYS_RESOURCE");
                assertThat(Files.size(file(disk))).isEqualTo(16 * MIB);
                assertThat(root.config(100)).isEqualTo(conf);
            }
        } finally {
            if (holder != null) {
                holder.destroyForcibly();
                holder.waitFor(10, TimeUnit.SECONDS);
            }
            HostCommand.of("losetup", "-d", loop).run();
        }
    }
}
