package io.berth.cli;

import io.berth.config.BerthRoots;
import io.berth.ct.ContainerService;
import java.util.concurrent.ConcurrentHashMap;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** How the container commands reach the service: the global {@code --root} option of {@code berth}. */
final class CtCli {
    private CtCli() {}

    static BerthRoots roots(CommandSpec spec) {
        OptionSpec root = spec.findOption("--root");
        Object v = root == null ? null : root.getValue();
        if (v == null && spec.root().findOption("--root") != null) v = spec.root().findOption("--root").getValue();
        return BerthRoots.resolve(v == null ? null : v.toString());
    }

    /**
     * berthd keeps one service per root for its whole life, so its caches (storages, the status reader's cpu
     * history) survive between requests; a command in its own JVM makes one for itself.
     */
    private static final ConcurrentHashMap<BerthRoots, ContainerService> SHARED = new ConcurrentHashMap<>();
    private static volatile boolean shared;

    static void shareServices() {
        shared = true;
    }

    static ContainerService service(CommandSpec spec) {
        BerthRoots roots = roots(spec);
        return shared ? SHARED.computeIfAbsent(roots, ContainerService::new) : new ContainerService(roots);
    }
}
