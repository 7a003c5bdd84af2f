package io.berth.ct.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * {@code bin/berth --root ROOT ...} as an admin runs it, so create, start and the LXC hooks all go through the real
 * launcher and CLI.
 *
 * <p>The CLI jar ({@code $BERTH_JAR}, default {@code cli/target/berth.jar}, made by {@code scripts/build.sh} and by
 * {@code scripts/test.sh} before the tests) is copied into the test's dir first: a concurrent rebuild of the shared
 * jar would otherwise break a running JVM with NoClassDefFoundError. The launcher passes its environment on, so the
 * hooks LXC runs use the same copy.
 */
final class BerthCli {
    private final Path launcher;
    private final Path root;
    private final Map<String, String> env;

    private BerthCli(Path launcher, Path root, Map<String, String> env) {
        this.launcher = launcher;
        this.root = root;
        this.env = env;
    }

    /** Skips the test, saying why, when the launcher or the jar is missing. */
    static BerthCli forRoot(Path root, Path work) throws IOException {
        Path source = Path.of(System.getProperty("berth.source.root", "..")).toAbsolutePath().normalize();
        Path launcher = source.resolve("bin/berth");
        Assumptions.assumeTrue(Files.isExecutable(launcher), "skipped: no launcher at " + launcher);
        String fromEnv = System.getenv("BERTH_JAR");
        Path jar = fromEnv != null && !fromEnv.isBlank() ? Path.of(fromEnv) : source.resolve("cli/target/berth.jar");
        Assumptions.assumeTrue(Files.isRegularFile(jar), "skipped: no CLI jar at " + jar
                + "; build it with: bash scripts/build.sh");
        Path copy = work.resolve("berth.jar");
        Files.copy(jar, copy, StandardCopyOption.REPLACE_EXISTING);
        return new BerthCli(launcher, root, Map.of(
                "BERTH_JAR", copy.toString(),
                "BERTH_AOT", work.resolve("no-aot-cache").toString(), // the cache only fits the original jar
                "BERTH_NO_DAEMON", "1",
                "JAVA_HOME", System.getProperty("java.home")));
    }

    /** The environment the launcher runs with (jar copy, no berthd). */
    Map<String, String> env() { return env; }

    /** The command line of {@code berth --root ROOT ARGS...} (for running it on a pty under {@code script}). */
    List<String> argv(String... args) {
        List<String> argv = new ArrayList<>(List.of(launcher.toString(), "--root", root.toString()));
        argv.addAll(List.of(args));
        return argv;
    }

    Proc.Result run(String... args) {
        return run(Duration.ofSeconds(90), args);
    }

    Proc.Result run(Duration timeout, String... args) {
        List<String> argv = new ArrayList<>(List.of(launcher.toString(), "--root", root.toString()));
        argv.addAll(List.of(args));
        return Proc.run(argv, env, timeout);
    }

    /** A bash script (pipefail) in which {@code berth} is this launcher with this root: for pipes between commands. */
    Proc.Result shell(Duration timeout, String script) {
        String fn = "set -o pipefail\nberth() { '" + launcher + "' --root '" + root + "' \"$@\"; }\n";
        return Proc.run(List.of("bash", "-c", fn + script), env, timeout);
    }

    /** {@code berth exec VMID -- CMD...}, failing with both outputs unless it exits 0. */
    String exec(int vmid, String... cmd) {
        List<String> args = new ArrayList<>(List.of("exec", Integer.toString(vmid), "--"));
        args.addAll(List.of(cmd));
        return run(Duration.ofSeconds(30), args.toArray(String[]::new)).check().out();
    }
}
