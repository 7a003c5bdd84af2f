package io.berth.cli;

import io.berth.cli.daemon.ClientContext;
import io.berth.ct.backup.RestoreRequest;
import io.berth.ct.backup.RestoreService;
import io.berth.ct.Progress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/** {@code berth restore VMID ARCHIVE [--storage S] [--rootfs ...] [--unprivileged 0|1] [--force] ...} (pct restore). */
@Command(name = "restore", mixinStandardHelpOptions = true,
        description = {"Restore a container from a vzdump archive (a path, STORAGE:backup/NAME, or - for standard input), Berth's or Proxmox's.",
                "Other config keys are accepted as --KEY VALUE and win over the archive's. Runs as a task (vzrestore): berth task list.",
                "From a pipe: berth backup 100 --stdout | berth restore 101 -"})
public final class RestoreCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "VMID", description = "The container id to restore to.")
    int vmid;

    @Parameters(index = "1", paramLabel = "ARCHIVE", description = "Archive path, backup volume id, or - (standard input; zstd, gzip, lzo or plain tar).")
    String archive;

    @Option(names = "--storage", paramLabel = "ID", description = "Storage for the re-allocated volumes (default local).")
    String storage;

    @Option(names = "--rootfs", paramLabel = "VOL", description = "Use this rootfs (STORAGE:SIZE_GB) instead of the archive's volumes.")
    String rootfs;

    @Option(names = "--unprivileged", paramLabel = "0|1", description = "Restore as (un)privileged, overriding the archive's config.")
    String unprivileged;

    @Option(names = "--force", paramLabel = "0|1", arity = "0..1", fallbackValue = "1", description = "Overwrite an existing (stopped) container.")
    String force;

    @Option(names = "--ignore-unpack-errors", paramLabel = "0|1", arity = "0..1", fallbackValue = "1", description = "Ignore errors while extracting.")
    String ignore;

    @Option(names = "--unique", paramLabel = "0|1", arity = "0..1", fallbackValue = "1", description = "Give the archive's NICs new random MACs.")
    String unique;

    @Option(names = "--quiet", description = "No progress output.")
    boolean quiet;

    @Unmatched List<String> rest = new ArrayList<>();

    @Override public Integer call() {
        return CliErrors.run(spec, () -> run(spec, vmid, archive, storage, rootfs, unprivileged, force, ignore, quiet,
                unique != null && BackupCommand.bit("unique", unique), CreateCommand.parseOptions(rest)));
    }

    static int run(CommandSpec spec, int vmid, String archive, String storage, String rootfs, String unprivileged, String force,
                   String ignore, boolean quiet, boolean unique, Map<String, String> options) {
        // under berthd: the client's terminal and standard input (passed with SCM_RIGHTS), not the daemon's
        ClientContext.Terminal client = ClientContext.current().terminal();
        boolean tty = client.isTerminal(2);
        Progress progress = quiet ? Progress.NONE : Progress.bar(System.err, tty, "restoring");
        // a relative path is the caller's (berthd's working directory is not)
        String path = archive.contains(":") || archive.startsWith("/") || archive.equals("-") ? archive
                : ClientContext.current().resolve(archive).toString();
        RestoreRequest req = new RestoreRequest(vmid, path, Optional.ofNullable(storage), Optional.ofNullable(rootfs),
                Optional.ofNullable(unprivileged).map(u -> BackupCommand.bit("unprivileged", u)),
                force != null && BackupCommand.bit("force", force), ignore != null && BackupCommand.bit("ignore-unpack-errors", ignore),
                options, unique);
        RestoreService.Restored r = new RestoreService(CtCli.service(spec)).restore(req, req.fromStdin() ? client.stdin() : null, progress,
                System.err::println);
        for (String w : r.warnings()) System.err.println("WARN: " + w);
        System.err.println("restored container " + r.vmid() + " (volumes " + String.join(", ", r.volumes()) + ")");
        return 0;
    }
}
