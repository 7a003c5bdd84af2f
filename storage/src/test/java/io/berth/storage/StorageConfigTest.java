package io.berth.storage;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StorageConfigTest {
    private static String resource(String name) throws IOException {
        try (InputStream in = StorageConfigTest.class.getResourceAsStream("/storagecfg/" + name)) {
            assertThat(in).as(name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"proxmox-default", "messy", "defaults", "empty"})
    void goldenFilesPrintCanonicallyAndStably(String name) throws IOException {
        StorageConfig cfg = StorageConfig.parse(resource(name + ".cfg"), name + ".cfg");
        String printed = cfg.print();
        assertThat(printed).isEqualTo(resource(name + ".expected"));
        StorageConfig again = StorageConfig.parse(printed, "printed");
        assertThat(again).isEqualTo(cfg);
        assertThat(again.print()).isEqualTo(printed);
    }

    @Test
    void parsesTypedSections() throws IOException {
        StorageConfig cfg = StorageConfig.parse(resource("messy.cfg"), "messy.cfg");
        assertThat(cfg.get("local")).isEqualTo(new StorageDef.Dir("local", Path.of("/srv/berth/store"),
                EnumSet.of(ContentType.IMAGES, ContentType.ROOTDIR, ContentType.VZTMPL, ContentType.BACKUP),
                true, true, List.of("a", "b"), false, Optional.of("/srv"), Optional.empty()));
        StorageDef.Btrfs b = (StorageDef.Btrfs) cfg.get("fast.1");
        assertThat(b.quotas()).isTrue();
        assertThat(b.pruneBackups()).contains("keep-last=3");
        assertThatThrownBy(() -> cfg.get("nope")).hasMessageContaining("unknown storage 'nope'")
                .hasMessageContaining("local, fast.1");
    }

    private static StorageConfigException error(String text) {
        try {
            StorageConfig.parse(text, "/etc/berth/storage.cfg");
        } catch (StorageConfigException e) {
            assertThat(e.file()).isEqualTo("/etc/berth/storage.cfg");
            return e;
        }
        throw new AssertionError("no error for:\n" + text);
    }

    @Test
    void errorsNameFileLineKeyValueAndWhatIsAllowed() {
        StorageConfigException e = error("dir: local\n\tpath /x\n\tcontent images,floppy\n");
        assertThat(e.line()).isEqualTo(3);
        assertThat(e.value()).isEqualTo("floppy");
        assertThat(e.getMessage()).startsWith("/etc/berth/storage.cfg:3:").contains("'floppy'").contains("rootdir");

        e = error("dir: local\n\tpath /x\n\tvgname pve\n");
        assertThat(e.key()).contains("key for dir storage 'local'");
        assertThat(e.value()).isEqualTo("vgname");
        assertThat(e.allowed()).contains("path").contains("is_mountpoint");

        e = error("\nzfspool: tank\n\tpool rpool\n");
        assertThat(e.line()).isEqualTo(2);
        assertThat(e.key()).isEqualTo("storage type");
        assertThat(e.allowed()).isEqualTo("btrfs, dir, lvmthin");

        e = error("lvmthin: th\n\tvgname pve\n\tthinpool data\n\tcontent iso\n");
        assertThat(e.allowed()).isEqualTo("images,rootdir or none");

        e = error("lvmthin: th\n\tvgname pve\n");
        assertThat(e.key()).isEqualTo("thinpool");
        assertThat(e.line()).isEqualTo(1);

        e = error("dir: a1\n\tpath relative/dir\n");
        assertThat(e.key()).isEqualTo("path");
        assertThat(e.value()).isEqualTo("relative/dir");

        e = error("dir: a1\n\tpath /a\n\tshared maybe\n");
        assertThat(e.allowed()).contains("yes");

        e = error("dir: a1\n\tpath /a\n\tpath /b\n");
        assertThat(e.line()).isEqualTo(3);

        e = error("dir: a1\n\tpath /a\n\ndir: a1\n\tpath /b\n");
        assertThat(e.line()).isEqualTo(4);
        assertThat(e.key()).isEqualTo("storage id");

        e = error("\tpath /a\n");
        assertThat(e.key()).isEqualTo("section header");

        e = error("dir: 9lives\n\tpath /a\n");
        assertThat(e.value()).isEqualTo("9lives");

        e = error("dir: a1\n\tpath /a\n\tnodes a,b_c\n");
        assertThat(e.allowed()).contains("b_c");
    }

    @Property(tries = 300)
    void randomTextGivesOnlyConfigErrors(@ForAll String text) {
        try {
            StorageConfig cfg = StorageConfig.parse(text, "f");
            assertThat(StorageConfig.parse(cfg.print(), "f")).isEqualTo(cfg);
        } catch (StorageConfigException e) {
            assertThat(e.line()).isPositive();
        }
    }

    @Test
    void loadOrDefaultGivesTheEmbeddedLocalDirWhenNoFileExists(@TempDir Path tmp) throws IOException {
        StorageConfig dflt = StorageConfig.loadOrDefault(tmp.resolve("storage.cfg"), tmp.resolve("state/local"));
        StorageDef.Dir local = (StorageDef.Dir) dflt.get("local");
        assertThat(local.path()).isEqualTo(tmp.resolve("state/local"));
        assertThat(local.content()).containsExactlyInAnyOrder(ContentType.IMAGES, ContentType.ROOTDIR,
                ContentType.VZTMPL, ContentType.BACKUP);

        Files.writeString(tmp.resolve("storage.cfg"), "btrfs: b1\n\tpath /b\n");
        StorageConfig file = StorageConfig.loadOrDefault(tmp.resolve("storage.cfg"), tmp.resolve("state/local"));
        assertThat(file.storages()).extracting(StorageDef::id).containsExactly("b1");

        Files.writeString(tmp.resolve("storage.cfg"), "btrfs: b1\n\tpath /b\n\tquotas 2\n");
        assertThatThrownBy(() -> StorageConfig.loadOrDefault(tmp.resolve("storage.cfg"), tmp))
                .hasMessageStartingWith(tmp.resolve("storage.cfg") + ":3:");
    }
}
