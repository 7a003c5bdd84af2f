package io.berth.cli;

import java.lang.reflect.Field;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.IGetter;
import picocli.CommandLine.Model.ISetter;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/**
 * Which command tree {@link Main#main} builds. Building the picocli model of every command is most of a cold
 * start (picocli reflects over ~30 command classes and the hundreds of {@code set} options), so {@code --version}
 * and LXC's {@code hook} calls skip picocli entirely, and a named command gets a tree with only that command under
 * the {@code berth} root. Help, unknown commands and {@code berth help} (which lists its siblings) get the full
 * tree, so the lean paths never change what a command accepts or prints.
 */
sealed interface LeanPath {
    record Version() implements LeanPath {}

    record Hook() implements LeanPath {}

    /** Only {@code command}, registered as {@code name}, under the root. */
    record Single(String name, Class<?> command) implements LeanPath {}

    record Full() implements LeanPath {}

    static LeanPath of(String[] args) {
        int i = 0;
        // only the global --root may precede the command, as bin/berth and the rendered hook command pass it
        while (i < args.length && (args[i].equals("--root") || args[i].startsWith("--root="))) {
            i += args[i].equals("--root") ? 2 : 1;
        }
        if (i >= args.length) return new Full();
        String first = args[i];
        if ((first.equals("--version") || first.equals("-V")) && i == args.length - 1) return new Version();
        if (first.equals("hook")) {
            for (int j = i + 1; j < args.length; j++) {
                if (args[j].startsWith("-")) return new Full();
            }
            return new Hook();
        }
        if (first.startsWith("-") || first.equals("help")) return new Full();
        return single(first).map(LeanPath.class::cast).orElse(new Full());
    }

    /** The command of Main's subcommands named (or aliased) {@code name}. */
    private static java.util.Optional<Single> single(String name) {
        return java.util.Optional.ofNullable(Commands.BY_NAME.get(name));
    }

    /**
     * Main's subcommands by name and alias, read from the annotations once: berthd looks a command up per request,
     * and walking the annotations each time (interpreted, in a daemon that compiles late) was a measurable part of a
     * short command. A holder class, so that a cold JVM reads them only on the paths that need them.
     */
    final class Commands {
        static final java.util.Map<String, Single> BY_NAME = byName();

        private Commands() {}

        private static java.util.Map<String, Single> byName() {
            java.util.Map<String, Single> m = new java.util.HashMap<>();
            for (Class<?> c : Main.class.getAnnotation(Command.class).subcommands()) {
                Command a = c.getAnnotation(Command.class);
                if (a == null) continue;
                // in Main's order, name before aliases: the first match wins, as a walk in that order would find
                m.putIfAbsent(a.name(), new Single(a.name(), c));
                for (String alias : a.aliases()) m.putIfAbsent(alias, new Single(a.name(), c));
            }
            return java.util.Map.copyOf(m);
        }
    }

    /**
     * The tree for {@code args} (berthd builds one per request, so this is per-request cost there too): the root
     * alone for {@code --version}, the root with the single named command (also {@code hook}), else the full tree.
     */
    static CommandLine commandLine(String[] args) {
        return UsageErrors.configure(switch (of(args)) {
            case Single s -> tree(java.util.Optional.of(s));
            case Version v -> tree(java.util.Optional.empty());
            case Hook h -> single("hook").map(s -> tree(java.util.Optional.of(s))).orElseGet(Main::commandLine);
            case Full f -> Main.commandLine();
        });
    }

    /** The root as Main's annotations declare it (name, description, --root, -h/-V) with at most one subcommand. */
    private static CommandLine tree(java.util.Optional<Single> one) {
        Main main = new Main();
        Command a = Main.class.getAnnotation(Command.class);
        CommandSpec spec = CommandSpec.wrapWithoutInspection(main);
        spec.name(a.name());
        spec.usageMessage().description(a.description());
        spec.versionProvider(new Main.Version());
        spec.mixinStandardHelpOptions(true);
        Option o;
        try {
            Field f = Main.class.getDeclaredField("root");
            o = f.getAnnotation(Option.class);
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException("Main has no --root field", e);
        }
        spec.addOption(OptionSpec.builder(o.names()).paramLabel(o.paramLabel()).description(o.description())
                .type(String.class).scopeType(o.scope())
                .getter(new IGetter() {
                    @SuppressWarnings("unchecked") @Override public <T> T get() { return (T) main.root; }
                })
                .setter(new ISetter() {
                    @SuppressWarnings("unchecked") @Override public <T> T set(T value) {
                        T old = (T) main.root;
                        main.root = (String) value;
                        return old;
                    }
                }).build());
        if (one.isPresent()) {
            // picocli runs model transformers (e.g. set's generated key options) after the tree is complete, so the
            // inherited --root comes before the generated options; do the same to keep the usage text identical
            CommandSpec sub = CommandSpec.forAnnotatedObject(one.get().command());
            CommandLine.IModelTransformer transformer = sub.modelTransformer();
            sub.modelTransformer(null);
            spec.addSubcommand(one.get().name(), sub);
            if (transformer != null && transformer.transform(sub) != sub) return Main.commandLine();
        }
        return new CommandLine(spec);
    }
}
