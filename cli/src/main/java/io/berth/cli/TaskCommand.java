package io.berth.cli;

import io.berth.ct.task.TaskInfo;
import io.berth.ct.task.TaskStatus;
import io.berth.ct.task.Tasks;
import io.berth.ct.task.Upid;
import com.fasterxml.jackson.databind.JsonNode;
import io.berth.cli.migrate.ClusterForward;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
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

        @Option(names = "--cluster", description = "Every node's tasks (on a cluster node: from the cluster's task index, "
                + "so a node that is down is listed too), as /cluster/tasks.")
        boolean cluster;

        @Override public Integer call() {
            return CliErrors.run(spec, () -> {
                PrintWriter out = spec.commandLine().getOut();
                out.printf("%-62s %-19s %s%n", "UPID", "Start", "Status");
                Tasks tasks = tasks(spec);
                for (TaskInfo t : cluster ? tasks.listCluster(Integer.MAX_VALUE) : tasks.list(Integer.MAX_VALUE)) {
                    if (vmid != null && !t.upid().id().equals(vmid.toString())) continue;
                    if (limit-- <= 0) break;
                    out.printf("%-62s %-19s %s%n", t.upid(), TIME.format(Instant.ofEpochSecond(t.upid().starttime())), describe(t.status()));
                }
                return 0;
            });
        }
    }

    /**
     * A task of another cluster node: its log and status stay on that node and are read there (through its berthd);
     * empty for this node's tasks.
     */
    static Optional<ClusterForward.Route> remote(CommandSpec spec, Upid u, String what) {
        Optional<String> self = ClusterForward.nodeName(CtCli.roots(spec));
        if (self.isEmpty() || self.get().equals(u.node())) return Optional.empty();
        return Optional.of(new ClusterForward.Route(u.node(), "/nodes/" + u.node() + "/tasks/"
                + URLEncoder.encode(u.toString(), StandardCharsets.UTF_8) + what));
    }

    static JsonNode remoteCall(CommandSpec spec, ClusterForward.Route r, Map<String, String> params) {
        try {
            return ClusterForward.call(CtCli.roots(spec), ApiCli.api(spec).service().auth().tickets(), r, "GET", params);
        } catch (ClusterForward.Refused e) {
            if (e.status() == 404) throw new io.berth.error.NotFoundException(e.getMessage());
            throw new io.berth.error.HostFailureException(e.getMessage(), e);
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
                Upid u = Upid.parse(upid);
                Optional<ClusterForward.Route> remote = remote(spec, u, "/log");
                if (remote.isPresent()) {
                    for (JsonNode l : remoteCall(spec, remote.get(), Map.of("limit", "1000000"))) out.println(l.path("t").asText());
                    return 0;
                }
                for (String l : tasks(spec).log(u)) out.println(l);
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
                Upid u = Upid.parse(upid);
                PrintWriter out = spec.commandLine().getOut();
                Optional<ClusterForward.Route> remote = remote(spec, u, "/status");
                if (remote.isPresent()) {
                    JsonNode s = remoteCall(spec, remote.get(), Map.of());
                    out.println("status: " + s.path("status").asText());
                    if (s.has("exitstatus")) out.println("exitstatus: " + s.path("exitstatus").asText());
                    return 0;
                }
                TaskInfo t = tasks(spec).status(u);
                out.println("status: " + (t.running() ? "running" : "stopped"));
                if (t.status() instanceof TaskStatus.Running r) out.println("progress: " + r.percent() + "%" + (r.step().isEmpty() ? "" : " " + r.step()));
                else out.println("exitstatus: " + t.status().text());
                return 0;
            });
        }
    }
}
