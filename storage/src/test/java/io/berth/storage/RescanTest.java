package io.berth.storage;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class RescanTest {
    private static VolumeInfo vol(String volid, long size, String path) {
        VolumeId id = VolumeId.parse(volid);
        return new VolumeInfo(id, id.ownerVmid(), id.format(), size, OptionalLong.empty(), new VolumePath.ImageFile(Path.of(path)));
    }

    @Test
    void reportsChangedSizesAndUnreferencedVolumesOfTheVmidOnly() {
        List<VolumeInfo> found = List.of(
                vol("local:100/vm-100-disk-0.raw", 8L << 30, "/s/images/100/vm-100-disk-0.raw"),
                vol("local:100/vm-100-disk-1.raw", 1L << 30, "/s/images/100/vm-100-disk-1.raw"),
                vol("local:100/vm-100-disk-2.raw", 2L << 30, "/s/images/100/vm-100-disk-2.raw"),
                vol("local:100/vm-100-disk-3.raw", 3L << 30, "/s/images/100/vm-100-disk-3.raw"),
                vol("local:101/vm-101-disk-0.raw", 1L << 30, "/s/images/101/vm-101-disk-0.raw"));
        Rescan.Report r = Rescan.compute(100, found,
                Set.of("local:100/vm-100-disk-0.raw", "local:100/vm-100-disk-1.raw", "local:100/vm-100-disk-3.raw"),
                Map.of("local:100/vm-100-disk-0.raw", 4L << 30, "local:100/vm-100-disk-1.raw", 1L << 30,
                        "/srv/bind", 5L));
        assertThat(r.sizeUpdates()).containsExactly(
                new Rescan.SizeUpdate("local:100/vm-100-disk-0.raw", OptionalLong.of(4L << 30), 8L << 30));
        assertThat(r.unreferenced()).containsExactly("local:100/vm-100-disk-2.raw");
        assertThat(r.sizes()).hasSize(4).containsEntry("local:100/vm-100-disk-3.raw", 3L << 30);
        assertThat(r.changes()).isTrue();
    }

    @Test
    void aMountPointWithoutSizeGetsOne() {
        Rescan.Report r = Rescan.compute(100, List.of(vol("local:100/vm-100-disk-0.raw", 1L << 30, "/a")),
                Set.of(), Map.of("local:100/vm-100-disk-0.raw", -1L));
        assertThat(r.sizeUpdates()).containsExactly(
                new Rescan.SizeUpdate("local:100/vm-100-disk-0.raw", OptionalLong.empty(), 1L << 30));
        assertThat(r.unreferenced()).isEmpty();
    }

    @Test
    void aPlainSubvolWithoutSizeNeedsNoUpdateButASizedOneDoes() {
        Rescan.Report r = Rescan.compute(100, List.of(vol("local:subvol-100-disk-0", 0, "/a"),
                        vol("local:subvol-100-disk-1", 2L << 30, "/b")), Set.of(),
                Map.of("local:subvol-100-disk-0", -1L, "local:subvol-100-disk-1", -1L));
        assertThat(r.sizeUpdates()).containsExactly(
                new Rescan.SizeUpdate("local:subvol-100-disk-1", OptionalLong.empty(), 2L << 30));
    }

    @Test
    void aliasedStoragesAddOneUnusedEntryPerPathAndNoneIfTheAliasIsUsed() {
        List<VolumeInfo> found = List.of(
                vol("alias:100/vm-100-disk-0.raw", 1, "/s/images/100/vm-100-disk-0.raw"),
                vol("local:100/vm-100-disk-0.raw", 1, "/s/images/100/vm-100-disk-0.raw"),
                vol("alias:100/vm-100-disk-1.raw", 1, "/s/images/100/vm-100-disk-1.raw"),
                vol("local:100/vm-100-disk-1.raw", 1, "/s/images/100/vm-100-disk-1.raw"));
        Rescan.Report r = Rescan.compute(100, found, Set.of("local:100/vm-100-disk-0.raw"), Map.of());
        assertThat(r.unreferenced()).containsExactly("alias:100/vm-100-disk-1.raw");
        Rescan.Report none = Rescan.compute(100, found,
                Set.of("local:100/vm-100-disk-0.raw", "local:100/vm-100-disk-1.raw"), Map.of());
        assertThat(none.changes()).isFalse();
    }
}
