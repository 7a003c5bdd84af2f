package io.berth.cli;

import io.berth.config.ConfigKey;
import io.berth.config.Schema;
import java.io.PrintWriter;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code berth help [KEY|COMMAND|keys]}: help for a config key, falling back to a command's usage. */
@Command(name = "help", helpCommand = true,
        description = {"Show help for a config key (e.g. 'berth help mp0', 'berth help memory') or a command.",
                "'berth help keys' lists all config keys."})
public final class ConfigHelpCommand implements CommandLine.IHelpCommandInitializable2, Runnable {
    @Parameters(paramLabel = "KEY|COMMAND", arity = "0..1", description = "A config key, 'keys', or a command name.")
    String topic;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean helpRequested;

    private CommandLine self;
    private CommandLine.Help.ColorScheme colors;
    private PrintWriter out;
    private PrintWriter err;

    @Override public void init(CommandLine helpCommandLine, CommandLine.Help.ColorScheme colorScheme, PrintWriter outWriter,
                               PrintWriter errWriter) {
        this.self = helpCommandLine;
        this.colors = colorScheme;
        this.out = outWriter;
        this.err = errWriter;
    }

    @Override public void run() {
        CommandLine parent = self.getParent() == null ? self : self.getParent();
        if (topic == null) {
            parent.usage(out, colors);
        } else if (topic.equals("keys")) {
            for (ConfigKey k : Schema.KEYS) out.printf("%-14s %s%n", k.displayName(), k.description());
        } else if (keyOf(topic).isPresent()) {
            out.print(describe(keyOf(topic).get()));
        } else if (parent.getSubcommands().containsKey(topic)) {
            parent.getSubcommands().get(topic).usage(out, colors);
        } else {
            err.println("error: '" + topic + "' is neither a config key nor a command; commands: "
                    + parent.getSubcommands().keySet() + "; 'berth help keys' lists the config keys");
            err.flush();
            throw new CommandLine.ParameterException(self, "unknown help topic '" + topic + "'");
        }
        out.flush();
    }

    /** {@code mp0}, {@code mp}, {@code mp[n]} and {@code memory} all name a key declaration. */
    static Optional<ConfigKey> keyOf(String topic) {
        String t = topic.endsWith("[n]") ? topic.substring(0, topic.length() - 3) : topic;
        Optional<ConfigKey> k = Schema.lookup(t);
        if (k.isPresent()) return k;
        return Schema.KEYS.stream().filter(x -> x.indexed() && x.name().equals(t)).findFirst();
    }

    static String describe(ConfigKey k) {
        StringBuilder sb = new StringBuilder();
        sb.append(k.displayName());
        if (k.indexed()) sb.append("  (").append(k.name()).append("0..").append(k.name()).append(k.maxIndex()).append(')');
        sb.append('\n');
        sb.append("  ").append(k.description()).append('\n');
        sb.append("  type:    ").append(k.format().typeName()).append('\n');
        sb.append("  allowed: ").append(k.format().allowed()).append('\n');
        k.defaultValue().ifPresent(d -> sb.append("  default: ").append(d).append('\n'));
        sb.append("  applies: ").append(switch (k.apply()) {
            case METADATA -> "immediately (metadata only)";
            case HOTPLUG -> "live on a running container (hotplug)";
            case RESTART -> "at the next start (kept pending while running)";
        }).append('\n');
        return sb.toString();
    }
}
