package io.berth.cli;

import io.berth.config.BerthRoots;
import io.berth.config.ConfigException;
import io.berth.ct.ContainerService;
import io.berth.ct.CtException;
import io.berth.mount.MountException;
import io.berth.storage.StorageException;
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

    /** What a command does; its int is the exit code. */
    @FunctionalInterface
    interface Action {
        int run() throws Exception;
    }

    /** Runs {@code action}, turning refusals and failures into a message on stderr and a non-zero exit code. */
    static int guard(Action action) {
        try {
            return action.run();
        } catch (CtException e) {
            System.err.println(e.getMessage());
            return e.exitCode();
        } catch (ConfigException | StorageException | MountException | IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return 1;
        } catch (Exception e) {
            System.err.println("error: " + e);
            return 1;
        }
    }

    static ContainerService service(CommandSpec spec) {
        return new ContainerService(roots(spec));
    }
}
