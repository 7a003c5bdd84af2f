package io.berth.cli;

import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * How every command line reports a usage mistake: one {@code error:} line and a pointer to {@code --help}
 * (exit 2), instead of picocli's default of the whole usage text (80 lines for {@code set}); and an unknown
 * command is an error even with {@code --help} after it.
 */
final class UsageErrors {
    private UsageErrors() {}

    static CommandLine configure(CommandLine cl) {
        cl.setParameterExceptionHandler(UsageErrors::handle);
        // commands of other modules (berth cluster) throw Berth's error kinds: the same lines and exit codes
        cl.setExecutionExceptionHandler((e, sub, pr) -> CliErrors.report(sub.getCommandSpec(), e));
        cl.setExecutionStrategy(pr -> {
            if (!pr.unmatched().isEmpty() && pr.subcommand() == null && (pr.isUsageHelpRequested() || pr.isVersionHelpRequested())) {
                // `berth UNKNOWN --help`: picocli would print the root usage and exit 0
                PrintWriter err = cl.getErr();
                err.println("error: unknown command '" + pr.unmatched().getFirst() + "'");
                err.println("Try 'berth --help' for the list of commands.");
                err.flush();
                return CliErrors.EXIT_INVALID;
            }
            return new CommandLine.RunLast().execute(pr);
        });
        return cl;
    }

    private static int handle(CommandLine.ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        PrintWriter err = cl.getErr();
        err.println("error: " + e.getMessage());
        if (e instanceof CommandLine.UnmatchedArgumentException u) {
            var suggestions = u.getSuggestions();
            if (!suggestions.isEmpty()) err.println("Did you mean: " + String.join(", ", suggestions.subList(0, Math.min(3, suggestions.size()))) + "?");
        }
        err.println("Try '" + cl.getCommandSpec().qualifiedName() + " --help' for more information.");
        err.flush();
        return CliErrors.EXIT_INVALID;
    }
}
