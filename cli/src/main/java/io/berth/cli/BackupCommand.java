package io.berth.cli;

import io.berth.config.Vmid;
import io.berth.ct.backup.BackupMode;
import io.berth.ct.backup.BackupRequest;
import io.berth.ct.backup.BackupResult;
import io.berth.ct.backup.BackupService;
import io.berth.ct.backup.Compression;
import io.berth.ct.backup.PruneOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code berth backup VMID... [--all] [--mode ...] [--compress ...] [--storage S | --dumpdir D] ...} (vzdump). */
@Command(name = "backup", aliases = "vzdump", mixinStandardHelpOptions = true,
        description = {"Back up containers as vzdump archives (vzdump-lxc-VMID-DATE.tar.zst), readable by Proxmox's pct restore.",
                "Modes: snapshot (storage snapshot, btrfs subvolumes), suspend (rsync, freeze, rsync), stop (stop, archive, start).",
                "Runs as a task (vzdump): berth task list, berth task log UPID."})
public final class BackupCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "VMID", arity = "0..*", description = "Containers to back up.")
    List<String> vmids = new ArrayList<>();

    @Option(names = "--all", description = "Back up every container.")
    boolean all;

    @Option(names = "--mode", paramLabel = "MODE", defaultValue = "snapshot", description = "snapshot, suspend or stop (default ${DEFAULT-VALUE}).")
    String mode;

    @Option(names = "--compress", paramLabel = "C", defaultValue = "zstd", description = "zstd, gzip (1), lzo or 0 (default ${DEFAULT-VALUE}).")
    String compress;

    @Option(names = "--storage", paramLabel = "ID", description = "Storage with 'backup' content (default: the first such, 'local').")
    String storage;

    @Option(names = "--dumpdir", paramLabel = "DIR", description = "Write to this directory instead of a storage.")
    Path dumpdir;

    @Option(names = "--exclude-path", paramLabel = "GLOB", description = "Exclude files (shell glob; '/x' is anchored at the container root). Repeatable.")
    List<String> excludes = new ArrayList<>();

    @Option(names = "--bwlimit", paramLabel = "KiB/s", defaultValue = "0", description = "I/O bandwidth limit in KiB/s (0: none).")
    long bwlimit;

    @Option(names = "--notes-template", paramLabel = "T", description = "Notes for the backup; {{guestname}}, {{vmid}}, {{node}}, {{cluster}}; '\\n' for a new line.")
    String notes;

    @Option(names = "--protected", paramLabel = "0|1", arity = "0..1", fallbackValue = "1", description = "Mark the backup protected (never pruned or deleted).")
    String protect;

    @Option(names = "--remove", paramLabel = "0|1", defaultValue = "1", description = "Prune older backups after this one (default ${DEFAULT-VALUE}).")
    String remove;

    @Option(names = "--prune-backups", paramLabel = "OPTS", description = "Retention, e.g. keep-last=3,keep-daily=7 (default: the storage's, else keep-all=1).")
    String prune;

    @Option(names = "--stdout", paramLabel = "0|1", arity = "0..1", fallbackValue = "1",
            description = "Write the archive to standard output (no file, log or retention), e.g. | berth restore 101 -.")
    String stdout;

    @Option(names = "--stopwait", paramLabel = "MIN", defaultValue = "10", description = "Minutes to wait for a clean shutdown in stop mode (default ${DEFAULT-VALUE}).")
    long stopwait;

    @Override public Integer call() {
        return CliErrors.run(spec, () -> {
            List<Integer> ids = new ArrayList<>();
            for (String v : vmids) ids.add(Vmid.parse(v));
            BackupRequest req = new BackupRequest(ids, all, BackupMode.parse(mode), Compression.parse(compress),
                    Optional.ofNullable(storage), Optional.ofNullable(dumpdir).map(d -> io.berth.cli.daemon.ClientContext.current().resolve(d.toString())), excludes, bwlimit, Optional.ofNullable(notes),
                    bit("protected", protect == null ? "0" : protect), bit("remove", remove),
                    Optional.ofNullable(prune).map(PruneOptions::parse), Duration.ofMinutes(stopwait),
                    stdout != null && bit("stdout", stdout));
            List<BackupResult> done = new BackupService(CtCli.service(spec)).backup(req,
                    io.berth.cli.daemon.ClientContext.current().terminal().stdout(), System.err::println);
            if (!req.toStdout()) for (BackupResult r : done) spec.commandLine().getOut().println(r.volid().orElse(r.archive().toString()));
            return 0;
        });
    }

    static boolean bit(String name, String v) {
        return switch (v) {
            case "1" -> true;
            case "0" -> false;
            default -> throw new io.berth.error.InvalidInputException(name, name + " '" + v + "' is invalid; allowed: 0 or 1");
        };
    }
}
