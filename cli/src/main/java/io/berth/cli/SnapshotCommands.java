package io.berth.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.config.Vmid;
import io.berth.ct.snapshot.SnapshotService;
import io.berth.ct.snapshot.SnapshotTree;
import java.io.PrintWriter;
import java.time.ZoneId;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** pct's snapshot commands: snapshot, delsnapshot, rollback, listsnapshot. */
public final class SnapshotCommands {
    private SnapshotCommands() {}

    abstract static class Base implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Parameters(index = "0", paramLabel = "VMID", description = "The container id.")
        String vmid;

        SnapshotService service() {
            return new SnapshotService(CtCli.service(spec));
        }

        /** Runs as a task of {@code type} (Proxmox's worker name), so 'berth task list' and the API show it. */
        int task(String type, java.util.function.Supplier<SnapshotService.Result> body) {
            int id = Vmid.parse(vmid);
            PrintWriter err = spec.commandLine().getErr();
            return new io.berth.ct.task.Tasks(CtCli.roots(spec)).run(type, Integer.toString(id), "root@pam", t -> {
                SnapshotService.Result r = body.get();
                for (String w : r.warnings()) {
                    t.warn(w);
                    err.println("WARN: " + w);
                }
                return 0;
            });
        }
    }

    @Command(name = "snapshot", mixinStandardHelpOptions = true,
            description = {"Snapshot a container: every volume (rootfs and volume mount points) at once, or none.",
                    "A running container is frozen and its filesystems synced while its volumes are snapshotted."})
    public static final class Create extends Base {
        @Parameters(index = "1", paramLabel = "SNAPNAME", description = "The snapshot name: a letter, then 1-39 letters, digits, '_' or '-'.")
        String snapname;

        @Option(names = "--description", description = "A description of the snapshot.")
        String description;

        @Override public Integer call() {
            return CliErrors.run(spec, () -> task("vzsnapshot", () -> service().create(Vmid.parse(vmid), snapname, Optional.ofNullable(description))));
        }
    }

    @Command(name = "delsnapshot", mixinStandardHelpOptions = true, description = "Delete a snapshot of a container.")
    public static final class Delete extends Base {
        @Parameters(index = "1", paramLabel = "SNAPNAME", description = "The snapshot.")
        String snapname;

        @Option(names = "--force", description = "Remove the snapshot from the config even if its volume snapshots cannot be removed.")
        boolean force;

        @Override public Integer call() {
            return CliErrors.run(spec, () -> task("vzdelsnapshot", () -> service().delete(Vmid.parse(vmid), snapname, force)));
        }
    }

    @Command(name = "rollback", mixinStandardHelpOptions = true,
            description = {"Roll a container back to a snapshot: its volumes and its config.",
                    "A running container is refused unless --start is given (then it is stopped and started again)."})
    public static final class Rollback extends Base {
        @Parameters(index = "1", paramLabel = "SNAPNAME", description = "The snapshot.")
        String snapname;

        @Option(names = "--start", description = "Start the container after the rollback (stopping it first if it runs).")
        boolean start;

        @Override public Integer call() {
            return CliErrors.run(spec, () -> task("vzrollback", () -> service().rollback(Vmid.parse(vmid), snapname, start)));
        }
    }

    @Command(name = "listsnapshot", mixinStandardHelpOptions = true,
            description = "List a container's snapshots as a tree ending in 'current', or as JSON.")
    public static final class ListSnapshots extends Base {
        @Option(names = {"--output-format", "--output"}, defaultValue = "text",
                description = "Output format; allowed: text, json, json-pretty (default ${DEFAULT-VALUE}).")
        String output;

        @Override public Integer call() {
            return CliErrors.run(spec, () -> {
                if (!output.equals("text") && !output.equals("json") && !output.equals("json-pretty"))
                    throw new IllegalArgumentException("invalid --output-format '" + output + "': allowed text, json, json-pretty");
                var entries = service().list(Vmid.parse(vmid));
                PrintWriter out = spec.commandLine().getOut();
                if (output.equals("text")) {
                    out.print(SnapshotTree.print(entries, ZoneId.systemDefault()));
                    return 0;
                }
                ObjectMapper m = new ObjectMapper();
                ArrayNode list = m.createArrayNode();
                for (SnapshotService.Entry e : entries) {
                    ObjectNode o = list.addObject();
                    o.put("name", e.name());
                    o.put("description", e.description());
                    e.snaptime().ifPresent(t -> o.put("snaptime", t));
                    e.parent().ifPresent(p -> o.put("parent", p));
                    e.snapstate().ifPresent(s -> o.put("snapstate", s));
                    e.running().ifPresent(r -> o.put("running", r ? 1 : 0));
                    e.digest().ifPresent(d -> o.put("digest", d));
                }
                out.println(output.equals("json") ? m.writeValueAsString(list) : m.writerWithDefaultPrettyPrinter().writeValueAsString(list));
                return 0;
            });
        }
    }
}
