package io.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import picocli.CommandLine;

/** Every command and subcommand answers --help with its usage (an admin's first question), exit code 0. */
class HelpOptionsTest {

    @Test void everyCommandHasHelp() {
        List<String> missing = new ArrayList<>();
        List<CommandLine> all = new ArrayList<>();
        collect(Main.commandLine(), all);
        assertThat(all).hasSizeGreaterThan(40);
        for (CommandLine c : all) {
            if (c.getCommandSpec().usageMessage().hidden()) continue;
            String path = c.getCommandSpec().qualifiedName(" ");
            if (c.getCommandSpec().optionsMap().get("--help") == null) { missing.add(path + " (no --help option)"); continue; }
            StringWriter out = new StringWriter();
            CommandLine fresh = Main.commandLine();
            fresh.setOut(new PrintWriter(out));
            fresh.setErr(new PrintWriter(new StringWriter()));
            List<String> args = new ArrayList<>(List.of(path.split(" ")).subList(1, path.split(" ").length));
            args.add("--help");
            int rc = fresh.execute(args.toArray(String[]::new));
            if (rc != 0 || !out.toString().startsWith("Usage: " + path)) missing.add(path + " (exit " + rc + ")");
        }
        assertThat(missing).as("commands whose --help does not print their usage").isEmpty();
    }

    private static void collect(CommandLine c, List<CommandLine> into) {
        into.add(c);
        for (CommandLine sub : c.getSubcommands().values()) if (!into.contains(sub)) collect(sub, into);
    }
}
