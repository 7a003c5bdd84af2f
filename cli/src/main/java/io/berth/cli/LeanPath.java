package io.berth.cli;

import java.lang.reflect.Field;
import picocli.CommandLine;
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

    /**
     * The command of Main's subcommands named (or aliased) {@code name}: a switch over class literals, so that only the
     * named command's class is loaded. Reading Main's {@code @Command(subcommands)} would load all ~60 command classes
     * and, through their own subcommand lists, ~70 nested ones (berthd kept ~130 classes it never runs: ~0.5 MB of
     * metaspace); {@code LeanPathTest} checks that this switch names exactly Main's subcommands and aliases.
     */
    private static java.util.Optional<Single> single(String name) {
        return java.util.Optional.ofNullable(switch (name) {
            case "storage" -> new Single("storage", StorageCommand.class);
            case "volume" -> new Single("volume", VolumeCommand.class);
            case "rescan" -> new Single("rescan", RescanCommand.class);
            case "resize" -> new Single("resize", ResizeCommand.class);
            case "config" -> new Single("config", ConfigShowCommand.class);
            case "set" -> new Single("set", ConfigSetCommand.class);
            case "pending" -> new Single("pending", ConfigPendingCommand.class);
            case "list" -> new Single("list", ListCommand.class);
            case "daemon" -> new Single("daemon", io.berth.cli.daemon.DaemonCommand.class);
            case "template" -> new Single("template", TemplateCommand.class);
            case "create" -> new Single("create", CreateCommand.class);
            case "backup", "vzdump" -> new Single("backup", BackupCommand.class);
            case "restore" -> new Single("restore", RestoreCommand.class);
            case "start" -> new Single("start", LifecycleCommands.Start.class);
            case "stop" -> new Single("stop", LifecycleCommands.Stop.class);
            case "shutdown" -> new Single("shutdown", LifecycleCommands.Shutdown.class);
            case "reboot" -> new Single("reboot", LifecycleCommands.Reboot.class);
            case "suspend" -> new Single("suspend", LifecycleCommands.Suspend.class);
            case "resume" -> new Single("resume", LifecycleCommands.Resume.class);
            case "destroy" -> new Single("destroy", LifecycleCommands.Destroy.class);
            case "enter" -> new Single("enter", LifecycleCommands.Enter.class);
            case "startall" -> new Single("startall", BootCommands.StartAll.class);
            case "stopall" -> new Single("stopall", BootCommands.StopAll.class);
            case "exec" -> new Single("exec", LifecycleCommands.Exec.class);
            case "console" -> new Single("console", LifecycleCommands.Console.class);
            case "status" -> new Single("status", StatusCommand.class);
            case "snapshot" -> new Single("snapshot", SnapshotCommands.Create.class);
            case "delsnapshot" -> new Single("delsnapshot", SnapshotCommands.Delete.class);
            case "rollback" -> new Single("rollback", SnapshotCommands.Rollback.class);
            case "listsnapshot" -> new Single("listsnapshot", SnapshotCommands.ListSnapshots.class);
            case "clone" -> new Single("clone", CloneCommands.Clone.class);
            case "move-volume", "move_volume" -> new Single("move-volume", CloneCommands.MoveVolume.class);
            case "mount" -> new Single("mount", CtToolCommands.Mount.class);
            case "unmount" -> new Single("unmount", CtToolCommands.Unmount.class);
            case "push" -> new Single("push", CtToolCommands.Push.class);
            case "pull" -> new Single("pull", CtToolCommands.Pull.class);
            case "df" -> new Single("df", CtToolCommands.Df.class);
            case "fsck" -> new Single("fsck", CtToolCommands.Fsck.class);
            case "fstrim" -> new Single("fstrim", CtToolCommands.Fstrim.class);
            case "unlock" -> new Single("unlock", UnlockCommand.class);
            case "task" -> new Single("task", TaskCommand.class);
            case "hook" -> new Single("hook", LxcHookCommand.class);
            case "aot-train" -> new Single("aot-train", AotTrainCommand.class);
            case "api" -> new Single("api", ApiCommand.class);
            case "user" -> new Single("user", AccessCommands.User.class);
            case "token" -> new Single("token", AccessCommands.Token.class);
            case "group" -> new Single("group", AccessCommands.Group.class);
            case "role" -> new Single("role", AccessCommands.Role.class);
            case "acl" -> new Single("acl", AccessCommands.Acl.class);
            case "pool" -> new Single("pool", AccessCommands.Pool.class);
            case "guest-setup" -> new Single("guest-setup", GuestSetupCommand.class);
            case "cluster" -> new Single("cluster", io.berth.cluster.ClusterCommand.class);
            case "migrate" -> new Single("migrate", MigrateCommand.class);
            case "ha" -> new Single("ha", HaCommand.class);
            default -> null;
        });
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
        CommandSpec spec = CommandSpec.wrapWithoutInspection(main);
        spec.name(Main.NAME);
        spec.usageMessage().description(Main.DESCRIPTION);
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
