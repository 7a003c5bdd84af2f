package io.berth.ct.hook;

import io.berth.config.BerthRoots;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The command LXC runs for our hooks: {@code <launcher> [--root <root>] hook}; the renderer appends the hook type,
 * LXC passes the container name in {@code LXC_NAME}.
 *
 * <p>The launcher is the system property {@code berth.launcher}, else the environment variable
 * {@code BERTH_LAUNCHER}, else {@code bin/berth} of the source tree this code was loaded from.
 */
public record HookCommand(Path launcher, Optional<Path> root, Optional<Direct> direct) {
    public static final String PROPERTY = "berth.launcher";
    public static final String ENV = "BERTH_LAUNCHER";
    /** Set by bin/berth: its native berthd client, {@code berth-client}. */
    public static final String CLIENT_PROPERTY = "berth.client";
    /** berthd's socket, relative to the state's run dir (io.berth.cli.daemon.Berthd listens there). */
    public static final Path DAEMON_SOCKET = Path.of("berthd", "berthd.sock");

    /**
     * The hook run by berth-client directly instead of through bin/berth: LXC runs a hook as {@code sh -c "exec CMD"},
     * and bash starting and reading the launcher is a few milliseconds of every start and stop. The client takes
     * the hook to berthd, or runs {@code launcher} cold (a JVM) when berthd is not there.
     */
    public record Direct(Path client, Path socket) {}

    public HookCommand(Path launcher, Optional<Path> root) {
        this(launcher, root, Optional.empty());
    }

    public static Path daemonSocket(Path runDir) {
        return runDir.resolve(DAEMON_SOCKET);
    }

    /** For roots made by {@code --root DIR} ({@code DIR/etc}, {@code DIR/var}) the hook gets {@code --root DIR}. */
    public static HookCommand resolve(BerthRoots roots) {
        Path c = roots.configDir(), s = roots.stateDir();
        Optional<Path> root = Optional.empty();
        if (c.getParent() != null && c.getParent().equals(s.getParent()) && c.getFileName().toString().equals("etc")
                && s.getFileName().toString().equals("var")) {
            root = Optional.of(c.getParent());
        }
        Path launcher = launcher(System.getProperty(PROPERTY), System.getenv());
        String client = System.getProperty(CLIENT_PROPERTY);
        Optional<Direct> direct = client == null || client.isBlank() || !Files.isExecutable(Path.of(client)) ? Optional.empty()
                : Optional.of(new Direct(Path.of(client).toAbsolutePath(), daemonSocket(roots.runDir()).toAbsolutePath()));
        return new HookCommand(launcher, root, direct);
    }

    static Path launcher(String property, Map<String, String> env) {
        if (property != null && !property.isBlank()) return Path.of(property).toAbsolutePath();
        String fromEnv = env.get(ENV);
        if (fromEnv != null && !fromEnv.isBlank()) return Path.of(fromEnv).toAbsolutePath();
        return defaultLauncher();
    }

    /** {@code bin/berth} in a parent dir of the jar or class dir holding this class, else /usr/bin/berth. */
    static Path defaultLauncher() {
        try {
            Path code = Path.of(HookCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (Path p = code; p != null; p = p.getParent()) {
                Path candidate = p.resolve("bin/berth");
                if (Files.isExecutable(candidate)) return candidate;
            }
        } catch (Exception e) {
            // fall through to the installed location
        }
        return Path.of("/usr/bin/berth");
    }

    /** The hook command line (LXC runs it through sh -c, so the renderer refuses shell metacharacters). */
    public String commandLine() {
        String args = root.map(r -> " --root " + r.toAbsolutePath()).orElse("") + " hook";
        // the client's own leading options instead of env(1): LXC's sh execs the client directly
        return direct.map(d -> d.client() + " --berthd-socket " + d.socket() + " --launcher " + launcher + args)
                .orElse(launcher + args);
    }
}
