package io.berth.ct.snapshot;

import io.berth.ct.LoopBtrfs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.ct.CtFixture;
import io.berth.ct.status.ContainerStatus;
import io.berth.storage.HostCommand;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshots of real containers on a loop-backed btrfs: rootfs a raw ext4 image in its own subvolume ({@code bt}),
 * mp0 a quota subvolume ({@code bq}). The config after a sequence of operations is compared byte for byte with what
 * Proxmox's AbstractConfig writes for the same sequence (golden files under {@code snapshot/}).
 */
@Tag("root")
class SnapshotServiceTest {
    @RegisterExtension static final LoopBtrfs.PerClass fs = LoopBtrfs.perClass("1G");

    @TempDir Path tmp;

    private static String golden(String name) throws IOException {
        try (var in = SnapshotServiceTest.class.getResourceAsStream("/snapshot/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** A file in the raw rootfs image of a stopped container, through debugfs (no mount needed). */
    private static void writeRootfs(Path image, String name, String content, Path tmp) throws IOException {
        awaitUnmounted(image);
        Path src = tmp.resolve("debugfs-src");
        Files.writeString(src, content);
        HostCommand.of("debugfs", "-w", "-R", "write " + src + " /" + name, image.toString()).run();
    }

    /**
     * A private mount namespace that just ended (create's) releases its mounts asynchronously; debugfs must not write
     * under an ext4 that is still mounted there, whose unmount would write its own state back over ours.
     */
    private static void awaitUnmounted(Path image) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!HostCommand.of("losetup", "-n", "-O", "NAME", "-j", image.toString()).run().isBlank()) {
            assertThat(System.nanoTime()).as("%s still attached to a loop device", image).isLessThan(deadline);
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static Optional<String> readRootfs(Path image, String name) {
        HostCommand.Result r = HostCommand.of("debugfs", "-R", "cat /" + name, image.toString()).runAllowingFailure();
        return r.stderr().contains("not found") ? Optional.empty() : Optional.of(r.stdout());
    }

    @Test
    void snapshotChainRollbackAndDeleteInTheMiddleMatchProxmoxByteForByte() throws IOException {
        int vmid = 6101;
        AtomicLong clock = new AtomicLong(1_700_000_000L);
        try (CtFixture f = new CtFixture(tmp.resolve("root"))) {
            fs.storageCfg(f);
            f.create(vmid, Map.of("rootfs", "bt:0.1", "mp0", "bq:0.05,mp=/data", "hostname", "snap1"));
            SnapshotService snaps = new SnapshotService(f.svc, () -> clock.getAndAdd(60));
            Path rootImg = fs.mount().resolve("bt/images/6101/vm-6101-disk-0/disk.raw");
            Path data = fs.mount().resolve("bq/images/6101/subvol-6101-disk-0");
            assertThat(f.configText(vmid)).isEqualTo(golden("6101-created.conf"));

            writeRootfs(rootImg, "m", "one", tmp);
            Files.writeString(data.resolve("f"), "one");
            snaps.create(vmid, "s1", Optional.of("first\nsecond line"));
            assertThat(f.configText(vmid)).isEqualTo(golden("6101-s1.conf"));

            Files.writeString(data.resolve("f"), "two");
            writeRootfs(rootImg, "m2", "two", tmp);
            f.svc.set(vmid, Map.of("memory", "256"), List.of(), false);
            snaps.create(vmid, "s2", Optional.empty());

            Files.writeString(data.resolve("f"), "three");
            writeRootfs(rootImg, "m3", "three", tmp);
            f.svc.set(vmid, Map.of("memory", "512"), List.of(), false);
            snaps.create(vmid, "s3", Optional.of("third"));
            assertThat(f.configText(vmid)).isEqualTo(golden("6101-s1-s2-s3.conf"));

            Files.writeString(data.resolve("f"), "four");
            snaps.rollback(vmid, "s2", false);
            assertThat(data.resolve("f")).hasContent("two");
            assertThat(readRootfs(rootImg, "m")).contains("one");
            assertThat(readRootfs(rootImg, "m2")).contains("two");
            assertThat(readRootfs(rootImg, "m3")).isEmpty();
            assertThat(f.configText(vmid)).isEqualTo(golden("6101-rollback-s2.conf"));

            snaps.delete(vmid, "s2", false); // the middle of s1 <- s2 <- s3: s3 and current now hang off s1
            assertThat(f.configText(vmid)).isEqualTo(golden("6101-deleted-s2.conf"));
            assertThat(fs.mount().resolve("bq/images/6101/subvol-6101-disk-0@s2")).doesNotExist();
            assertThat(fs.mount().resolve("bt/images/6101/vm-6101-disk-0@s2")).doesNotExist();
            assertThat(fs.mount().resolve("bq/images/6101/subvol-6101-disk-0@s1")).isDirectory();

            snaps.rollback(vmid, "s1", false);
            assertThat(data.resolve("f")).hasContent("one");
            assertThat(readRootfs(rootImg, "m2")).isEmpty();
            assertThat(SnapshotTree.print(snaps.list(vmid), java.time.ZoneOffset.UTC)).isEqualTo(
                    "`-> s1                          2023-11-14 22:13:20     first\n"
                    + " `-> s3                         2023-11-14 22:15:20     third\n"
                    + " `-> current                                            You are here!\n");

            // the container still boots from the rolled-back volumes
            f.svc.start(vmid, false, false);
            assertThat(f.exec(vmid, "cat", "/m", "/data/f").stdout()).isEqualTo("oneone");
            f.svc.stop(vmid, false);
        }
    }
}
