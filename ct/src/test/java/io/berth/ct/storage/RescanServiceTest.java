package io.berth.ct.storage;

import io.berth.config.ConfigFile;
import io.berth.config.ConfigParser;
import io.berth.storage.VolumeId;
import io.berth.storage.VolumeInfo;
import io.berth.storage.VolumePath;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RescanServiceTest {
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

    private VolumeId alloc(int vmid, long size) {
        return root.context().storages().get("local").alloc(vmid, size, 0, 0);
    }

    @Test
    void fixesSizesAndAddsUnreferencedVolumesAsNextFreeUnused() {
        VolumeId disk0 = alloc(100, 16 * MIB);
        VolumeId disk1 = alloc(100, 8 * MIB);
        VolumeId subvol = alloc(100, 0);
        VolumeId orphan = alloc(100, 4 * MIB);
        VolumeId kept = alloc(100, 4 * MIB);
        VolumeId foreign = alloc(101, 4 * MIB);
        root.config(100, "hostname: ct100\nrootfs: " + disk0 + ",size=4M\nmp0: " + disk1 + ",mp=/data\nmp1: " + subvol
                + ",mp=/sub\nunused0: " + kept + "\n");

        RescanService.Result r = new RescanService(root.context()).rescanOne(100, false);

        assertThat(r.written()).isTrue();
        assertThat(r.plan().sizes()).containsExactly(
                new RescanService.SizeChange("rootfs", disk0.toString(), OptionalLong.of(4 * MIB), 16 * MIB),
                new RescanService.SizeChange("mp0", disk1.toString(), OptionalLong.empty(), 8 * MIB));
        assertThat(r.plan().added()).containsExactly(new RescanService.UnusedAdded("unused1", orphan.toString()));
        String text = root.config(100);
        assertThat(text).contains("rootfs: " + disk0 + ",size=16M\n", "mp0: " + disk1 + ",mp=/data,size=8M\n",
                "mp1: " + subvol + ",mp=/sub\n", "unused0: " + kept + "\n", "unused1: " + orphan + "\n");
        assertThat(text).doesNotContain(foreign.toString());

        // a second rescan finds nothing left to do and leaves the file as it is
        RescanService.Result again = new RescanService(root.context()).rescanOne(100, false);
        assertThat(again.plan().isEmpty()).isTrue();
        assertThat(again.written()).isFalse();
        assertThat(root.config(100)).isEqualTo(text);
    }

    @Test
    void dryRunReportsButChangesNothing() {
        VolumeId disk0 = alloc(100, 8 * MIB);
        VolumeId orphan = alloc(100, 4 * MIB);
        String before = "rootfs: " + disk0 + ",size=1M\n";
        root.config(100, before);

        List<RescanService.Result> results = new RescanService(root.context()).rescan(OptionalInt.of(100), true);

        assertThat(results).singleElement().satisfies(r -> {
            assertThat(r.written()).isFalse();
            assertThat(r.plan().sizes()).extracting(RescanService.SizeChange::to).containsExactly(8 * MIB);
            assertThat(r.plan().added()).extracting(RescanService.UnusedAdded::volid).containsExactly(orphan.toString());
        });
        assertThat(root.config(100)).isEqualTo(before);
    }

    @Test
    void rescanOfAllContainersReportsALockedOneAndStillFixesTheOthers() {
        VolumeId a = alloc(100, 8 * MIB);
        VolumeId b = alloc(101, 8 * MIB);
        String locked = "lock: backup\nrootfs: " + a + ",size=1M\n";
        root.config(100, locked);
        root.config(101, "rootfs: " + b + ",size=1M\n");

        List<RescanService.Result> results = new RescanService(root.context()).rescan(OptionalInt.empty(), false);

        assertThat(results).extracting(RescanService.Result::vmid).containsExactly(100, 101);
        assertThat(results.get(0).error()).hasValueSatisfying(e -> assertThat(e).contains("100", "lock=backup"));
        assertThat(results.get(1).written()).isTrue();
        assertThat(root.config(100)).isEqualTo(locked);
        assertThat(root.config(101)).contains("rootfs: " + b + ",size=8M");
        assertThatThrownBy(() -> new RescanService(root.context()).rescan(OptionalInt.of(100), false))
                .isInstanceOf(io.berth.error.LockedException.class).hasMessageContaining("lock=backup");
    }

    @Test
    void planCountsVolumesReferencedByPendingAndSnapshotsAsUsedAndSkipsVolumesNotFound() {
        ConfigFile f = ConfigParser.parse("100.conf", """
                rootfs: local:100/vm-100-disk-0.raw,size=1G
                mp0: local:100/vm-100-disk-9.raw,mp=/gone,size=1G
                mp1: /srv/bind,mp=/bind

                [PENDING]
                mp2: local:100/vm-100-disk-1.raw,mp=/new

                [snap1]
                rootfs: local:100/vm-100-disk-2.raw,size=1G
                """);
        List<VolumeInfo> found = List.of(vol("local:100/vm-100-disk-0.raw", 1L << 30), vol("local:100/vm-100-disk-1.raw", 1),
                vol("local:100/vm-100-disk-2.raw", 1), vol("local:100/vm-100-disk-3.raw", 1));

        RescanService.Plan plan = RescanService.plan(100, f, found);

        assertThat(plan.sizes()).isEmpty();
        assertThat(plan.added()).containsExactly(new RescanService.UnusedAdded("unused0", "local:100/vm-100-disk-3.raw"));
        ConfigFile applied = RescanService.apply(f, plan);
        assertThat(applied.main().get("unused0")).hasValue("local:100/vm-100-disk-3.raw");
        assertThat(applied.pending()).isEqualTo(f.pending());
        assertThat(applied.snapshots()).isEqualTo(f.snapshots());
    }

    @Test
    void aMissingContainerIsNamed() {
        assertThatThrownBy(() -> new RescanService(root.context()).rescanOne(555, true)).hasMessageContaining("555");
    }

    private static VolumeInfo vol(String volid, long size) {
        VolumeId id = VolumeId.parse(volid);
        return new VolumeInfo(id, id.ownerVmid(), id.format(), size, OptionalLong.empty(),
                new VolumePath.ImageFile(Path.of("/s/" + id.name())));
    }

}
