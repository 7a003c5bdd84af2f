package io.berth.cli;

import io.berth.config.ConfigDigest;
import io.berth.config.Vmid;
import io.berth.config.ConfigChanges;
import io.berth.config.ConfigKey;
import io.berth.config.Schema;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Stack;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code berth set <vmid> --KEY VALUE ... [--delete k1,k2]}: validates and writes the config (offline). One
 * option per schema key is generated from {@link Schema}, so the schema stays the single declaration.
 */
@Command(name = "set", mixinStandardHelpOptions = true, modelTransformer = ConfigSetCommand.KeyOptions.class,
        preprocessor = ConfigSetCommand.IndexedKeys.class,
        sortOptions = false,
        description = {"Set or delete container configuration keys.",
                "Every config key is an option: --memory 1024, --mp0 /srv/data,mp=/data. Indexed keys exist as "
                        + "--mp0..--mp255, --net0..--net31, --dev0..--dev255, --unused0..--unused255. "
                        + "See 'berth help KEY' for a key's format."})
public final class ConfigSetCommand implements Callable<Integer> {
    @ParentCommand Main main;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "VMID", description = "Container id (100..999999999).")
    String vmid;

    @Option(names = "--skiplock", description = "Ignore the config's lock value.")
    boolean skiplock;

    @Option(names = "--delete", split = ",", paramLabel = "KEY", description = "Keys to delete, comma separated.")
    List<String> delete = new ArrayList<>();

    @Option(names = "--revert", split = ",", paramLabel = "KEY", description = "Pending changes to drop (values and deletions), comma separated.")
    List<String> revert = new ArrayList<>();

    @Option(names = "--digest", paramLabel = "SHA1", description = "Refuse the change (exit 8) if the config's digest is no "
            + "longer this one (as printed by 'berth config'): prevents overwriting a concurrent change.")
    String digest;

    /** Filled by the generated key options, in command-line order. */
    final Map<String, String> values = new LinkedHashMap<>();

    @Override public Integer call() {
        try {
            int id = Vmid.parse(vmid);
            for (String k : revert) {
                if (values.containsKey(k) || delete.contains(k)) {
                    throw new io.berth.error.InvalidInputException("revert", "'" + k + "' is also set or deleted in this command");
                }
            }
            if (values.isEmpty() && delete.isEmpty() && revert.isEmpty()) {
                throw new IllegalArgumentException("nothing to change; give --KEY VALUE options, --delete KEYS or --revert KEYS");
            }
            if (!revert.isEmpty()) CtCli.service(spec).revert(id, revert, skiplock);
            if (values.isEmpty() && delete.isEmpty()) return 0;
            var live = CtCli.service(spec).set(id, values, delete, skiplock, Optional.ofNullable(digest).map(ConfigDigest::parse));
            var out = spec.commandLine().getOut();
            if (live.isPresent()) {
                for (String line : live.get().describe()) out.println(line);
                var failed = live.get().failures();
                failed.forEach((k, why) -> spec.commandLine().getErr().println("error: " + k + " could not be applied to the "
                        + "running container, kept pending: " + why));
                if (!failed.isEmpty()) return 1;
            }
            return 0;
        } catch (RuntimeException e) {
            return CliErrors.report(spec, e);
        }
    }

    /**
     * Adds {@code --KEY} options for every settable plain schema key and for index 0 of indexed families (for usage
     * help); the other indexed keys are taken by {@link IndexedKeys}, since ~800 option specs cost 100s of ms at start-up.
     */
    public static final class KeyOptions implements CommandLine.IModelTransformer {
        @Override public CommandSpec transform(CommandSpec spec) {
            for (ConfigKey k : Schema.KEYS) {
                if (ConfigChanges.SNAPSHOT_KEYS.contains(k.name())) continue;
                {
                    int i = 0;
                    String key = k.indexed() ? k.name() + i : k.name();
                    String descr = k.indexed() ? k.description() + " (also --" + k.name() + "1..--" + k.name() + k.maxIndex() + ")"
                            : k.description();
                    spec.addOption(OptionSpec.builder("--" + key)
                            .paramLabel(k.format().typeName().equals("property string") ? "PROPS" : "VALUE")
                            .arity("1").type(String.class)
                            .description(descr)
                            .setter(new CommandLine.Model.ISetter() {
                                @Override public <T> T set(T value) {
                                    if (value != null && spec.userObject() instanceof ConfigSetCommand c) c.values.put(key, (String) value);
                                    return null;
                                }
                            })
                            .build());
                }
            }
            return spec;
        }
    }

    /**
     * Takes {@code --mpN VALUE} / {@code --mpN=VALUE} for indexed keys that have no option spec of their own. Picocli
     * calls a command-level preprocessor once with all remaining arguments of the command; the ones taken are removed.
     */
    public static final class IndexedKeys implements CommandLine.IParameterPreprocessor {
        @Override public boolean preprocess(Stack<String> args, CommandSpec spec, CommandLine.Model.ArgSpec argSpec,
                                            Map<String, Object> info) {
            if (argSpec != null || !(spec.userObject() instanceof ConfigSetCommand c)) return false;
            List<String> in = new ArrayList<>();
            while (!args.isEmpty()) in.add(args.pop());
            List<String> rest = new ArrayList<>();
            for (int i = 0; i < in.size(); i++) {
                String a = in.get(i);
                if (a.equals("--")) {
                    rest.addAll(in.subList(i, in.size()));
                    break;
                }
                String name = a.startsWith("--") ? a.substring(2) : "";
                int eq = name.indexOf('=');
                String key = eq >= 0 ? name.substring(0, eq) : name;
                Optional<ConfigKey> k = Schema.lookup(key);
                if (key.isEmpty() || spec.findOption("--" + key) != null || k.isEmpty() || !k.get().indexed()) {
                    rest.add(a);
                } else if (eq >= 0) {
                    c.values.put(key, name.substring(eq + 1));
                } else if (i + 1 < in.size()) {
                    c.values.put(key, in.get(++i));
                } else {
                    throw new CommandLine.ParameterException(spec.commandLine(), "option '--" + key + "' needs a value");
                }
            }
            for (int i = rest.size() - 1; i >= 0; i--) args.push(rest.get(i));
            return false;
        }
    }
}
