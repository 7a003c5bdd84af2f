package io.berth.cli;

import io.berth.ct.ContainerService;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The lifecycle commands: thin wrappers over {@link ContainerService}. */
public final class LifecycleCommands {
    private LifecycleCommands() {}

    public abstract static class VmidCommand implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Parameters(index = "0", paramLabel = "VMID", description = "The container id.", converter = VmidConverter.class)
        int vmid;

        ContainerService service() { return CtCli.service(spec); }
    }

    public abstract static class LockedCommand extends VmidCommand {
        @Option(names = "--skiplock", description = "Ignore the config's 'lock' value.")
        boolean skiplock;
    }

    @Command(name = "start", mixinStandardHelpOptions = true, description = "Start a container.")
    public static final class Start extends LockedCommand {
        @Option(names = "--debug", description = "Log at DEBUG level and print LXC's log.")
        boolean debug;

        @Override public Integer call() {
            return CliErrors.run(spec, () -> {
                // BERTH_PHASES=1: where the time went, on stderr (bench/run.sh's per-phase breakdown of start)
                boolean phases = io.berth.cli.daemon.ClientContext.current().getenv("BERTH_PHASES").filter("1"::equals).isPresent();
                var rec = phases ? io.berth.ct.phases.Phases.record(io.berth.cli.daemon.ClientContext.current().receivedNs(), () -> service().start(vmid, skiplock, debug))
                        : new io.berth.ct.phases.Phases.Recorded<>(service().start(vmid, skiplock, debug), java.util.List.of());
                for (String w : rec.result().warnings()) System.err.println("WARN: " + w);
                if (phases) System.err.println("berth-phases: " + rec.line());
                return 0;
            });
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true,
            description = "Stop a container immediately (kills its init); returns when it is completely gone.")
    public static final class Stop extends LockedCommand {
        @Option(names = "--overrule-shutdown", arity = "0..1", fallbackValue = "1", converter = PveBool.class, parameterConsumer = PveBool.Consumer.class,
                description = "Abort a shutdown in progress (it holds the container's lock) by stopping the container now.")
        boolean overruleShutdown;

        @Override public Integer call() {
            return CliErrors.run(spec, () -> {
                // BERTH_PHASES=1: where the time went, on stderr (bench/run.sh --phases-only)
                var client = io.berth.cli.daemon.ClientContext.current();
                if (client.getenv("BERTH_PHASES").filter("1"::equals).isPresent()) {
                    var rec = io.berth.ct.phases.Phases.record(client.receivedNs(), () -> {
                        service().stop(vmid, skiplock, overruleShutdown);
                        return 0;
                    });
                    System.err.println("berth-phases: " + rec.line());
                } else {
                    service().stop(vmid, skiplock, overruleShutdown);
                }
                return 0;
            });
        }
    }

    @Command(name = "shutdown", mixinStandardHelpOptions = true, description = "Shut a container down cleanly.")
    public static final class Shutdown extends LockedCommand {
        @Option(names = "--timeout", description = "Seconds to wait (default ${DEFAULT-VALUE}).", defaultValue = "60")
        int timeout;

        @Option(names = {"--forceStop", "--force-stop"}, arity = "0..1", fallbackValue = "1", converter = PveBool.class, parameterConsumer = PveBool.Consumer.class,
                description = "Kill the container when the timeout passes (pct: --forceStop 1).")
        boolean forceStop;

        @Override public Integer call() {
            return CliErrors.run(spec, () -> {
                service().shutdown(vmid, timeout, forceStop, skiplock);
                return 0;
            });
        }
    }

    @Command(name = "reboot", mixinStandardHelpOptions = true, description = "Shut down (killing after the timeout) and start again.")
    public static final class Reboot extends LockedCommand {
        @Option(names = "--timeout", description = "Seconds to wait for the shutdown (default ${DEFAULT-VALUE}).", defaultValue = "60")
        int timeout;

        @Override public Integer call() {
            return CliErrors.run(spec, () -> {
                for (String w : service().reboot(vmid, timeout, skiplock).warnings()) System.err.println("WARN: " + w);
                return 0;
            });
        }
    }

    @Command(name = "suspend", mixinStandardHelpOptions = true, description = "Freeze all processes of a container.")
    public static final class Suspend extends LockedCommand {
        @Override public Integer call() {
            return CliErrors.run(spec, () -> {
                service().suspend(vmid, skiplock);
                return 0;
            });
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true, description = "Thaw a suspended container.")
    public static final class Resume extends LockedCommand {
        @Override public Integer call() {
            return CliErrors.run(spec, () -> {
                service().resume(vmid, skiplock);
                return 0;
            });
        }
    }

    @Command(name = "destroy", mixinStandardHelpOptions = true,
            description = "Remove a stopped container: its volumes and its config.")
    public static final class Destroy extends LockedCommand {
        @Option(names = "--purge", description = "Also remove the container from other Berth state (e.g. backup jobs, start order).")
        boolean purge;

        @Option(names = "--force", arity = "0..1", fallbackValue = "1", converter = PveBool.class, parameterConsumer = PveBool.Consumer.class,
                description = "Stop the container first if it is running.")
        boolean force;

        @Option(names = "--destroy-unreferenced-disks", arity = "0..1", fallbackValue = "1", converter = PveBool.class, parameterConsumer = PveBool.Consumer.class, description = "Also free every volume owned by this id on any enabled"
                + " storage that the config does not name.")
        boolean destroyUnreferenced;

        @Override public Integer call() {
            return CliErrors.run(spec, () -> {
                service().destroy(vmid, purge, skiplock, force, destroyUnreferenced);
                return 0;
            });
        }
    }

    @Command(name = "enter", mixinStandardHelpOptions = true, description = "Open a shell inside a running container.")
    public static final class Enter extends VmidCommand {
        @Option(names = "--keep-env", arity = "0..1", fallbackValue = "1", converter = PveBool.class, parameterConsumer = PveBool.Consumer.class, defaultValue = "1",
                description = "Pass the caller's environment in (default 1, as pct). With --keep-env 0 it is cleared"
                        + " (TERM kept, HOME and PATH set).")
        boolean keepEnv = true;

        @Override public Integer call() {
            return CliErrors.run(spec, () -> interactive(service().attachCommand(vmid, List.of(), keepEnv)));
        }
    }

    @Command(name = "exec", mixinStandardHelpOptions = true,
            description = "Run a command inside a running container; its exit code is returned.")
    public static final class Exec extends VmidCommand {
        @Parameters(index = "1..*", paramLabel = "CMD", arity = "1..*", description = "The command and its arguments (after --).")
        List<String> command;

        @Option(names = "--keep-env", arity = "0..1", fallbackValue = "1", converter = PveBool.class, parameterConsumer = PveBool.Consumer.class, defaultValue = "1",
                description = "Pass the caller's environment in (default 1, as pct). With --keep-env 0 it is cleared"
                        + " (TERM kept, HOME and PATH set).")
        boolean keepEnv = true;

        @Override public Integer call() {
            return CliErrors.run(spec, () -> {
                // BERTH_PHASES=1: berthd's part of an exec, on stderr (the client adds its own line; bench/run.sh)
                var client = io.berth.cli.daemon.ClientContext.current();
                if (client.getenv("BERTH_PHASES").filter("1"::equals).isPresent()) {
                    var rec = io.berth.ct.phases.Phases.record(client.receivedNs(), () -> service().attachCommand(vmid, command, keepEnv));
                    System.err.println("berth-phases: " + rec.line());
                    return interactive(rec.result());
                }
                return interactive(service().attachCommand(vmid, command, keepEnv));
            });
        }
    }

    /**
     * berthd's exec without picocli's parse for its plain form, {@code [--root DIR|--root=DIR] exec VMID -- CMD...}
     * (what scripts and the bench run): on {@code tree}, a kept tree of exec ({@link CommandTrees}), it sets exactly
     * what picocli's parse of that form sets (the root, the VMID through the same check, the command, the option's
     * default) and returns the command to {@code call()}; empty for any other form, or a VMID picocli would refuse,
     * which picocli then parses and reports. picocli's parse was about a third of berthd's work for an exec (~0.7 ms
     * while interpreted, as berthd's code stays until it ran a thousand times).
     */
    static java.util.Optional<Exec> plainExec(picocli.CommandLine tree, String[] args) {
        int i = rootArgs(args);
        if (args.length - i < 4 || !args[i].equals("exec") || !args[i + 2].equals("--")) return java.util.Optional.empty();
        if (!(plainVmidCommand(tree, args, i, "exec") instanceof Exec exec)) return java.util.Optional.empty();
        exec.command = new java.util.ArrayList<>(List.of(args).subList(i + 3, args.length));
        return java.util.Optional.of(exec);
    }

    /**
     * {@link #plainExec} for start and stop: the form {@code [--root DIR|--root=DIR] start|stop VMID} and nothing
     * else (what scripts, the bench and the web's CLI users run) skips picocli's parse, which was ~1 ms of an
     * interpreted berthd's start; every option gets the value a parse without it gives. Any other form, or a VMID
     * picocli would refuse, is empty and parsed by picocli as before.
     */
    static java.util.Optional<java.util.function.IntSupplier> plainStartStop(picocli.CommandLine tree, String[] args) {
        int i = rootArgs(args);
        if (args.length - i != 2) return java.util.Optional.empty();
        return switch (plainVmidCommand(tree, args, i, args[i])) {
            case Start start when args[i].equals("start") -> java.util.Optional.of(start::call);
            case Stop stop when args[i].equals("stop") -> java.util.Optional.of(stop::call);
            case null, default -> java.util.Optional.empty();
        };
    }

    /** How many leading arguments are the global {@code --root DIR} or {@code --root=DIR} (0, 1 or 2). */
    private static int rootArgs(String[] args) {
        if (args.length > 1 && args[0].equals("--root")) return 2;
        return args.length > 0 && args[0].startsWith("--root=") ? 1 : 0;
    }

    /**
     * The kept tree's {@code name} subcommand with the root and the VMID (args[i + 1], through picocli's check) of
     * this request set, as a parse sets them; null when the VMID is one picocli would refuse or the tree has no such
     * command.
     */
    private static VmidCommand plainVmidCommand(picocli.CommandLine tree, String[] args, int i, String name) {
        int vmid;
        try {
            vmid = io.berth.config.Vmid.parse(args[i + 1]);
        } catch (RuntimeException e) {
            return null;
        }
        picocli.CommandLine sub = tree.getSubcommands().get(name);
        if (sub == null || !(sub.getCommand() instanceof VmidCommand cmd) || !unsetOptions(sub)) return null;
        Main main = tree.getCommand();
        main.root = i == 2 ? args[1] : i == 1 ? args[0].substring("--root=".length()) : null;
        cmd.vmid = vmid;
        return cmd;
    }

    /**
     * Gives every option of {@code sub} the value a parse without it gives, from picocli's own model (so an option
     * added later is covered too): its default converted by its converter, else its initial value. False when a
     * default has no single converter to go through; picocli then parses the request.
     */
    private static boolean unsetOptions(picocli.CommandLine sub) {
        for (picocli.CommandLine.Model.OptionSpec o : sub.getCommandSpec().options()) {
            if (o.usageHelp() || o.versionHelp()) continue;
            if (o.defaultValue() == null) {
                o.setValue(o.initialValue());
                continue;
            }
            var converters = o.converters();
            if (converters == null || converters.length != 1) return false;
            try {
                o.setValue(converters[0].convert(o.defaultValue()));
            } catch (Exception e) {
                return false;
            }
        }
        return true;
    }

    @Command(name = "console", mixinStandardHelpOptions = true, description = "Attach to a container's console (Ctrl+a q to leave).")
    public static final class Console extends VmidCommand {
        @Option(names = "--escape", paramLabel = "PREFIX", description = "Escape sequence prefix, e.g. '^b' for <Ctrl+b q>;"
                + " -1 disables it. The config's cmode decides what is attached: tty (default), console or shell.")
        String escape;

        @Override public Integer call() {
            return CliErrors.run(spec, () -> interactive(service().consoleCommand(vmid, java.util.Optional.ofNullable(escape))));
        }
    }

    /** Runs a command on the caller's terminal (ours, or the berthd client's) and returns its exit code. */
    static int interactive(List<String> cmd) throws Exception {
        return io.berth.cli.daemon.ClientContext.current().terminal().runAttached(cmd);
    }
}
