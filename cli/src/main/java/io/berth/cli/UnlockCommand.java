package io.berth.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code berth unlock VMID}: removes the config's {@code lock:} value left by an interrupted operation (pct unlock). */
@Command(name = "unlock", mixinStandardHelpOptions = true,
        description = {"Remove the lock value (backup, snapshot, create, ...) from a container's config.",
                "Use it only when the operation that set it is no longer running (e.g. it was killed)."})
public final class UnlockCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "VMID", description = "The container id.", converter = VmidConverter.class)
    int vmid;

    @Override public Integer call() {
        return CliErrors.run(spec, () -> {
            CtCli.service(spec).unlock(vmid);
            return 0;
        });
    }
}
