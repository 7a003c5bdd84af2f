package io.berth.config;

import java.nio.file.Path;

/**
 * Where Berth keeps its configuration and its state. Overridable so that tests and several simulated nodes
 * can run side by side: {@code --root DIR} or {@code BERTH_ROOT=DIR} gives {@code DIR/etc} and {@code DIR/var}.
 */
public record BerthRoots(Path configDir, Path stateDir) {
    public static final Path DEFAULT_CONFIG_DIR = Path.of("/etc/berth");
    public static final Path DEFAULT_STATE_DIR = Path.of("/var/lib/berth");

    /** From the {@code --root} option (may be null), else the {@code BERTH_ROOT} environment variable, else the defaults. */
    public static BerthRoots resolve(String rootOption) {
        return resolve(rootOption, System.getenv("BERTH_ROOT"));
    }

    static BerthRoots resolve(String rootOption, String rootEnv) {
        String root = rootOption != null && !rootOption.isBlank() ? rootOption
                : rootEnv != null && !rootEnv.isBlank() ? rootEnv : null;
        if (root == null) return new BerthRoots(DEFAULT_CONFIG_DIR, DEFAULT_STATE_DIR);
        Path dir = Path.of(root).toAbsolutePath().normalize();
        return new BerthRoots(dir.resolve("etc"), dir.resolve("var"));
    }

    /** {@code configDir/lxc/<vmid>.conf}. */
    public Path containerConfig(int vmid) { return containerConfigDir().resolve(vmid + ".conf"); }

    /** {@code configDir/lxc}. */
    public Path containerConfigDir() { return configDir.resolve("lxc"); }

    public Path storageCfg() { return configDir.resolve("storage.cfg"); }

    /** {@code configDir/cluster.conf}: present exactly when this node is in a cluster ({@link ClusterBackend}). */
    public Path clusterConf() { return configDir.resolve("cluster.conf"); }

    /** The LXC path ({@code lxc.lxcpath}) holding the generated per-container LXC configs. */
    public Path lxcPath() { return stateDir.resolve("lxc"); }

    public Path lockDir() { return stateDir.resolve("lock"); }

    public Path defaultStorageDir() { return stateDir.resolve("storage/local"); }

    public Path runDir() { return stateDir.resolve("run"); }
}
