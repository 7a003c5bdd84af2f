package io.berth.ct.template;

import io.berth.ct.Progress;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.ct.TestTemplates;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TemplateTest {
    @TempDir Path tmp;

    @Test
    void busyboxTemplateExtractsToABootableRootfsOwnedByRoot() throws IOException {
        Path archive = TestTemplates.busybox();
        assertThat(archive.getFileName().toString()).matches("busybox-\\d+\\.\\d+\\.\\d+_amd64\\.tar\\.gz");
        Path root = Files.createDirectory(tmp.resolve("root"));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Extractor.extract(TemplateArchive.of(archive), root, Progress.bar(new PrintStream(bytes, true), false, "extract"));
        assertThat(bytes.toString()).contains("extract: 100%");
        assertThat(Files.isSymbolicLink(root.resolve("sbin/init"))).isTrue();
        assertThat(Files.readSymbolicLink(root.resolve("sbin/init"))).isEqualTo(Path.of("/bin/busybox"));
        assertThat(Files.readString(root.resolve("etc/os-release"))).contains("ID=busybox");
        assertThat(Files.readString(root.resolve("etc/inittab"))).contains("::sysinit:/etc/init.d/rcS");
        assertThat(Files.getAttribute(root.resolve("bin/busybox"), "unix:uid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(0);
        assertThat(Files.size(root.resolve("bin/busybox"))).isEqualTo(Files.size(Path.of("/bin/busybox")));
        for (String d : new String[] {"dev", "proc", "sys", "tmp", "run"}) assertThat(root.resolve(d)).isDirectory();
    }

    @Test
    void corruptArchiveFailsNamingTheTemplate() throws IOException {
        Path bad = tmp.resolve("bad.tar.gz");
        Files.write(bad, new byte[] {0x1f, (byte) 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7});
        Path root = Files.createDirectory(tmp.resolve("root"));
        assertThatThrownBy(() -> Extractor.extract(TemplateArchive.of(bad), root, Progress.NONE))
                .isInstanceOf(IOException.class).hasMessageContaining("bad.tar.gz").hasMessageContaining("failed (").hasMessageContaining(" exit ");
    }

    /** tar failing first makes the decompressor die of SIGPIPE: the error is tar's, not "pigz exit 141". */
    @Test
    void whenTarFailsTheErrorIsTarsNotTheBrokenPipeOfTheDecompressor() throws IOException {
        Path missing = tmp.resolve("no-such-dir");
        assertThatThrownBy(() -> Extractor.extract(TemplateArchive.of(TestTemplates.busybox()), missing, Progress.NONE))
                .isInstanceOf(IOException.class).hasMessageContaining("failed (tar ").hasMessageContaining("no-such-dir")
                .hasMessageNotContaining("141");
    }

    @Test
    void compressionFollowsTheSuffixAndUnknownSuffixesAreRefused() {
        assertThat(TemplateArchive.of(Path.of("a.tar.xz")).compression()).isEqualTo(TemplateArchive.Compression.XZ);
        assertThat(TemplateArchive.of(Path.of("a.tar.zst")).compression()).isEqualTo(TemplateArchive.Compression.ZSTD);
        assertThat(TemplateArchive.of(Path.of("a.tgz")).compression()).isEqualTo(TemplateArchive.Compression.GZIP);
        assertThatThrownBy(() -> TemplateArchive.of(Path.of("a.zip"))).hasMessageContaining("a.zip")
                .hasMessageContaining(".tar.zst");
    }

    @Test
    void zstdTemplatesExtractToo() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src/etc"));
        Files.writeString(src.resolve("os-release"), "ID=busybox\n");
        Path zst = tmp.resolve("t.tar.zst");
        Process p = new ProcessBuilder("tar", "--zstd", "-cf", zst.toString(), "-C", tmp.resolve("src").toString(), ".")
                .inheritIO().start();
        assertThat(p.waitFor()).isZero();
        Path root = Files.createDirectory(tmp.resolve("root"));
        Extractor.extract(TemplateArchive.of(zst), root, Progress.NONE);
        assertThat(root.resolve("etc/os-release")).hasContent("ID=busybox");
    }

    @Test
    void xzAndPlainArchivesKeepOwnersXattrsAndAclsAndReportProgress() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Path f = Files.writeString(src.resolve("file"), "x".repeat(300_000) + new java.util.Random(1).ints(200_000).toString());
        assertThat(new ProcessBuilder("chown", "1234:2345", f.toString()).start().waitFor()).isZero();
        assertThat(new ProcessBuilder("setfattr", "-n", "user.berth", "-v", "kept", f.toString()).start().waitFor()).isZero();
        assertThat(new ProcessBuilder("setfacl", "-m", "u:4321:r", f.toString()).start().waitFor()).isZero();
        for (String name : new String[] {"t.tar.xz", "t.tar"}) {
            Path archive = tmp.resolve(name);
            Process p = new ProcessBuilder("tar", "--xattrs", "--xattrs-include=*", "--acls", "--numeric-owner", "-caf",
                    archive.toString(), "-C", src.toString(), ".").inheritIO().start();
            assertThat(p.waitFor()).isZero();
            Path root = Files.createDirectory(tmp.resolve("root-" + name));
            java.util.List<Long> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
            Extractor.extract(TemplateArchive.of(archive), root, (done, total) -> {
                assertThat(total).isEqualTo(archive.toFile().length());
                seen.add(done);
            });
            assertThat(seen).isSorted().last().isEqualTo(archive.toFile().length());
            Path out = root.resolve("file");
            assertThat(Files.mismatch(out, f)).isEqualTo(-1);
            assertThat(Files.getAttribute(out, "unix:uid")).isEqualTo(1234);
            assertThat(Files.getAttribute(out, "unix:gid")).isEqualTo(2345);
            Process attr = new ProcessBuilder("getfattr", "--only-values", "-n", "user.berth", out.toString()).start();
            assertThat(new String(attr.getInputStream().readAllBytes())).isEqualTo("kept");
            Process acl = new ProcessBuilder("getfacl", "-n", out.toString()).start();
            assertThat(new String(acl.getInputStream().readAllBytes())).contains("user:4321:r--");
        }
    }
}
