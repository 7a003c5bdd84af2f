package io.berth.cli;

import io.berth.ct.backup.BackupInfo;
import io.berth.ct.backup.BackupStore;
import io.berth.ct.backup.PruneOptions;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.TreeSet;
import picocli.CommandLine.Model.CommandSpec;

/** The {@code backup} content of {@code berth volume}: list, prune. */
final class BackupVolumes {
    private BackupVolumes() {}

    static BackupStore store(CommandSpec spec) {
        return new BackupStore(CtCli.service(spec).storages());
    }

    static int list(CommandSpec spec, String storage, OptionalInt vmid, boolean bytes) {
        BackupStore store = store(spec);
        List<String> ids = new ArrayList<>();
        if (storage != null) ids.add(storage);
        else {
            for (var s : CtCli.service(spec).storages().all()) {
                if (!s.def().disable() && s.def().has(io.berth.storage.ContentType.BACKUP) && !(s.def() instanceof io.berth.storage.StorageDef.LvmThin)) ids.add(s.id());
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%-64s %-8s %14s %10s %-9s %s%n", "Volid", "Format", "Size", "VMID", "Protected", "Notes");
        for (String id : ids) {
            for (BackupInfo b : store.list(id, vmid)) {
                out.printf("%-64s %-8s %14s %10d %-9s %s%n", b.display(), "tar" + b.name().compression().suffix(),
                        bytes ? Long.toString(b.size()) : StorageCli.human(b.size()), b.name().vmid(), b.protectedFlag() ? "1" : "0",
                        b.notes().map(n -> n.lines().findFirst().orElse("")).orElse(""));
            }
        }
        return 0;
    }

    static void prune(CommandSpec spec, String storage, String opts, OptionalInt vmid, boolean dryRun) {
        BackupStore store = store(spec);
        PruneOptions keep = opts != null ? PruneOptions.parse(opts) : store.storagePrune(storage).orElse(PruneOptions.KEEP_ALL);
        TreeSet<Integer> ids = new TreeSet<>();
        for (BackupInfo b : store.list(storage, vmid)) if (b.name().type().equals("lxc")) ids.add(b.name().vmid());
        PrintWriter out = spec.commandLine().getOut();
        for (int id : ids) {
            for (BackupInfo b : BackupStore.prune(store.dumpDir(storage), java.util.Optional.of(storage), id, keep, dryRun)) {
                out.println((dryRun ? "would remove " : "removed ") + b.display());
            }
        }
    }
}
