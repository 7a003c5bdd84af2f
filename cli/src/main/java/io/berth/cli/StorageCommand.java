package io.berth.cli;

import io.berth.ct.storage.StorageOverview;
import io.berth.storage.ContentType;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code berth storage list|status}: the storages of storage.cfg (or the default {@code local}). */
@Command(name = "storage", mixinStandardHelpOptions = true, description = "Show the configured storages.",
        subcommands = {StorageCommand.ListStorages.class, StorageCommand.Status.class})
public final class StorageCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    private static String content(StorageOverview.Entry e) {
        return e.content().isEmpty() ? "none"
                : e.content().stream().map(ContentType::key).sorted().collect(Collectors.joining(","));
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List the storages: id, type, path (or VG/thinpool), content, enabled, shared.")
    static final class ListStorages implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Override public Integer call() {
            return CliErrors.run(spec, () -> {
                List<StorageOverview.Entry> entries = CtCli.service(spec).storageOverview(false);
                PrintWriter out = spec.commandLine().getOut();
                out.printf("%-16s %-8s %-8s %-7s %-40s %s%n", "Name", "Type", "Enabled", "Shared", "Path", "Content");
                for (StorageOverview.Entry e : entries)
                    out.printf("%-16s %-8s %-8s %-7s %-40s %s%n", e.id(), e.type(), e.enabled() ? "yes" : "no",
                            e.shared() ? "yes" : "no", e.location(), content(e));
                return 0;
            });
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = {"Show each storage's status and space (statvfs of its path; data usage of a thin pool).",
                    "Exits 1 when an enabled storage is not available."})
    static final class Status implements Callable<Integer> {
        @Spec CommandSpec spec;

        @CommandLine.Option(names = "--bytes", description = "Print sizes in bytes instead of K/M/G/T.")
        boolean bytes;

        @Override public Integer call() {
            return CliErrors.run(spec, () -> {
                List<StorageOverview.Entry> entries = CtCli.service(spec).storageOverview(true);
                PrintWriter out = spec.commandLine().getOut();
                PrintWriter err = spec.commandLine().getErr();
                out.printf("%-16s %-8s %-9s %14s %14s %14s %7s%n", "Name", "Type", "Status", "Total", "Used", "Available", "%");
                int rc = 0;
                for (StorageOverview.Entry e : entries) {
                    String status = !e.enabled() ? "disabled" : e.active() ? "active" : "inactive";
                    if (e.usage().isPresent()) {
                        var u = e.usage().get();
                        double pct = u.total() == 0 ? 0 : 100.0 * u.used() / u.total();
                        out.printf(Locale.ROOT, "%-16s %-8s %-9s %14s %14s %14s %6.2f%%%n", e.id(), e.type(), status,
                                size(u.total()), size(u.used()), size(u.avail()), pct);
                    } else {
                        out.printf("%-16s %-8s %-9s %14s %14s %14s %7s%n", e.id(), e.type(), status, "-", "-", "-", "-");
                    }
                    if (e.error().isPresent()) {
                        err.println("error: " + e.error().get());
                        rc = CliErrors.EXIT_FAILED;
                    }
                }
                return rc;
            });
        }

        private String size(long b) {
            return bytes ? Long.toString(b) : StorageCli.human(b);
        }
    }
}
