package io.berth.cli;

import java.io.PrintWriter;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import picocli.CommandLine;

/**
 * How berthd runs a command line: with picocli trees kept between requests. Building a command's model (reflection
 * over its fields and annotations, the standard help options, interpolated names) was a third of berthd's CPU for a
 * {@code status} and two fifths for an {@code exec}, and berthd compiles only code that ran a thousand times, so that
 * work stayed interpreted. picocli resets every option and positional parameter to its initial value at the start of
 * each parse, so a tree whose commands keep all their state in picocli-managed fields can run one request after
 * another: {@link #REUSABLE} lists the commands that do (a command with state of its own, e.g. {@code set}'s map of
 * generated key options, gets a fresh tree per request). A tree serves one request at a time; concurrent requests
 * of one command take other trees, and at most {@link #IDLE_PER_COMMAND} idle ones are kept per command.
 */
final class CommandTrees {
    static final int IDLE_PER_COMMAND = 4;

    /**
     * Commands with no state outside picocli's fields (audited: their fields are all {@code @Option}/{@code @Parameters},
     * {@code @Spec}, {@code @ParentCommand}, or an {@code @Unmatched} list that starts null).
     */
    static final Set<Class<?>> REUSABLE = Set.of(StatusCommand.class, ListCommand.class, ConfigShowCommand.class,
            ConfigPendingCommand.class, LifecycleCommands.Start.class, LifecycleCommands.Stop.class,
            LifecycleCommands.Shutdown.class, LifecycleCommands.Reboot.class, LifecycleCommands.Suspend.class,
            LifecycleCommands.Resume.class, LifecycleCommands.Destroy.class, LifecycleCommands.Enter.class,
            LifecycleCommands.Exec.class, LifecycleCommands.Console.class, CreateCommand.class, LxcHookCommand.class);

    private static final Map<Class<?>, Queue<CommandLine>> IDLE = new ConcurrentHashMap<>();

    private CommandTrees() {}

    /** How many trees of {@code command} are idle (tests). */
    static int idle(Class<?> command) {
        Queue<CommandLine> q = IDLE.get(command);
        return q == null ? 0 : q.size();
    }

    /** Runs {@code args} (the global {@code --root} first, if any) printing to {@code out}/{@code err}; the exit code. */
    static int execute(String[] args, PrintWriter out, PrintWriter err) {
        LeanPath path = LeanPath.of(args);
        if (path instanceof LeanPath.Version) { // as Main.main: no picocli for a bare --version
            out.println(new Main.Version().getVersion()[0]);
            return 0;
        }
        // LXC's hooks too: two per start/stop cycle, during lxc-start/lxc-stop, where a tree built per request was
        // most of berthd's time between the hook's request and its work
        Class<?> command = switch (path) {
            case LeanPath.Single s -> s.command();
            case LeanPath.Hook h -> LxcHookCommand.class;
            default -> null;
        };
        Queue<CommandLine> idle = command != null && REUSABLE.contains(command)
                ? IDLE.computeIfAbsent(command, c -> new ConcurrentLinkedQueue<>()) : null;
        CommandLine cl = idle == null ? null : idle.poll();
        if (cl == null) cl = LeanPath.commandLine(args);
        cl.setOut(out);
        cl.setErr(err);
        // the plain forms of exec, start and stop skip picocli's parse (see LifecycleCommands.plainExec)
        java.util.Optional<java.util.function.IntSupplier> plain = idle == null ? java.util.Optional.empty()
                : command == LifecycleCommands.Exec.class ? LifecycleCommands.plainExec(cl, args).map(e -> e::call)
                : command == LifecycleCommands.Start.class || command == LifecycleCommands.Stop.class
                        ? LifecycleCommands.plainStartStop(cl, args) : java.util.Optional.empty();
        int rc = plain.isPresent() ? plain.get().getAsInt() : cl.execute(args);
        // the size is a hint under concurrency: a few more trees than the bound may stay, never unboundedly many
        if (idle != null && idle.size() < IDLE_PER_COMMAND) idle.offer(cl);
        return rc;
    }
}
