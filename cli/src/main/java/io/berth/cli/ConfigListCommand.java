package io.berth.cli;

import io.berth.config.BerthRoots;
import io.berth.config.ConfigException;
import io.berth.config.ConfigStore;
import io.berth.config.ContainerConfig;
import io.berth.config.NoSuchContainerException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code berth list}: the defined containers from their configs (status comes from the runtime layer). */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List the defined containers.")
public final class ConfigListCommand implements Callable<Integer> {
    @ParentCommand Main main;
    @Spec CommandSpec spec;

    @Override public Integer call() {
        BerthRoots roots = main.roots();
        ConfigStore store = new ConfigStore(roots);
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%-10s %-10s %-12s %s%n", "VMID", "Status", "Lock", "Name");
        int rc = 0;
        for (int vmid : store.list()) {
            try {
                ContainerConfig c = store.load(vmid).main();
                out.printf("%-10d %-10s %-12s %s%n", vmid, "-", c.lock().orElse(""), c.hostname().orElse("CT" + vmid));
            } catch (ConfigException | NoSuchContainerException e) {
                // one broken config must not hide the others
                out.printf("%-10d %-10s %-12s %s%n", vmid, "invalid", "", "");
                spec.commandLine().getErr().println("error: " + e.getMessage().lines().findFirst().orElse(""));
                rc = ConfigCli.EXIT_INVALID;
            }
        }
        out.flush();
        spec.commandLine().getErr().flush();
        return rc;
    }
}
