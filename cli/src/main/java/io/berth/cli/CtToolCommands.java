package io.berth.cli;

import io.berth.config.Vmid;
import io.berth.ct.access.FileTransfer;
import io.berth.ct.access.Maintenance;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** pct's volume maintenance and file commands: mount, unmount, push, pull, df, fsck, fstrim. */
public final class CtToolCommands {
    private CtToolCommands() {}

    abstract static class Base implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Parameters(index = "0", paramLabel = "VMID", description = "The container id.")
        String vmid;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }
    }

    @Command(name = "mount", mixinStandardHelpOptions = true,
            description = "Mount a stopped container's rootfs and mount points on the host for maintenance (sets lock: mounted).")
    public static final class Mount extends Base {
        @Override public Integer call() {
            return CliErrors.run(spec, () -> {
                int id = Vmid.parse(vmid);
                out().println("mounted CT " + id + " in '" + new Maintenance(CtCli.service(spec)).mount(id) + "'");
                return 0;
            });
        }
    }

    @Command(name = "unmount", mixinStandardHelpOptions = true, description = "Unmount what 'berth mount' mounted and remove lock: mounted.")
    public static final class Unmount extends Base {
        @Override public Integer call() {
            return CliErrors.run(spec, () -> {
                new Maintenance(CtCli.service(spec)).unmount(Vmid.parse(vmid));
                return 0;
            });
        }
    }

    @Command(name = "push", mixinStandardHelpOptions = true,
            description = {"Copy a host file into a running container.", "Symbolic links inside the container are never followed."})
    public static final class Push extends Base {
        @Parameters(index = "1", paramLabel = "FILE", description = "The host file.")
        Path file;

        @Parameters(index = "2", paramLabel = "DESTINATION", description = "The absolute path inside the container.")
        String dest;

        @Option(names = "--user", description = "Owner uid inside the container (default 0).")
        Integer user;

        @Option(names = "--group", description = "Owner gid inside the container (default 0).")
        Integer group;

        @Option(names = "--perms", description = "File mode, octal (default 0644) or 0x-prefixed hex.")
        String perms;

        @Override public Integer call() {
            return CliErrors.run(spec, () -> {
                new FileTransfer(CtCli.service(spec)).push(Vmid.parse(vmid), file, dest,
                        user == null ? OptionalInt.empty() : OptionalInt.of(user),
                        group == null ? OptionalInt.empty() : OptionalInt.of(group), perms);
                return 0;
            });
        }
    }

    @Command(name = "pull", mixinStandardHelpOptions = true,
            description = {"Copy a file out of a running container.", "Symbolic links inside the container are never followed."})
    public static final class Pull extends Base {
        @Parameters(index = "1", paramLabel = "PATH", description = "The absolute path inside the container.")
        String path;

        @Parameters(index = "2", paramLabel = "DESTINATION", description = "The host file to write.")
        Path dest;

        @Override public Integer call() {
            return CliErrors.run(spec, () -> {
                new FileTransfer(CtCli.service(spec)).pull(Vmid.parse(vmid), path, dest);
                return 0;
            });
        }
    }

    @Command(name = "df", mixinStandardHelpOptions = true, description = "Show the disk usage of a container's mount points.")
    public static final class Df extends Base {
        @Override public Integer call() {
            return CliErrors.run(spec, () -> {
                var rows = new Maintenance(CtCli.service(spec)).df(Vmid.parse(vmid));
                out().printf("%-6s %-40s %8s %8s %8s %5s %s%n", "MP", "Volume", "Size", "Used", "Avail", "Use%", "Path");
                for (Maintenance.Usage u : rows) {
                    String pct = u.size() == 0 ? "0.0" : String.format(Locale.ROOT, "%.1f", 100.0 * u.used() / u.size());
                    out().printf("%-6s %-40s %8s %8s %8s %5s %s%n", u.key(), u.volume(), StorageCli.human(u.size()),
                            StorageCli.human(u.used()), StorageCli.human(u.avail()), pct, u.path());
                }
                return 0;
            });
        }
    }

    @Command(name = "fsck", mixinStandardHelpOptions = true, description = "Run a filesystem check on a stopped container's volume.")
    public static final class Fsck extends Base {
        @Option(names = "--device", description = "The volume to check: rootfs (default) or mpN.")
        String device;

        @Option(names = "--force", description = "Check even if the filesystem seems clean.")
        boolean force;

        @Override public Integer call() {
            return CliErrors.run(spec, () -> {
                out().print(new Maintenance(CtCli.service(spec)).fsck(Vmid.parse(vmid), Optional.ofNullable(device), force));
                return 0;
            });
        }
    }

    @Command(name = "fstrim", mixinStandardHelpOptions = true, description = "Run fstrim on a container's volumes (sets lock: fstrim meanwhile).")
    public static final class Fstrim extends Base {
        @Option(names = "--ignore-mountpoints", description = "Trim the rootfs only.")
        boolean ignoreMountpoints;

        @Override public Integer call() {
            return CliErrors.run(spec, () -> {
                for (String l : new Maintenance(CtCli.service(spec)).fstrim(Vmid.parse(vmid), ignoreMountpoints)) out().println(l);
                return 0;
            });
        }
    }
}
