package io.berth.ct.hook;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The command LXC runs for our hooks: {@code <launcher> --root <root> hook}, to which LXC appends the container
 * name, the section and the hook type.
 *
 * <p>The launcher is the system property {@code berth.launcher}, else the environment variable
 * {@code BERTH_LAUNCHER}, else {@code bin/berth} of the source tree this code was loaded from.
 */
public record HookCommand(Path launcher, Path root) {
    public static final String PROPERTY = "berth.launcher";
    public static final String ENV = "BERTH_LAUNCHER";

    public static HookCommand resolve(Path root) {
        return new HookCommand(launcher(System.getProperties().getProperty(PROPERTY), System.getenv()), root);
    }

    static Path launcher(String property, Map<String, String> env) {
        if (property != null && !property.isBlank()) return Path.of(property).toAbsolutePath();
        String fromEnv = env.get(ENV);
        if (fromEnv != null && !fromEnv.isBlank()) return Path.of(fromEnv).toAbsolutePath();
        return defaultLauncher();
    }

    /** {@code bin/berth} next to the project dir of the jar or class dir holding this class. */
    static Path defaultLauncher() {
        try {
            Path code = Path.of(HookCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            // <project>/cli/target/berth.jar or <project>/ct/target*/classes: walk up until bin/berth shows up
            for (Path p = code; p != null; p = p.getParent()) {
                Path candidate = p.resolve("bin/berth");
                if (Files.isExecutable(candidate)) return candidate;
            }
        } catch (Exception e) {
            // fall through to the installed location
        }
        return Path.of("/usr/bin/berth");
    }

    /** The value of an {@code lxc.hook.*} line; LXC splits it on spaces, so paths must not contain any. */
    public String lxcValue() {
        String l = launcher.toString(), r = root.toAbsolutePath().toString();
        if (l.contains(" ") || r.contains(" ")) {
            throw new IllegalArgumentException("hook command paths must not contain spaces: launcher '" + l + "', root '" + r + "'");
        }
        return l + " --root " + r + " hook";
    }
}
