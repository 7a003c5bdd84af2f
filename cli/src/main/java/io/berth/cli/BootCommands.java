package io.berth.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code berth startall} / {@code berth stopall} (pvenode startall/stopall), run at boot and shutdown by berth-guests.service. */
public final class BootCommands {
    private BootCommands() {}

    @Command(name = "startall", mixinStandardHelpOptions = true,
            description = {"Start every container with onboot 1, in startup order (order=N ascending, unordered last, then by id),",
                    "waiting each container's startup up= seconds before the next. Exits 1 if any failed to start."})
    public static final class StartAll implements Callable<Integer> {
        @Spec CommandSpec spec;

        private int install(java.io.PrintWriter out) throws Exception {
            String launcher = System.getProperty("berth.launcher");
            if (launcher == null || !java.nio.file.Files.isExecutable(java.nio.file.Path.of(launcher))) {
                throw new io.berth.error.UnsupportedException("cannot tell where bin/berth is: run 'startall --install-unit' through bin/berth");
            }
            var roots = CtCli.service(spec).roots();
            java.util.Optional<String> root = roots.configDir().equals(io.berth.config.BerthRoots.DEFAULT_CONFIG_DIR)
                    ? java.util.Optional.empty() : java.util.Optional.of(roots.configDir().getParent().toString());
            // under berthd a relative --unit-dir is the caller's, not the daemon's
            java.nio.file.Path unitDir = io.berth.cli.daemon.ClientContext.current().cwd().resolve(this.unitDir).normalize();
            java.nio.file.Files.createDirectories(unitDir);
            java.nio.file.Path unit = unitDir.resolve(UNIT);
            java.nio.file.Path tmp = java.nio.file.Files.createTempFile(unitDir, UNIT, ".tmp");
            java.nio.file.Files.writeString(tmp, unitText(launcher, root));
            java.nio.file.Files.move(tmp, unit, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            out.println("wrote " + unit);
            if (!java.nio.file.Files.isDirectory(java.nio.file.Path.of("/run/systemd/system")) || !unitDir.equals(java.nio.file.Path.of("/etc/systemd/system"))) {
                out.println("enable it with: systemctl daemon-reload && systemctl enable " + UNIT);
                return 0;
            }
            for (List<String> cmd : List.of(List.of("systemctl", "daemon-reload"), List.of("systemctl", "enable", UNIT))) {
                var r = io.berth.sys.ProcessRunner.of(cmd.toArray(String[]::new)).run();
                if (r.exitCode() != 0) throw new io.berth.error.HostFailureException(String.join(" ", cmd) + " failed: " + r.stderr().strip());
            }
            out.println(UNIT + " enabled: containers with onboot 1 start at boot");
            return 0;
        }

        @Option(names = "--force", arity = "0..1", fallbackValue = "1", converter = PveBool.class, parameterConsumer = PveBool.Consumer.class,
                description = "Also start containers whose onboot is not set.")
        boolean force;

        @Option(names = "--vms", split = ",", paramLabel = "VMID", description = "Only these containers (comma separated).")
        List<Integer> vms = new ArrayList<>();

        @Option(names = "--install-unit", description = "Instead: write the systemd unit " + UNIT + " (startall at boot, stopall at"
                + " shutdown) into --unit-dir and enable it.")
        boolean installUnit;

        @Option(names = "--unit-dir", description = "Where --install-unit writes the unit (default: ${DEFAULT-VALUE}).")
        java.nio.file.Path unitDir = java.nio.file.Path.of("/etc/systemd/system");

        @Override public Integer call() {
            return CliErrors.run(spec, () -> {
                var out = spec.commandLine().getOut();
                if (installUnit) return install(out);
                List<Integer> failed = CtCli.service(spec).startAll(force, vms, l -> { out.println(l); out.flush(); });
                return failed.isEmpty() ? 0 : 1;
            });
        }
    }

    static final String UNIT = "berth-guests.service";

    /** The unit that runs startall at boot and stopall at shutdown (pve-guests.service on Proxmox). */
    static String unitText(String launcher, java.util.Optional<String> root) {
        String r = root.map(x -> " --root " + x).orElse("");
        return """
                [Unit]
                Description=Berth: start containers with onboot 1 in startup order at boot, stop them all at shutdown
                After=local-fs.target network-online.target lxc-net.service berthd.service
                Wants=network-online.target

                [Service]
                Type=oneshot
                RemainAfterExit=yes
                ExecStart=%1$s%2$s startall
                ExecStop=%1$s%2$s stopall
                TimeoutSec=infinity

                [Install]
                WantedBy=multi-user.target
                """.formatted(launcher, r);
    }

    @Command(name = "stopall", mixinStandardHelpOptions = true,
            description = {"Shut down every running container in reverse startup order, each within its startup down= seconds",
                    "(--timeout otherwise), killing it after that with --force-stop 1 (the default). Exits 1 if any failed."})
    public static final class StopAll implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Option(names = "--timeout", description = "Seconds to wait for a container without startup down= (default ${DEFAULT-VALUE}).",
                defaultValue = "180")
        int timeout;

        @Option(names = {"--force-stop", "--forceStop"}, arity = "0..1", fallbackValue = "1", converter = PveBool.class, parameterConsumer = PveBool.Consumer.class,
                defaultValue = "1", description = "Kill a container that did not shut down in time (default 1).")
        boolean forceStop;

        @Option(names = "--vms", split = ",", paramLabel = "VMID", description = "Only these containers (comma separated).")
        List<Integer> vms = new ArrayList<>();

        @Override public Integer call() {
            return CliErrors.run(spec, () -> {
                var out = spec.commandLine().getOut();
                List<Integer> failed = CtCli.service(spec).stopAll(timeout, forceStop, vms, l -> { out.println(l); out.flush(); });
                return failed.isEmpty() ? 0 : 1;
            });
        }
    }
}
