package io.berth.ct.storage;

import io.berth.storage.VolumeId;
import io.berth.storage.VolumeInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class VolumeServiceTest {
    private static final long MIB = 1 << 20;
    private StorageRoot root;
    private VolumeService volumes;

    @BeforeEach
    void setUp() {
        root = StorageRoot.withLocalDir();
        volumes = new VolumeService(root.context());
    }

    @AfterEach
    void tearDown() {
        root.close();
    }

    @Test
    void allocOwnsTheVolumeByTheContainersRootAndListsIt() throws Exception {
        root.config(100, "unprivileged: 1\nrootfs: local:subvol-100-disk-9\n");
        VolumeId sub = volumes.alloc("local", 100, "0", OptionalInt.empty(), OptionalInt.empty());
        VolumeId raw = volumes.alloc("local", 101, "8M", OptionalInt.of(5), OptionalInt.of(6));

        Path subPath = root.context().storages().path(sub).path();
        assertThat(Files.getAttribute(subPath, "unix:uid")).isEqualTo(100000);
        assertThat(Files.getAttribute(subPath, "unix:gid")).isEqualTo(100000);
        assertThat(volumes.list(Optional.empty(), OptionalInt.of(101))).extracting(VolumeInfo::volid, VolumeInfo::sizeBytes)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(raw, 8 * MIB));
        assertThat(volumes.list(Optional.of("local"), OptionalInt.empty())).extracting(VolumeInfo::volid)
                .containsExactly(sub, raw);
    }

    @Test
    void allocRefusesBadSizesAndStoragesNamingWhatIsAllowed() {
        assertThatThrownBy(() -> volumes.alloc("local", 100, "1024", OptionalInt.empty(), OptionalInt.empty()))
                .hasMessageContaining("'1024'").hasMessageContaining("unit K, M, G or T");
        assertThatThrownBy(() -> volumes.alloc("nope", 100, "1G", OptionalInt.empty(), OptionalInt.empty()))
                .isInstanceOf(io.berth.error.NotFoundException.class).hasMessageContaining("'nope'").hasMessageContaining("local");
        root.storageCfg("dir: local\n\tpath " + root.dir.resolve("store") + "\n\tcontent vztmpl\n");
        VolumeService templatesOnly = new VolumeService(root.context());
        assertThatThrownBy(() -> templatesOnly.alloc("local", 100, "1G", OptionalInt.empty(), OptionalInt.empty()))
                .isInstanceOf(io.berth.error.InvalidInputException.class).hasMessageContaining("content is vztmpl")
                .hasMessageContaining("rootdir or images");
    }

    @Test
    void freeIsRefusedWhileAConfigReferencesTheVolumeAnywhere() {
        VolumeId a = volumes.alloc("local", 100, "4M", OptionalInt.empty(), OptionalInt.empty());
        VolumeId b = volumes.alloc("local", 100, "4M", OptionalInt.empty(), OptionalInt.empty());
        VolumeId c = volumes.alloc("local", 100, "4M", OptionalInt.empty(), OptionalInt.empty());
        root.config(100, "rootfs: " + a + "\n\n[snap1]\nrootfs: " + b + "\n");
        root.config(200, "rootfs: local:subvol-200-disk-0\nmp3: " + a + ",mp=/shared\n");

        assertThatThrownBy(() -> volumes.free(a.toString())).isInstanceOf(io.berth.error.StateException.class)
                .hasMessageContaining("'" + a + "'").hasMessageContaining("100.conf key rootfs")
                .hasMessageContaining("200.conf key mp3").hasMessageContaining("berth set 100 --delete rootfs");
        assertThatThrownBy(() -> volumes.free(b.toString())).hasMessageContaining("100.conf [snap1] key rootfs");
        assertThat(root.context().storages().get("local").exists(a)).isTrue();
        assertThat(root.context().storages().get("local").exists(b)).isTrue();

        volumes.free(c.toString());
        assertThat(root.context().storages().get("local").exists(c)).isFalse();
        assertThatThrownBy(() -> volumes.free(c.toString())).isInstanceOf(io.berth.error.NotFoundException.class)
                .hasMessageContaining("does not exist");
    }
}
