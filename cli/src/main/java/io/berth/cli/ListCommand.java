package io.berth.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code berth list}: every container with its run state and figures (one line each). */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List all containers with status and resource use.")
public final class ListCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--output", description = "Output format; allowed: text, json (default ${DEFAULT-VALUE}).", defaultValue = "text")
    String output;

    @Override public Integer call() {
        return CliErrors.run(spec, () -> StatusCommand.print(spec, CtCli.service(spec).list(), output, false));
    }
}
