package io.berth.ct.lifecycle2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.berth.config.BerthRoots;
import io.berth.ct.ContainerService;
import io.berth.ct.lifecycle.LxcRuntime;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code bin/berth} with the built {@code cli/target/berth.jar} (scripts/build.sh and scripts/test.sh build
 * it before the tests), one JVM per command (no berthd): template build, create, start, status, exec, stop, destroy.
 * LXC runs our post-stop hook as {@code bin/berth --root ROOT hook ...}, the production path rather than the test
 * launcher; {@code berth start} does the pre-start work itself and has lxc-start skip that hook.
 */
@Tag("root")
class CliLifecycleTest {
    @TempDir Path tmp;

    record Run(int exit, String stdout, String stderr) {}

    private Path launcher;
    private Path root;
    private Path jar;

    @Test
    void theLauncherDrivesAContainerThroughItsLifeWithItsOwnHooks() throws Exception {
        Path repo = repoRoot();
        launcher = repo.resolve("bin/berth");
        Path built = repo.resolve("cli/target/berth.jar");
        assumeTrue(Files.isRegularFile(built), built + " is missing: build it with bash scripts/build.sh (scripts/test.sh does)");
        // another build in this tree may replace the jar while the JVMs of this test read it
        jar = Files.copy(built, tmp.resolve("berth.jar"));
        root = tmp.resolve("root");
        BerthRoots roots = BerthRoots.resolve(root.toString());
        int vmid = Host.vmid();
        String id = Integer.toString(vmid);
        try {
            Path archive = Path.of(ok("template", "build", "busybox").stdout().strip());
            assertThat(archive).isRegularFile().hasFileName("busybox-" + busyboxVersion() + "_amd64.tar.gz");

            Run created = ok("create", id, archive.toString(), "--rootfs", "local:1", "--mp0", "local:0.1,mp=/data",
                    "--hostname", "cli" + vmid, "--quiet");
            assertThat(created.stderr()).contains("created container " + vmid + " (ostype unmanaged, arch amd64)");
            assertThat(Files.readString(roots.containerConfig(vmid))).contains("hostname: cli" + vmid)
                    .containsPattern("rootfs: local:" + vmid + "/vm-" + vmid + "-disk-0.raw,size=1G")
                    .containsPattern("mp0: local:" + vmid + "/vm-" + vmid + "-disk-1.raw,mp=/data");

            ok("start", id);
            Path lxcDir = roots.lxcPath().resolve(id);
            String hook = launcher + " --root " + root.toAbsolutePath() + " hook";
            assertThat(Files.readString(lxcDir.resolve("config"))).contains("lxc.hook.pre-start = " + hook + " pre-start")
                    .contains("lxc.hook.post-stop = " + hook + " post-stop");
            // berth start's pre-start work mounted mp0 before lxc-start, which the monitor's namespace kept
            int initPid = new LxcRuntime(new ContainerService(roots).paths(vmid)).initPid().orElseThrow();
            assertThat(Files.readString(Path.of("/proc/" + initPid + "/mountinfo"))).containsPattern("(?m)^\\S+ \\S+ \\S+ \\S+ /data ");

            String json = ok("status", id, "--output", "json").stdout();
            assertThat(field(json, "vmid")).isEqualTo(id);
            assertThat(field(json, "name")).isEqualTo("cli" + vmid);
            assertThat(field(json, "status")).isEqualTo("running");
            assertThat(field(json, "pid")).isEqualTo(Integer.toString(new LxcRuntime(new ContainerService(roots).paths(vmid))
                    .initPid().orElseThrow()));
            // running: the rootfs filesystem's size as df sees it (the 1 GiB image minus ext4's overhead)
            assertThat(Long.parseLong(field(json, "maxdisk"))).isBetween(900L << 20, 1L << 30);
            assertThat(Long.parseLong(field(json, "disk"))).isPositive();

            Run exec = run("exec", id, "--", "sh", "-c", "echo via-cli > /data/f && cat /data/f && hostname && exit 3");
            assertThat(exec.exit()).isEqualTo(3);
            assertThat(exec.stdout()).isEqualTo("via-cli\ncli" + vmid + "\n");

            ok("stop", id);
            String stopped = ok("status", id, "--output", "json").stdout();
            assertThat(field(stopped, "status")).isEqualTo("stopped");
            assertThat(stopped).doesNotContain("\"pid\"");

            // the rendered config started by hand: LXC runs our pre-start hook, cold (no berthd), which mounts mp0
            ProcessBuilder byHand = new ProcessBuilder("lxc-start", "-d", "-n", id, "-P", roots.lxcPath().toString())
                    .redirectErrorStream(true);
            byHand.environment().put("BERTH_NO_DAEMON", "1");
            byHand.environment().put("BERTH_JAR", jar.toString());
            byHand.environment().put("BERTH_AOT", tmp.resolve("no.aot").toString());
            Process lxcStart = byHand.start();
            String lxcOut = new String(lxcStart.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(lxcStart.waitFor()).as(lxcOut).isZero();
            LxcRuntime rt = new LxcRuntime(new ContainerService(roots).paths(vmid));
            assertThat(Files.readString(Path.of("/proc/" + rt.initPid().orElseThrow() + "/mountinfo")))
                    .containsPattern("(?m)^\\S+ \\S+ \\S+ \\S+ /data ");
            rt.stopAndWait(Duration.ofSeconds(60));
            assertThat(field(ok("status", id, "--output", "json").stdout(), "status")).isEqualTo("stopped");

            ok("destroy", id);
            assertThat(roots.containerConfig(vmid)).doesNotExist();
            assertThat(roots.defaultStorageDir().resolve("images/" + vmid)).doesNotExist();
            Run gone = run("status", id);
            assertThat(gone.exit()).isNotZero();
            assertThat(gone.stderr()).contains(id);
        } finally {
            ContainerService svc = new ContainerService(roots);
            try {
                new LxcRuntime(svc.paths(vmid)).stopAndWait(Duration.ofSeconds(20));
                if (svc.vmids().contains(vmid)) svc.destroy(vmid, true, true);
            } catch (RuntimeException ignored) {
                // best effort: the assertion that failed is what the report shows
            }
        }
    }

    private Run ok(String... args) throws Exception {
        Run r = run(args);
        assertThat(r.exit()).as("berth " + String.join(" ", args) + "\nstdout: " + r.stdout() + "\nstderr: " + r.stderr()).isZero();
        return r;
    }

    private Run run(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(launcher.toString(), "--root", root.toString()));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(tmp, "out", ".txt"), err = Files.createTempFile(tmp, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().remove("BERTH_ROOT");
        pb.environment().put("BERTH_NO_DAEMON", "1");
        pb.environment().put("BERTH_JAR", jar.toString());
        pb.environment().put("BERTH_AOT", tmp.resolve("no.aot").toString());
        Process p = pb.start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("berth " + String.join(" ", args) + " did not finish within 90 s");
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    /** A top-level field of the flat JSON object {@code status --output json} prints, without its quotes. */
    private static String field(String json, String key) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\":(\"([^\"]*)\"|[^,}]+)").matcher(json);
        assertThat(m.find()).as(key + " in " + json).isTrue();
        return m.group(2) != null ? m.group(2) : m.group(1);
    }

    private static String busyboxVersion() throws IOException {
        return io.berth.ct.template.BusyboxTemplate.host().version();
    }

    private static Path repoRoot() {
        for (Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isExecutable(p.resolve("bin/berth")) && Files.isDirectory(p.resolve("cli"))) return p;
        }
        throw new AssertionError("no bin/berth above " + System.getProperty("user.dir"));
    }
}
