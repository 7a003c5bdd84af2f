package io.berth.cli;

import io.berth.config.MountPoint;
import io.berth.config.Vmid;
import io.berth.ct.ContainerService;
import io.berth.ct.storage.RescanService;
import java.io.PrintWriter;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code berth rescan [vmid] [--dryrun]} (pct rescan). */
@Command(name = "rescan", mixinStandardHelpOptions = true,
        description = {"Record the real size of each volume mount point in its size= and add volumes a container owns "
                + "but does not reference as unusedN.", "Without VMID every container is rescanned."})
public final class RescanCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "VMID", description = "Only this container.")
    String vmid;

    @Option(names = "--dryrun", description = "Only show what would change; write nothing.")
    boolean dryRun;

    @Override public Integer call() {
        return CliErrors.run(spec, () -> {
            OptionalInt id = vmid == null ? OptionalInt.empty() : OptionalInt.of(Vmid.parse(vmid));
            ContainerService service = CtCli.service(spec);
            List<RescanService.Result> results = service.rescan(id, dryRun);
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            String would = dryRun ? "would " : "";
            int rc = 0;
            for (RescanService.Result r : results) {
                if (r.error().isPresent()) {
                    err.println("error: CT " + r.vmid() + ": " + r.error().get());
                    rc = CliErrors.EXIT_FAILED;
                    continue;
                }
                for (RescanService.UnusedAdded u : r.plan().added())
                    out.printf("CT %d: %sadd unreferenced volume '%s' as '%s' to config%n", r.vmid(), would, u.volid(), u.key());
                for (RescanService.SizeChange s : r.plan().sizes())
                    out.printf("CT %d: %supdate size of %s ('%s') from %s to %s%n", r.vmid(), would, s.key(), s.volid(),
                            s.from().isPresent() ? MountPoint.formatSize(s.from().getAsLong()) : "none",
                            MountPoint.formatSize(s.to()));
                if (r.plan().isEmpty()) out.printf("CT %d: no changes%n", r.vmid());
            }
            if (id.isEmpty()) {
                if (results.isEmpty()) out.println("no containers");
                for (RescanService.Orphan o : service.orphanVolumes()) {
                    out.printf("volume '%s' belongs to CT %d, which has no config: free it with 'berth volume free %s'%n",
                            o.volid(), o.vmid(), o.volid());
                }
            }
            return rc;
        });
    }
}
