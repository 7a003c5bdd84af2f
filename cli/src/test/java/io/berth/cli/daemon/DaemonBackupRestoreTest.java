package io.berth.cli.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An archive piped from {@code berth backup --stdout} into {@code berth restore N -} and into
 * {@code berth create N - --restore 1}, every command served by a real berthd (its own JVM, started by
 * {@code bin/berth daemon start}) on the client's standard input and output passed with SCM_RIGHTS. The clients'
 * cold path cannot run (their BERTH_JAR does not exist), so a success proves berthd served them; the restored
 * rootfs is compared file by file (content, owner, mode, link, xattr) with the original.
 */
@Tag("root")
class DaemonBackupRestoreTest {
    static final int SRC = 7101, VIA_RESTORE = 7102, VIA_CREATE = 7103;
    @TempDir static Path tmp;
    static Path root, store, launcher;
    static Map<String, String> env;

    @BeforeAll static void startBerthdAndAContainer() throws Exception {
        Path source = Path.of(System.getProperty("berth.source.root", "..")).toAbsolutePath().normalize();
        Path build = Path.of(System.getProperty("berth.build.dir", "target"));
        launcher = source.resolve("bin/berth");
        root = tmp.resolve("root");
        store = tmp.resolve("store");
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/storage.cfg"),
                "dir: local\n\tpath " + store + "\n\tcontent rootdir,images,vztmpl,backup\n");
        // copies: another build in this tree may replace the jar while berthd runs from it
        Path jar = Files.copy(build.resolve("berth.jar"), tmp.resolve("berth.jar"));
        Path client = Files.copy(build.resolve("berth-client"), tmp.resolve("berth-client"), StandardCopyOption.COPY_ATTRIBUTES);
        env = Map.of("BERTH_JAR", jar.toString(), "BERTH_CLIENT", client.toString(),
                "BERTH_AOT", tmp.resolve("no-aot").toString(), "JAVA_HOME", System.getProperty("java.home"));
        ok("daemon", "start");
        String template = ok("template", "build", "busybox").strip();
        ok("create", Integer.toString(SRC), template, "--rootfs", "local:0", "--hostname", "piped", "--quiet");
        // files whose owner, mode, xattr and content must survive the pipe
        sh(rootfs(SRC), """
                mkdir -p srv/t
                head -c 3000000 /dev/urandom > srv/t/random
                chown 1000:1001 srv/t/random
                chmod 0640 srv/t/random
                setfattr -n user.berth -v piped srv/t/random
                ln -s random srv/t/link
                """);
    }

    @AfterAll static void cleanUp() throws Exception {
        if (root == null) return;
        for (int id : List.of(VIA_CREATE, VIA_RESTORE, SRC)) run(List.of("destroy", Integer.toString(id)), Map.of("BERTH_NO_DAEMON", "1"));
        run(List.of("daemon", "stop"), Map.of());
    }

    @Test void backupToStdoutPipesIntoRestoreAndCreateThroughBerthd() throws Exception {
        Map<String, String> noCold = Map.of("BERTH_JAR", tmp.resolve("no-such.jar").toString());
        String backup = command(List.of("backup", Integer.toString(SRC), "--mode", "stop", "--compress", "zstd", "--stdout"));
        String original = sh(rootfs(SRC), MANIFEST);
        assertThat(original).contains("./srv/t/random f 1000:1001 640").contains("user.berth=0x7069706564");

        Result restored = shell(backup + " | " + command(List.of("restore", Integer.toString(VIA_RESTORE), "-")), noCold);
        assertThat(restored.exit()).as(restored.err()).isZero();
        assertThat(restored.err()).contains("restored container " + VIA_RESTORE);
        assertThat(sh(rootfs(VIA_RESTORE), MANIFEST)).isEqualTo(original);
        assertThat(ok("config", Integer.toString(VIA_RESTORE))).contains("hostname: piped");

        Result created = shell(backup + " | " + command(List.of("create", Integer.toString(VIA_CREATE), "-", "--restore", "1",
                "--hostname", "created")), noCold);
        assertThat(created.exit()).as(created.err()).isZero();
        assertThat(sh(rootfs(VIA_CREATE), MANIFEST)).isEqualTo(original);
        assertThat(ok("config", Integer.toString(VIA_CREATE))).contains("hostname: created");
    }

    /** Type, owner, mode, link target, content and user xattrs of every file but /dev's (restores skip it, as pct). */
    static final String MANIFEST = """
            find . -path './dev/*' -prune -o -printf '%p %y %U:%G %m %l\\n' | sort
            find . -path './dev/*' -prune -o -type f -print0 | sort -z | xargs -0 md5sum
            getfattr -R -h -d -m '^user[.]' -e hex . 2>/dev/null | grep -v '^$' || true
            """;

    static Path rootfs(int vmid) {
        return store.resolve("images/" + vmid + "/subvol-" + vmid + "-disk-0");
    }

    // ---- helpers ----

    record Result(int exit, String out, String err) {}

    static String ok(String... args) throws Exception {
        Result r = run(List.of(args), Map.of());
        assertThat(r.exit()).as("berth %s: %s", String.join(" ", args), r.err()).isZero();
        return r.out();
    }

    static Result run(List<String> args, Map<String, String> extraEnv) throws Exception {
        return shell(command(args), extraEnv);
    }

    /** A shell command line (a pipe of berth commands) with the test's environment; stdin is empty. */
    static Result shell(String line, Map<String, String> extraEnv) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("env", "--default-signal", "bash", "-o", "pipefail", "-c", line);
        pb.environment().remove("BERTH_NO_DAEMON");
        pb.environment().putAll(env);
        pb.environment().putAll(extraEnv);
        Process p = pb.start();
        p.getOutputStream().close();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread t = Thread.ofPlatform().daemon().start(() -> {
            try (InputStream in = p.getErrorStream()) {
                in.transferTo(err);
            } catch (IOException ignored) {
                // ended
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), line + " did not end");
        t.join(5000);
        return new Result(p.exitValue(), out, err.toString(StandardCharsets.UTF_8));
    }

    static String sh(Path dir, String script) throws Exception {
        Process p = new ProcessBuilder("sh", "-ec", script).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        return out;
    }

    static String command(List<String> args) {
        List<String> all = new ArrayList<>(List.of(launcher.toString(), "--root", root.toString()));
        all.addAll(args);
        StringBuilder sb = new StringBuilder();
        for (String a : all) sb.append(" '").append(a.replace("'", "'\\''")).append('\'');
        return sb.toString().strip();
    }
}
