package io.berth.cli;

import io.berth.config.Vmid;
import io.berth.ct.clone.CloneService;
import io.berth.ct.Progress;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** pct template (through {@link TemplateCommand}), clone and move-volume. */
public final class CloneCommands {
    private CloneCommands() {}

    /** {@code berth template VMID}, reached through {@link TemplateCommand} (which also holds 'template build'). */
    static int template(CommandSpec spec, String vmid) {
        return CliErrors.run(spec, () -> {
            int id = Vmid.parse(vmid);
            var made = new io.berth.ct.task.Tasks(CtCli.roots(spec)).run("vztemplate", Integer.toString(id), "root@pam",
                    t -> new CloneService(CtCli.service(spec)).template(id));
            for (String v : made) spec.commandLine().getOut().println("base volume " + v);
            return 0;
        });
    }

    @Command(name = "clone", mixinStandardHelpOptions = true,
            description = {"Create a copy of a container under a new id.",
                    "Templates on btrfs/lvmthin are cloned linked (copy-on-write) unless --full; other containers are copied.",
                    "Network MAC addresses are regenerated and the guest is set up for the new hostname."})
    public static final class Clone implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Parameters(index = "0", paramLabel = "VMID", description = "The container to clone.")
        String vmid;

        @Parameters(index = "1", paramLabel = "NEWID", description = "The id of the clone.")
        String newid;

        @Option(names = "--full", arity = "0..1", fallbackValue = "1", paramLabel = "0|1",
                description = "Copy all volumes (default for containers that are not templates).")
        String full;

        @Option(names = "--snapname", description = "Clone the state of this snapshot.")
        String snapname;

        @Option(names = "--storage", description = "Target storage for a full clone.")
        String storage;

        @Option(names = "--hostname", description = "Host name of the clone.")
        String hostname;

        @Option(names = "--description", description = "Description of the clone.")
        String description;

        @Override public Integer call() {
            return CliErrors.run(spec, () -> {
                Optional<Boolean> f = Optional.empty();
                if (full != null) {
                    if (!full.matches("0|1|true|false|yes|no|on|off"))
                        throw new IllegalArgumentException("invalid --full '" + full + "': allowed 0 or 1");
                    f = Optional.of(full.matches("1|true|yes|on"));
                }
                PrintWriter out = spec.commandLine().getOut();
                int id = Vmid.parse(vmid), nid = Vmid.parse(newid);
                out.println("create clone of container " + id + " with id " + nid);
                out.flush();
                Optional<Boolean> fullFlag = f;
                Progress bar = Progress.bar(System.out, System.console() != null, "copy");
                CloneService.CloneResult r = new io.berth.ct.task.Tasks(CtCli.roots(spec)).run("vzclone", Integer.toString(id), "root@pam",
                        t -> new CloneService(CtCli.service(spec)).clone(new CloneService.CloneRequest(id, nid, fullFlag,
                                Optional.ofNullable(snapname), Optional.ofNullable(storage), Optional.ofNullable(hostname),
                                Optional.ofNullable(description)), (done, total) -> {
                                    bar.update(done, total);
                                    t.progress((int) (total <= 0 ? 100 : done * 100 / total), "copy");
                                }));
                for (String v : r.volumes()) out.println((r.full() ? "copied to " : "linked clone ") + v);
                for (String w : r.warnings()) spec.commandLine().getErr().println("WARN: " + w);
                return 0;
            });
        }
    }

    @Command(name = "move-volume", aliases = "move_volume", mixinStandardHelpOptions = true,
            description = {"Move a stopped container's rootfs or mount point volume to another storage (any type),",
                    "or give an mpN/unusedN volume to another container (--target-vmid): the volume is renamed on its",
                    "storage to the target's next free disk name and moves from one config to the other.",
                    "The old volume is kept as unusedN unless --delete is given (storage moves only)."})
    public static final class MoveVolume implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Parameters(index = "0", paramLabel = "VMID", description = "The container id.")
        String vmid;

        @Parameters(index = "1", paramLabel = "VOLUME", description = "rootfs or mp0..mp255; with --target-vmid mpN or unusedN.")
        String volume;

        @Parameters(index = "2", arity = "0..1", paramLabel = "STORAGE", description = "The target storage (not with --target-vmid).")
        String storage;

        @Option(names = "--delete", arity = "0..1", fallbackValue = "1", paramLabel = "0|1",
                description = "Delete the original volume after the copy succeeded.")
        String delete;

        @Option(names = {"--target-vmid", "--target_vmid"}, paramLabel = "VMID",
                description = "Give the volume to this (other) container instead of moving it to a storage.")
        String targetVmid;

        @Option(names = {"--target-volume", "--target_volume"}, paramLabel = "KEY",
                description = "The key in the target config (mpN or unusedN; default: VOLUME).")
        String targetVolume;

        @Option(names = "--digest", paramLabel = "SHA1", description = "Refuse if the source config's digest differs.")
        String digest;

        @Option(names = {"--target-digest", "--target_digest"}, paramLabel = "SHA1",
                description = "Refuse if the target config's digest differs.")
        String targetDigest;

        @Override public Integer call() {
            return CliErrors.run(spec, () -> {
                if (delete != null && !delete.matches("0|1"))
                    throw new IllegalArgumentException("invalid --delete '" + delete + "': allowed 0 or 1");
                int id = Vmid.parse(vmid);
                PrintWriter out = spec.commandLine().getOut();
                if (targetVmid != null) {
                    if (storage != null)
                        throw new io.berth.error.InvalidInputException("target-vmid", "either set STORAGE or --target-vmid, but not both");
                    if (delete != null)
                        throw new io.berth.error.InvalidInputException("delete", "--delete is for moves to a storage; a volume given to another container is renamed, not copied");
                    int target = Vmid.parse(targetVmid);
                    String toKey = targetVolume == null ? volume : targetVolume;
                    CloneService.ReassignResult r = new io.berth.ct.task.Tasks(CtCli.roots(spec)).run("move_volume",
                            id + "-" + volume + ">" + target + "-" + toKey, "root@pam",
                            t -> new CloneService(CtCli.service(spec)).reassignVolume(id, volume, target,
                                    Optional.ofNullable(targetVolume), Optional.ofNullable(digest), Optional.ofNullable(targetDigest)));
                    out.println("moved " + r.key() + " ('" + r.oldVolid() + "') of container " + r.vmid() + " to container "
                            + r.targetVmid() + " as " + r.targetKey() + " ('" + r.newVolid() + "')");
                    return 0;
                }
                if (targetVolume != null || targetDigest != null)
                    throw new io.berth.error.InvalidInputException("target-vmid", "--target-volume/--target-digest need --target-vmid");
                if (storage == null)
                    throw new io.berth.error.InvalidInputException("storage", "either STORAGE or --target-vmid must be given");
                Progress bar = Progress.bar(System.out, System.console() != null, "move " + volume);
                CloneService.MoveResult r = new io.berth.ct.task.Tasks(CtCli.roots(spec)).run("move_volume", Integer.toString(id), "root@pam",
                        t -> new CloneService(CtCli.service(spec)).moveVolume(id, volume, storage, "1".equals(delete), (done, total) -> {
                            bar.update(done, total);
                            t.progress((int) (total <= 0 ? 100 : done * 100 / total), "copy " + volume);
                        }));
                out.println("moved " + r.key() + " from '" + r.oldVolid() + "' to '" + r.newVolid() + "'"
                        + (r.removed() ? "; deleted the old volume" : r.unusedKey().map(k -> "; old volume kept as " + k).orElse("")));
                for (String w : r.warnings()) spec.commandLine().getErr().println("WARN: " + w);
                return 0;
            });
        }
    }
}
