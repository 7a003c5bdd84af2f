package io.berth.cli;

import io.berth.ct.task.TaskInfo;
import io.berth.ct.task.TaskStatus;
import io.berth.ct.task.Tasks;
import io.berth.ct.task.Upid;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code berth task list|log|status}: the node's tasks, as the API shows them (Proxmox's {@code pvenode task}). */
@Command(name = "task", mixinStandardHelpOptions = true, description = "Show the node's tasks, their logs and status.",
        subcommands = {TaskCommand.ListTasks.class, TaskCommand.Log.class, TaskCommand.Status.class})
public final class TaskCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return CliErrors.EXIT_INVALID;
    }

    static Tasks tasks(CommandSpec spec) { return CtCli.service(spec).tasks(); }

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List tasks, newest first.")
    static final class ListTasks implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Option(names = "--limit", description = "At most this many (default ${DEFAULT-VALUE}).", defaultValue = "50")
        int limit;

        @Option(names = "--vmid", description = "Only tasks of this container.", converter = VmidConverter.class)
        Integer vmid;

        @Override public Integer call() {
            return CliErrors.run(spec, () -> {
                PrintWriter out = spec.commandLine().getOut();
                out.printf("%-62s %-19s %s%n", "UPID", "Start", "Status");
                for (TaskInfo t : tasks(spec).list(Integer.MAX_VALUE)) {
                    if (vmid != null && !t.upid().id().equals(vmid.toString())) continue;
                    if (limit-- <= 0) break;
                    out.printf("%-62s %-19s %s%n", t.upid(), TIME.format(Instant.ofEpochSecond(t.upid().starttime())), describe(t.status()));
                }
                return 0;
            });
        }
    }

    static String describe(TaskStatus s) {
        return switch (s) {
            case TaskStatus.Running r -> "running" + (r.percent() > 0 || !r.step().isEmpty() ? " " + r.percent() + "% " + r.step() : "");
            case TaskStatus.Ok o -> o.text();
            case TaskStatus.Warnings w -> w.text();
            case TaskStatus.Failed f -> "ERROR: " + f.message();
            case TaskStatus.Vanished v -> v.text();
        };
    }

    @Command(name = "log", mixinStandardHelpOptions = true, description = "Print a task's log.")
    static final class Log implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Parameters(index = "0", paramLabel = "UPID")
        String upid;

        @Override public Integer call() {
            return CliErrors.run(spec, () -> {
                PrintWriter out = spec.commandLine().getOut();
                for (String l : tasks(spec).log(Upid.parse(upid))) out.println(l);
                return 0;
            });
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Print a task's status: running, OK, WARNINGS: n, the error, or 'unexpected status'.")
    static final class Status implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Parameters(index = "0", paramLabel = "UPID")
        String upid;

        @Override public Integer call() {
            return CliErrors.run(spec, () -> {
                TaskInfo t = tasks(spec).status(Upid.parse(upid));
                PrintWriter out = spec.commandLine().getOut();
                out.println("status: " + (t.running() ? "running" : "stopped"));
                if (t.status() instanceof TaskStatus.Running r) out.println("progress: " + r.percent() + "%" + (r.step().isEmpty() ? "" : " " + r.step()));
                else out.println("exitstatus: " + t.status().text());
                return 0;
            });
        }
    }
}
