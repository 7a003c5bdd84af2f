package io.berth.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.cli.migrate.ClusterMigrations;
import io.berth.ct.migrate.MigrateRequest;
import io.berth.ct.migrate.Migration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code berth migrate VMID TARGET}: pct migrate, offline or restart mode, between nodes of a cluster. */
@Command(name = "migrate", mixinStandardHelpOptions = true,
        description = {"Migrate a container to another node of the cluster (pct migrate).",
                "Volumes on shared storage stay where they are; volumes on local storage are copied to the target (btrfs "
                        + "send/receive between btrfs storages, image blocks for raw images, tar for subvol directories) and "
                        + "freed here only after the config moved to the target in one atomic step. Any failure before that "
                        + "leaves the container whole on this node and nothing on the target.",
                "A running container needs --restart: it is shut down here and started on the target. Containers cannot "
                        + "be migrated live (--online is refused)."})
public final class MigrateCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "VMID", description = "The container id.", converter = VmidConverter.class)
    int vmid;

    @Parameters(index = "1", paramLabel = "TARGET", description = "The target node's name (berth cluster nodes).")
    String target;

    @Option(names = "--restart", description = "Shut a running container down, migrate it, and start it on the target.")
    boolean restart;

    @Option(names = "--online", description = "Refused: LXC containers cannot be migrated live; use --restart.")
    boolean online;

    @Option(names = "--target-storage", paramLabel = "STORAGE",
            description = "Copy volumes on local storage to this storage of the target (default: the storage of the same id).")
    String targetStorage;

    @Option(names = "--bwlimit", paramLabel = "KiB/s", description = "Limit each volume transfer to this many KiB/s (0: no limit).",
            defaultValue = "0")
    long bwlimit;

    @Option(names = "--output", description = "Output format; allowed: text, json (default ${DEFAULT-VALUE}).", defaultValue = "text")
    String output;

    @Override public Integer call() {
        return CliErrors.run(spec, () -> {
            if (!output.equals("text") && !output.equals("json"))
                throw new io.berth.error.InvalidInputException("output", "'" + output + "' is invalid; allowed: text, json");
            boolean json = output.equals("json");
            MigrateRequest req = new MigrateRequest(vmid, target, restart, Optional.ofNullable(targetStorage), bwlimit, online);
            Migration.Result r = ClusterMigrations.run(CtCli.roots(spec), req, line -> {
                (json ? System.err : System.out).println(line);
            });
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("vmid", r.vmid());
                m.put("target", r.target());
                m.put("volumes", r.volumes());
                m.put("started", r.started());
                m.put("warnings", r.warnings());
                m.put("duration_ms", r.durationMillis());
                System.out.println(new ObjectMapper().writeValueAsString(m));
            }
            return 0;
        });
    }
}
