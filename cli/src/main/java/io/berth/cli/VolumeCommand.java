package io.berth.cli;

import io.berth.config.Vmid;
import io.berth.ct.storage.VolumeService;
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
        subcommands = {VolumeCommand.ListVolumes.class, VolumeCommand.Alloc.class, VolumeCommand.Free.class})
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

        @Option(names = "--vmid", paramLabel = "VMID", description = "Only volumes owned by this container.")
        String vmid;

        @Option(names = "--bytes", description = "Print sizes in bytes instead of K/M/G/T.")
        boolean bytes;

        @Override public Integer call() {
            return CliErrors.run(spec, () -> {
                List<VolumeInfo> vols = new VolumeService(StorageCli.context(spec)).list(Optional.ofNullable(storage), vmid(vmid));
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
                VolumeId id = new VolumeService(StorageCli.context(spec)).alloc(storage, Vmid.parse(vmid), size,
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
                new VolumeService(StorageCli.context(spec)).free(volid);
                spec.commandLine().getOut().println("freed " + volid);
                return 0;
            });
        }
    }
}
