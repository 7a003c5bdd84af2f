package io.berth.storage;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("root")
class DirStorageTest {
    private static final long MIB = 1 << 20;
    @TempDir
    Path tmp;
    private Path root;
    private DirStorage local;

    @BeforeEach
    void setUp() {
        root = tmp.resolve("store");
        local = new DirStorage(new StorageDef.Dir("local", root,
                EnumSet.of(ContentType.IMAGES, ContentType.ROOTDIR, ContentType.VZTMPL), false, false, List.of(),
                true, Optional.empty(), Optional.empty()));
    }

    static String dumpe2fs(Path p) {
        return HostCommand.of("dumpe2fs", "-h", p.toString()).run();
    }

    static long blockCount(String dumpe2fs) {
        return Long.parseLong(field(dumpe2fs, "Block count"));
    }

    static String field(String dumpe2fs, String name) {
        return dumpe2fs.lines().filter(l -> l.startsWith(name + ":")).findFirst()
                .orElseThrow(() -> new AssertionError("no " + name + " in " + dumpe2fs)).substring(name.length() + 1).strip();
    }

    @Test
    void rawImageIsExt4WithMmpAndTheContainersRootOwner() {
        VolumeId id = local.alloc(100, 64 * MIB, 100000, 100001);
        assertThat(id.toString()).isEqualTo("local:100/vm-100-disk-0.raw");
        Path file = root.resolve("images/100/vm-100-disk-0.raw");
        assertThat(local.path(id)).isEqualTo(new VolumePath.ImageFile(file));
        assertThat(HostCommand.of("blkid", "-o", "value", "-s", "TYPE", file.toString()).run().strip()).isEqualTo("ext4");
        String info = dumpe2fs(file);
        assertThat(field(info, "Filesystem features")).contains("mmp");
        assertThat(blockCount(info) * Long.parseLong(field(info, "Block size"))).isEqualTo(64 * MIB);
        // root_owner sets the owner of the filesystem's root directory; debugfs reads it without mounting
        String stat = HostCommand.of("debugfs", "-R", "stat /", file.toString()).run();
        assertThat(stat).containsPattern("User:\\s+100000\\s+Group:\\s+100001");
        assertThat(local.size(id)).isEqualTo(64 * MIB);

        local.free(id);
        assertThat(file).doesNotExist();
        assertThat(root.resolve("images/100")).doesNotExist();
    }

    @Test
    void resizeGrowsImageAndFilesystemAndRefusesShrink() {
        VolumeId id = local.alloc(100, 32 * MIB, 0, 0);
        Path file = root.resolve("images/100/vm-100-disk-0.raw");
        long start = System.nanoTime();
        local.resize(id, 48 * MIB);
        // a never-mounted image needs no e2fsck: only resize2fs pays the MMP wait (11 s), not twice that
        assertThat((System.nanoTime() - start) / 1_000_000_000).isLessThan(20);
        assertThat(local.size(id)).isEqualTo(48 * MIB);
        String info = dumpe2fs(file);
        assertThat(blockCount(info) * Long.parseLong(field(info, "Block size"))).isEqualTo(48 * MIB);
        assertThatThrownBy(() -> local.resize(id, 16 * MIB)).isInstanceOf(io.berth.error.InvalidInputException.class)
                .hasMessageContaining("cannot shrink").hasMessageContaining(id.toString());
        assertThat(local.size(id)).isEqualTo(48 * MIB);
        local.free(id);
    }

    @Test
    void resizeOfAMountedImageGrowsOnlineThroughItsLoopDevice() throws IOException {
        VolumeId id = local.alloc(100, 32 * MIB, 0, 0);
        Path file = root.resolve("images/100/vm-100-disk-0.raw");
        Path mnt = Files.createDirectory(tmp.resolve("mnt"));
        String loop = HostCommand.of("losetup", "-f", "--show", file.toString()).run().strip();
        try {
            HostCommand.of("mount", loop, mnt.toString()).run();
            try {
                long before = Files.getFileStore(mnt).getTotalSpace();
                if (Ext4.canResizeOnline()) {
                    local.resize(id, 64 * MIB);
                    assertThat(Files.getFileStore(mnt).getTotalSpace() - before).isGreaterThan(28 * MIB);
                } else {
                    // this sandbox drops CAP_SYS_RESOURCE: the kernel denies online grow, so nothing may change
                    assertThatThrownBy(() -> local.resize(id, 64 * MIB)).hasMessageContaining("CAP_SYS_RESOURCE")
                            .hasMessageContaining(mnt.toString());
                    assertThat(local.size(id)).isEqualTo(32 * MIB);
                    assertThat(Files.getFileStore(mnt).getTotalSpace()).isEqualTo(before);
                }
            } finally {
                HostCommand.of("umount", mnt.toString()).run();
            }
        } finally {
            HostCommand.of("losetup", "-d", loop).run();
        }
        assertThat(ImageDirectory.loopDevicesOf(file)).isEmpty();
        local.free(id);
    }

    @Test
    void subvolDirectoryForSizeZeroOwnedByTheContainerRoot() throws IOException {
        VolumeId id = local.alloc(100, 0, 100000, 100000);
        assertThat(id.toString()).isEqualTo("local:subvol-100-disk-0");
        Path dir = root.resolve("images/100/subvol-100-disk-0");
        assertThat(local.path(id)).isEqualTo(new VolumePath.Directory(dir));
        assertThat(Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(100000);
        assertThat(Files.getAttribute(dir, "unix:gid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(100000);
        Files.createDirectories(dir.resolve("etc/x"));
        Files.writeString(dir.resolve("etc/x/f"), "data");
        Files.createSymbolicLink(dir.resolve("escape"), tmp); // free must not follow links out of the volume
        Files.writeString(tmp.resolve("keep"), "keep");
        assertThat(local.size(id)).isZero();
        assertThatThrownBy(() -> local.resize(id, MIB)).hasMessageContaining("no quota");
        assertThat(local.canSnapshot(id)).isFalse();
        assertThatThrownBy(() -> local.snapshot(id, "s1")).hasMessageContaining("storage '" + local.id() + "' cannot snapshot");
        local.free(id);
        assertThat(dir).doesNotExist();
        assertThat(tmp.resolve("keep")).hasContent("keep");
    }

    @Test
    void nextFreeNameFillsGapsAndListShowsAllVolumesOfTheVmid() {
        VolumeId d0 = local.alloc(100, 0, 0, 0);
        VolumeId d1 = local.alloc(100, 8 * MIB, 0, 0);
        VolumeId d2 = local.alloc(100, 0, 0, 0);
        VolumeId other = local.alloc(101, 0, 0, 0);
        assertThat(List.of(d0, d1, d2, other)).extracting(VolumeId::toString).containsExactly(
                "local:subvol-100-disk-0", "local:100/vm-100-disk-1.raw", "local:subvol-100-disk-2",
                "local:subvol-101-disk-0");
        local.free(d1);
        VolumeId gap = local.alloc(100, 8 * MIB, 0, 0);
        assertThat(gap.toString()).isEqualTo("local:100/vm-100-disk-1.raw");
        assertThat(local.list(OptionalInt.of(100))).extracting(v -> v.volid().toString(), VolumeInfo::format, VolumeInfo::sizeBytes)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("local:subvol-100-disk-0", VolumeFormat.SUBVOL, 0L),
                        org.assertj.core.groups.Tuple.tuple("local:100/vm-100-disk-1.raw", VolumeFormat.RAW, 8 * MIB),
                        org.assertj.core.groups.Tuple.tuple("local:subvol-100-disk-2", VolumeFormat.SUBVOL, 0L));
        assertThat(local.list(OptionalInt.empty())).hasSize(4);
        for (VolumeId v : List.of(d0, gap, d2, other)) local.free(v);
        assertThat(local.list(OptionalInt.empty())).isEmpty();
    }

    @Test
    void failedMkfsRemovesTheImageAndTheVmDirectory() {
        // a 4 KiB image is too small for ext4: mkfs fails after the file was created
        assertThatThrownBy(() -> local.alloc(100, 4096, 0, 0)).isInstanceOf(StorageException.class)
                .hasMessageContaining("mkfs.ext4");
        assertThat(root.resolve("images/100")).doesNotExist();
        assertThat(local.list(OptionalInt.empty())).isEmpty();
    }

    @Test
    void refusesVolumesOfOtherStoragesAndMissingVolumes() {
        assertThatThrownBy(() -> local.path(VolumeId.parse("other:subvol-100-disk-0")))
                .hasMessageContaining("not on storage 'local'");
        assertThatThrownBy(() -> local.path(VolumeId.parse("local:vm-100-disk-0")))
                .hasMessageContaining("not LVs");
        assertThatThrownBy(() -> local.free(VolumeId.parse("local:subvol-100-disk-7")))
                .hasMessageContaining("does not exist");
        assertThatThrownBy(() -> local.alloc(5, 0, 0, 0)).hasMessageContaining("invalid vmid 5");
        assertThat(local.templateDir()).contains(root.resolve("template/cache"));
    }

    @Test
    void storagesRegistryAllocatesNewDisksAndRescansAContainer() throws IOException {
        Path cfg = tmp.resolve("storage.cfg");
        Files.writeString(cfg, "dir: local\n\tpath " + root + "\n\tcontent rootdir,images,vztmpl\n\n"
                + "dir: isos\n\tpath " + tmp.resolve("isos") + "\n\tcontent iso\n\n"
                + "dir: off\n\tpath " + tmp.resolve("off") + "\n\tdisable 1\n");
        Storages storages = Storages.load(cfg, tmp.resolve("unused-default"));
        VolumeId rootfs = storages.alloc(NewDisk.parse("local:0.03125"), 100, 0, 0);  // 32 MiB
        VolumeId mp0 = storages.alloc(NewDisk.parse("local:0"), 100, 0, 0);
        VolumeId stray = storages.alloc(NewDisk.parse("local:0"), 100, 0, 0);
        assertThat(storages.path(rootfs)).isInstanceOf(VolumePath.ImageFile.class);
        assertThat(storages.parseVolumeId("local:subvol-100-disk-1")).isEqualTo(mp0);
        assertThatThrownBy(() -> storages.parseVolumeId("nfs:subvol-100-disk-1"))
                .hasMessageContaining("unknown storage 'nfs'").hasMessageContaining("local, isos, off");
        assertThatThrownBy(() -> storages.alloc(NewDisk.parse("isos:1"), 100, 0, 0))
                .hasMessageContaining("content type 'rootdir' is not available or configured on storage 'isos'");
        assertThatThrownBy(() -> storages.alloc(NewDisk.parse("off:1"), 100, 0, 0))
                .hasMessageContaining("storage 'off' is disabled");

        Rescan.Report report = storages.rescan(100, Set.of(rootfs.toString(), mp0.toString()),
                Map.of(rootfs.toString(), 8L << 30, mp0.toString(), 0L));
        assertThat(report.sizeUpdates()).containsExactly(new Rescan.SizeUpdate(rootfs.toString(),
                java.util.OptionalLong.of(8L << 30), 32 * MIB));
        assertThat(report.unreferenced()).containsExactly(stray.toString());

        assertThat(storages.freeIfOwner(stray, 101)).isFalse();
        assertThat(storages.path(stray)).isNotNull();
        assertThat(storages.freeIfOwner(stray, 100)).isTrue();
        storages.free(rootfs);
        storages.free(mp0);
        assertThat(storages.listOwned(100)).isEmpty();
        assertThat(storages.templateDir(Optional.empty())).contains(root.resolve("template/cache"));
    }
}
