package io.berth.storage;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Runs on a btrfs filesystem of its own: a 512M sparse file on a loop device, mounted under a temp dir. */
@Tag("root")
class BtrfsStorageTest {
    private static final long MIB = 1 << 20;
    private static Path tmp;
    private static LoopFs fs;
    private static Path mnt;
    private static BtrfsStorage quota;
    private static BtrfsStorage plain;

    @BeforeAll
    static void mountBtrfs() throws IOException {
        tmp = Files.createTempDirectory("berth-btrfs-test");
        fs = new LoopFs(tmp, 512 * MIB);
        try {
            HostCommand.of("mkfs.btrfs", "-q", fs.loop).run();
            mnt = Files.createDirectory(tmp.resolve("mnt"));
            HostCommand.of("mount", fs.loop, mnt.toString()).run();
            fs.onClose(() -> HostCommand.of("umount", mnt.toString()).run());
        } catch (RuntimeException e) {
            fs.close();
            throw e;
        }
        quota = new BtrfsStorage(new StorageDef.Btrfs("bq", mnt.resolve("q"),
                EnumSet.of(ContentType.ROOTDIR, ContentType.IMAGES), false, List.of(), Optional.empty(), true, Optional.empty()));
        plain = new BtrfsStorage(new StorageDef.Btrfs("bn", mnt.resolve("n"),
                EnumSet.of(ContentType.ROOTDIR, ContentType.VZTMPL), false, List.of(), Optional.of(mnt.toString()), false, Optional.empty()));
    }

    @AfterAll
    static void teardown() throws IOException {
        try {
            if (fs != null) fs.close();
        } finally {
            HostCommand.of("rm", "-rf", "--one-file-system", tmp.toString()).run();
        }
    }

    private static boolean isSubvolume(Path p) {
        return HostCommand.of("btrfs", "subvolume", "show", p.toString()).runAllowingFailure().exitCode() == 0;
    }

    @Test
    void subvolWithQuotaLimitSnapshotResizeAndFree() throws IOException {
        VolumeId id = quota.alloc(200, 64 * MIB, 100000, 100000);
        assertThat(id.toString()).isEqualTo("bq:subvol-200-disk-0");
        Path dir = mnt.resolve("q/images/200/subvol-200-disk-0");
        assertThat(quota.path(id)).isEqualTo(new VolumePath.Directory(dir));
        assertThat(isSubvolume(dir)).isTrue();
        assertThat(Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(100000);
        assertThat(quota.size(id)).isEqualTo(64 * MIB);
        String show = HostCommand.of("btrfs", "qgroup", "show", "--raw", "-r", dir.toString()).run();
        assertThat(show).containsPattern("\\s67108864\\s");

        Files.writeString(dir.resolve("file"), "before");
        quota.snapshot(id, "s1");
        Path snapDir = mnt.resolve("q/images/200/subvol-200-disk-0@s1");
        assertThat(quota.snapshotPath(id, "s1")).isEqualTo(new VolumePath.Directory(snapDir));
        assertThat(quota.path(VolumeId.parse("bq:subvol-200-disk-0@s1"))).isEqualTo(new VolumePath.Directory(snapDir));
        assertThat(quota.snapshots(id)).containsExactly("s1");
        assertThat(HostCommand.of("btrfs", "property", "get", "-ts", snapDir.toString(), "ro").run().strip()).isEqualTo("ro=true");
        Files.writeString(dir.resolve("file"), "after");
        assertThat(snapDir.resolve("file")).hasContent("before");
        assertThatThrownBy(() -> Files.writeString(snapDir.resolve("new"), "x")).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> quota.snapshot(id, "s1")).hasMessageContaining("already exists");
        assertThatThrownBy(() -> quota.snapshot(id, "1bad")).hasMessageContaining("invalid snapshot name '1bad'");

        quota.resize(id, 96 * MIB);
        assertThat(quota.size(id)).isEqualTo(96 * MIB);
        assertThatThrownBy(() -> quota.resize(id, 32 * MIB)).hasMessageContaining("cannot shrink");
        assertThat(quota.size(id)).isEqualTo(96 * MIB);

        List<VolumeInfo> listed = quota.list(OptionalInt.of(200));
        assertThat(listed).singleElement().satisfies(v -> {
            assertThat(v.volid()).isEqualTo(id);
            assertThat(v.sizeBytes()).isEqualTo(96 * MIB);
            assertThat(v.usedBytes()).isPresent();
        });

        quota.free(id);
        assertThat(dir).doesNotExist();
        assertThat(snapDir).doesNotExist();
        assertThat(mnt.resolve("q/images/200")).doesNotExist();
    }

    @Test
    void quotaLimitIsEnforcedByTheKernel() {
        VolumeId id = quota.alloc(201, 8 * MIB, 0, 0);
        try {
            Path dir = quota.path(id).path();
            HostCommand.Result r = HostCommand.of("dd", "if=/dev/zero", "of=" + dir.resolve("big"), "bs=1M", "count=32",
                    "conv=fsync").runAllowingFailure();
            assertThat(r.exitCode()).isNotZero();
            assertThat(r.stderr()).contains("Disk quota exceeded");
        } finally {
            quota.free(id);
        }
    }

    @Test
    void sizeZeroIsAnUnlimitedSubvolAndSizeWithoutQuotasIsARawImage() throws IOException {
        VolumeId sub = plain.alloc(300, 0, 0, 0);
        VolumeId raw = plain.alloc(300, 32 * MIB, 100000, 100000);
        try {
            assertThat(sub.toString()).isEqualTo("bn:subvol-300-disk-0");
            assertThat(isSubvolume(plain.path(sub).path())).isTrue();
            assertThat(plain.size(sub)).isZero();
            assertThatThrownBy(() -> plain.resize(sub, 64 * MIB)).hasMessageContaining("quotas 1");

            assertThat(raw.toString()).isEqualTo("bn:300/vm-300-disk-1.raw");
            // Proxmox's btrfs layout: the raw image lives in a subvolume of its own
            Path img = mnt.resolve("n/images/300/vm-300-disk-1/disk.raw");
            assertThat(plain.path(raw)).isEqualTo(new VolumePath.ImageFile(img));
            assertThat(isSubvolume(img.getParent())).isTrue();
            assertThat(HostCommand.of("blkid", "-o", "value", "-s", "TYPE", img.toString()).run().strip()).isEqualTo("ext4");
            assertThatThrownBy(() -> plain.resize(raw, 16 * MIB)).hasMessageContaining("cannot shrink");
            assertThat(plain.canSnapshot(raw)).isTrue();
            plain.snapshot(raw, "s");
            assertThat(plain.snapshotPath(raw, "s")).isEqualTo(new VolumePath.ImageFile(mnt.resolve("n/images/300/vm-300-disk-1@s/disk.raw")));

            plain.snapshot(sub, "base");
            assertThat(plain.list(OptionalInt.empty())).extracting(v -> v.volid().toString())
                    .containsExactly("bn:subvol-300-disk-0", "bn:300/vm-300-disk-1.raw");
            plain.free(VolumeId.parse("bn:subvol-300-disk-0@base")); // only the snapshot
            assertThat(plain.snapshots(sub)).isEmpty();
            assertThat(plain.path(sub).path()).isDirectory();
            assertThat(plain.templateDir()).contains(mnt.resolve("n/template/cache"));
            assertThat(quota.templateDir()).isEmpty();
        } finally {
            plain.free(raw);
            plain.free(sub);
        }
        assertThat(plain.list(OptionalInt.of(300))).isEmpty();
        assertThat(mnt.resolve("n/images/300")).doesNotExist(); // the snapshot of the raw volume went with it
    }

    @Test
    void rollbackRestoresTheSnapshotContentAndKeepsTheSnapshot() throws IOException {
        VolumeId sub = quota.alloc(310, 32 * MIB, 100000, 100000);
        try {
            Path dir = quota.path(sub).path();
            Files.writeString(dir.resolve("f"), "one");
            quota.snapshot(sub, "a");
            Files.writeString(dir.resolve("f"), "two");
            Files.writeString(dir.resolve("new"), "x");
            quota.snapshot(sub, "b");
            Files.writeString(dir.resolve("f"), "three");

            quota.rollbackSnapshot(sub, "a");
            assertThat(dir.resolve("f")).hasContent("one");
            assertThat(dir.resolve("new")).doesNotExist();
            assertThat(isSubvolume(dir)).isTrue();
            assertThat(Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(100000);
            assertThat(quota.size(sub)).isEqualTo(32 * MIB); // the qgroup limit moved to the new subvolume
            Files.writeString(dir.resolve("f"), "writable");
            quota.rollbackSnapshot(sub, "b");
            assertThat(dir.resolve("f")).hasContent("two");
            assertThat(quota.snapshots(sub)).containsExactly("a", "b");
            try (var ls = Files.list(dir.getParent())) {
                assertThat(ls.map(p -> p.getFileName().toString()))
                        .containsExactlyInAnyOrder("subvol-310-disk-0", "subvol-310-disk-0@a", "subvol-310-disk-0@b");
            }
            assertThatThrownBy(() -> quota.rollbackSnapshot(sub, "nope")).hasMessageContaining("snapshot 'nope' of volume 'bq:subvol-310-disk-0' does not exist");
            quota.deleteSnapshot(sub, "a");
            assertThat(quota.snapshots(sub)).containsExactly("b");
            assertThatThrownBy(() -> quota.deleteSnapshot(sub, "a")).hasMessageContaining("does not exist");
        } finally {
            quota.free(sub);
        }
    }

    @Test
    void rawVolumeRollbackRestoresTheImage() throws IOException {
        VolumeId raw = plain.alloc(311, 16 * MIB, 0, 0);
        try {
            Path img = plain.path(raw).path();
            byte[] before = Files.readAllBytes(img);
            plain.snapshot(raw, "s");
            try (var ch = java.nio.channels.FileChannel.open(img, java.nio.file.StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap("garbage".getBytes()), 0);
            }
            assertThat(Files.readAllBytes(img)).isNotEqualTo(before);
            plain.rollbackSnapshot(raw, "s");
            assertThat(Files.readAllBytes(plain.path(raw).path())).isEqualTo(before);
        } finally {
            plain.free(raw);
        }
    }

    @Test
    void refusesAPathThatIsNotBtrfsOrNotMounted() throws IOException {
        Path notBtrfs = Files.createDirectory(tmp.resolve("ext"));
        BtrfsStorage wrong = new BtrfsStorage(new StorageDef.Btrfs("wrong", notBtrfs, EnumSet.of(ContentType.ROOTDIR),
                false, List.of(), Optional.empty(), false, Optional.empty()));
        assertThatThrownBy(() -> wrong.alloc(100, 0, 0, 0)).hasMessageContaining("btrfs storage needs btrfs");
        BtrfsStorage unmounted = new BtrfsStorage(new StorageDef.Btrfs("um", mnt.resolve("n"), EnumSet.of(ContentType.ROOTDIR),
                false, List.of(), Optional.of("yes"), false, Optional.empty()));
        assertThatThrownBy(() -> unmounted.alloc(100, 0, 0, 0)).hasMessageContaining("is not online");
    }
}
