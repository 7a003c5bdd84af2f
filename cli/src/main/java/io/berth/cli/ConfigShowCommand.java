package io.berth.cli;

import io.berth.config.Vmid;
import io.berth.config.ConfigFile;
import io.berth.config.ConfigPrinter;
import io.berth.config.ConfigStore;
import io.berth.config.ContainerConfig;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code berth config <vmid>}: the config as it will be with pending changes applied, or {@code --current}. */
@Command(name = "config", mixinStandardHelpOptions = true,
        description = {"Show a container's configuration.",
                "By default pending changes are shown as applied; --current shows the values in effect now."})
public final class ConfigShowCommand implements Callable<Integer> {
    @ParentCommand Main main;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "VMID", description = "Container id (100..999999999).")
    String vmid;

    @Option(names = "--current", description = "Show the current values instead of the pending ones.")
    boolean current;

    @Option(names = "--snapshot", paramLabel = "NAME", description = "Show the config of this snapshot.")
    String snapshot;

    @Override public Integer call() {
        try {
            int id = Vmid.parse(vmid);
            io.berth.config.ParsedConfig read = new ConfigStore(main.roots()).read(id);
            for (io.berth.config.ConfigError w : read.warnings()) spec.commandLine().getErr().println("warning: " + w);
            ConfigFile f = read.config();
            ContainerConfig c;
            if (snapshot != null) {
                c = f.snapshots().get(snapshot);
                if (c == null) throw new io.berth.error.NotFoundException("snapshot '" + snapshot + "' of container " + id
                        + " does not exist; snapshots: " + f.snapshots().keySet());
            } else {
                c = current ? f.main() : f.withPendingApplied();
            }
            spec.commandLine().getOut().print(ConfigPrinter.printSection(c));
            // as pct config: the digest to pass to set --digest
            if (snapshot == null) spec.commandLine().getOut().println("digest: " + read.digest());
            spec.commandLine().getOut().flush();
            return 0;
        } catch (RuntimeException e) {
            return CliErrors.report(spec, e);
        }
    }
}
