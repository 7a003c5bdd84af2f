package io.berth.cli;

import io.berth.config.BerthRoots;
import io.berth.ct.ContainerService;
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

    static ContainerService service(CommandSpec spec) {
        return new ContainerService(roots(spec));
    }
}
