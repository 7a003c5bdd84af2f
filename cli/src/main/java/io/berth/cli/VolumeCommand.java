package io.berth.cli;

import io.berth.config.Vmid;
import io.berth.storage.VolumeId;
import io.berth.storage.VolumeInfo;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code berth volume list|alloc|free}: container volumes on the storages (pvesm list/alloc/free). */
@Command(name = "volume", mixinStandardHelpOptions = true, description = "List, allocate and free storage volumes.",
        subcommands = {VolumeCommand.ListVolumes.class, VolumeCommand.Alloc.class, VolumeCommand.Free.class, VolumeCommand.SetBackup.class,
                VolumeCommand.PruneBackups.class})
public final class VolumeCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    private static OptionalInt vmid(String s) {
        return s == null ? OptionalInt.empty() : OptionalInt.of(Vmid.parse(s));
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List volumes: of one storage, or of every enabled storage that holds container disks.")
    static final class ListVolumes implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Option(names = "--storage", paramLabel = "ID", description = "Only this storage.")
        String storage;

        @Parameters(index = "0", arity = "0..1", paramLabel = "STORAGE", description = "Only this storage (same as --storage).")
        String storageArg;

        @Option(names = "--content", paramLabel = "TYPE", description = "'backup' lists backup archives (STORAGE:backup/NAME) instead of disks.")
        String content;

        @Option(names = "--vmid", paramLabel = "VMID", description = "Only volumes owned by this container.")
        String vmid;

        @Option(names = "--bytes", description = "Print sizes in bytes instead of K/M/G/T.")
        boolean bytes;

        @Override public Integer call() {
            return CliErrors.run(spec, () -> {
                if (storageArg != null) {
                    if (storage != null && !storage.equals(storageArg)) throw new IllegalArgumentException("give the storage once");
                    storage = storageArg;
                }
                if (content != null && !content.equals("images") && !content.equals("rootdir")) {
                    if (!content.equals("backup")) throw new IllegalArgumentException("content '" + content + "' is invalid; allowed: backup, images, rootdir");
                    return BackupVolumes.list(spec, storage, vmid(vmid), bytes);
                }
                List<VolumeInfo> vols = CtCli.service(spec).volumes(Optional.ofNullable(storage), vmid(vmid));
                PrintWriter out = spec.commandLine().getOut();
                out.printf("%-44s %-7s %14s %10s%n", "Volid", "Format", "Size", "VMID");
                for (VolumeInfo v : vols)
                    out.printf("%-44s %-7s %14s %10d%n", v.volid(), v.format().key(),
                            bytes ? Long.toString(v.sizeBytes()) : StorageCli.human(v.sizeBytes()), v.vmid());
                return 0;
            });
        }
    }

    @Command(name = "alloc", mixinStandardHelpOptions = true,
            description = {"Allocate the next free disk of a container and print its volume id.",
                    "Size 0 gives a subvol directory; otherwise an ext4 raw image or LV (or a quota-limited btrfs subvol)."})
    static final class Alloc implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Parameters(index = "0", paramLabel = "STORAGE", description = "Storage id.")
        String storage;

        @Parameters(index = "1", paramLabel = "VMID", description = "Owning container id.")
        String vmid;

        @Parameters(index = "2", paramLabel = "SIZE", description = "0 or a size with unit K, M, G or T, e.g. 8G.")
        String size;

        @Option(names = "--uid", paramLabel = "UID",
                description = "Owner of the volume's root directory (default: the container's root uid, else 0).")
        Integer uid;

        @Option(names = "--gid", paramLabel = "GID",
                description = "Group of the volume's root directory (default: the container's root gid, else 0).")
        Integer gid;

        @Override public Integer call() {
            return CliErrors.run(spec, () -> {
                if (uid != null && uid < 0 || gid != null && gid < 0)
                    throw new IllegalArgumentException("invalid --uid/--gid '" + (uid != null && uid < 0 ? uid : gid)
                            + "': allowed 0 or more");
                VolumeId id = CtCli.service(spec).allocVolume(storage, Vmid.parse(vmid), size,
                        uid == null ? OptionalInt.empty() : OptionalInt.of(uid),
                        gid == null ? OptionalInt.empty() : OptionalInt.of(gid));
                spec.commandLine().getOut().println(id);
                return 0;
            });
        }
    }

    @Command(name = "free", mixinStandardHelpOptions = true,
            description = "Delete a volume; refused while a container config (current, pending or snapshot) references it.")
    static final class Free implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Parameters(index = "0", paramLabel = "VOLID", description = "Volume id, e.g. local:100/vm-100-disk-1.raw.")
        String volid;

        @Override public Integer call() {
            return CliErrors.run(spec, () -> {
                if (io.berth.ct.backup.BackupStore.isVolid(volid)) BackupVolumes.store(spec).delete(volid);
                else CtCli.service(spec).freeVolume(volid);
                spec.commandLine().getOut().println("freed " + volid);
                return 0;
            });
        }
    }

    @Command(name = "set", mixinStandardHelpOptions = true, description = "Protect/unprotect a backup or change its notes (pvesm set).")
    static final class SetBackup implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Parameters(index = "0", paramLabel = "VOLID", description = "Backup volume id STORAGE:backup/NAME.")
        String volid;

        @Option(names = "--protected", paramLabel = "0|1", description = "Protected backups are never pruned or deleted.")
        String protect;

        @Option(names = "--notes", paramLabel = "TEXT", description = "Notes ('' removes them).")
        String notes;

        @Override public Integer call() {
            return CliErrors.run(spec, () -> {
                if (protect == null && notes == null) throw new IllegalArgumentException("nothing to change; give --protected and/or --notes");
                var store = BackupVolumes.store(spec);
                if (protect != null) store.setProtected(volid, BackupCommand.bit("protected", protect));
                if (notes != null) store.setNotes(volid, notes);
                return 0;
            });
        }
    }

    @Command(name = "prune-backups", mixinStandardHelpOptions = true,
            description = "Remove backups of a storage as the retention options say (pvesm prune-backups).")
    static final class PruneBackups implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Parameters(index = "0", paramLabel = "STORAGE", description = "Storage id.")
        String storage;

        @Option(names = "--prune-backups", paramLabel = "OPTS", description = "Retention, e.g. keep-last=3 (default: the storage's).")
        String prune;

        @Option(names = "--vmid", paramLabel = "VMID", description = "Only this container's backups.")
        String vmid;

        @Option(names = "--dry-run", description = "Only list what would be removed.")
        boolean dryRun;

        @Override public Integer call() {
            return CliErrors.run(spec, () -> {
                BackupVolumes.prune(spec, storage, prune, vmid(vmid), dryRun);
                return 0;
            });
        }
    }
}
