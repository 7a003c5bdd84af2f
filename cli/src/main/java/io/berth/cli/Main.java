package io.berth.cli;

import io.berth.config.BerthRoots;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** Entry point of the {@code berth} command. */
@Command(name = Main.NAME, mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = Main.DESCRIPTION,
        subcommands = {ConfigHelpCommand.class, StorageCommand.class, VolumeCommand.class, RescanCommand.class, ResizeCommand.class, ConfigShowCommand.class, ConfigSetCommand.class, ConfigPendingCommand.class,
                ListCommand.class, io.berth.cli.daemon.DaemonCommand.class,
                TemplateCommand.class, CreateCommand.class, BackupCommand.class, RestoreCommand.class, LifecycleCommands.Start.class, LifecycleCommands.Stop.class,
                LifecycleCommands.Shutdown.class, LifecycleCommands.Reboot.class, LifecycleCommands.Suspend.class,
                LifecycleCommands.Resume.class, LifecycleCommands.Destroy.class, LifecycleCommands.Enter.class,
                BootCommands.StartAll.class, BootCommands.StopAll.class,
                LifecycleCommands.Exec.class, LifecycleCommands.Console.class, StatusCommand.class,
                SnapshotCommands.Create.class, SnapshotCommands.Delete.class, SnapshotCommands.Rollback.class, SnapshotCommands.ListSnapshots.class,
                CloneCommands.Clone.class, CloneCommands.MoveVolume.class,
                CtToolCommands.Mount.class, CtToolCommands.Unmount.class, CtToolCommands.Push.class, CtToolCommands.Pull.class,
                CtToolCommands.Df.class, CtToolCommands.Fsck.class, CtToolCommands.Fstrim.class, UnlockCommand.class, TaskCommand.class, LxcHookCommand.class, AotTrainCommand.class,
                ApiCommand.class, AccessCommands.User.class, AccessCommands.Token.class, AccessCommands.Group.class, AccessCommands.Role.class,
                AccessCommands.Acl.class, AccessCommands.Pool.class, GuestSetupCommand.class, io.berth.cluster.ClusterCommand.class,
                MigrateCommand.class, HaCommand.class})
public final class Main implements Runnable {
    // constants, so that LeanPath's trees need not read this annotation (which loads every command class)
    static final String NAME = "berth";
    static final String DESCRIPTION = "Berth: a system-container manager for LXC.";

    static {
        // Every CommandLine registers picocli's reflective converters for java.time and java.sql: Class.forName and
        // getMethod("parse") over LocalDate, ZonedDateTime... load ~100 classes (DateTimeFormatter's builders among
        // them) that berthd keeps for its life (~1 MB idle). No option of berth has such a type (one would fail
        // with picocli's "No TypeConverter registered" at its first parse).
        if (System.getProperty("picocli.converters.excludes") == null) {
            System.setProperty("picocli.converters.excludes", "java\\.time\\..*,java\\.sql\\..*");
        }
    }

    @Option(names = "--root", scope = ScopeType.INHERIT, paramLabel = "DIR",
            description = "Keep config under DIR/etc and state under DIR/var instead of /etc/berth and /var/lib/berth "
                    + "(default: $BERTH_ROOT).")
    String root;

    /** The roots selected by {@code --root} / {@code BERTH_ROOT}; subcommands reach it through @ParentCommand. */
    public BerthRoots roots() {
        return BerthRoots.resolve(root);
    }

    @Override public void run() {
        new CommandLine(this).usage(System.out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"berth " + (v == null ? "0.1.0-SNAPSHOT" : v)};
        }
    }

    /** For berthd: every command of this JVM shares one service per root (see {@code CtCli.service}). */
    public static void shareServices() {
        CtCli.shareServices();
    }

    public static CommandLine commandLine() {
        return UsageErrors.configure(new CommandLine(new Main()));
    }

    public static void main(String[] args) {
        switch (LeanPath.of(args)) {
            case LeanPath.Version v -> {
                System.out.println(new Version().getVersion()[0]);
                System.exit(0);
            }
            // LXC runs the hook several times per start: skip building the picocli model of every command
            case LeanPath.Hook h -> io.berth.ct.hook.HookMain.main(args);
            case LeanPath.Single one -> System.exit(commandLine(args).execute(args));
            case LeanPath.Full f -> System.exit(commandLine().execute(args));
        }
    }

    /** berthd: runs one command line, on command trees kept between requests ({@link CommandTrees}); the exit code. */
    public static int execute(String[] args, java.io.PrintWriter out, java.io.PrintWriter err) {
        return CommandTrees.execute(args, out, err);
    }

    /** The command tree for {@code args}: only the named command under the root when that is enough (see {@link LeanPath}). */
    public static CommandLine commandLine(String[] args) {
        return LeanPath.commandLine(args);
    }
}
