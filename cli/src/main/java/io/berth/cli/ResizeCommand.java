package io.berth.cli;

import io.berth.config.MountPoint;
import io.berth.config.Vmid;
import io.berth.ct.storage.ResizeService;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code berth resize <vmid> <disk> <size>} (pct resize). */
@Command(name = "resize", mixinStandardHelpOptions = true,
        description = {"Grow a container volume and its filesystem, and record the new size in the config.",
                "Shrinking is refused. A running container's ext4 is grown online when the kernel allows it."})
public final class ResizeCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "VMID", description = "Container id.")
    String vmid;

    @Parameters(index = "1", paramLabel = "DISK", description = "rootfs or mp0..mp255.")
    String disk;

    @Parameters(index = "2", paramLabel = "SIZE",
            description = "+SIZE grows by SIZE, SIZE is the new size; units K, M, G, T (powers of 1024), e.g. +1G, 8G.")
    String size;

    @Override public Integer call() {
        return CliErrors.run(spec, () -> {
            ResizeService.Result r = CtCli.service(spec).resize(Vmid.parse(vmid), disk, size);
            PrintWriter out = spec.commandLine().getOut();
            if (!r.changed()) {
                out.printf("CT %d: %s ('%s') is %s already; nothing to do%n", r.vmid(), r.key(), r.volid(),
                        MountPoint.formatSize(r.newSize()));
            } else {
                out.printf("CT %d: grew %s ('%s') from %s to %s%s%n", r.vmid(), r.key(), r.volid(),
                        MountPoint.formatSize(r.oldSize()), MountPoint.formatSize(r.newSize()), r.online() ? " online" : "");
            }
            return 0;
        });
    }
}
