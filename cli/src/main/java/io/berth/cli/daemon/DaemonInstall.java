package io.berth.cli.daemon;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code berth daemon install}: writes the systemd unit {@code berthd.service} that runs berthd at boot, and
 * enables and starts it when systemd runs. With berthd running, every served command goes through its socket.
 */
@Command(name = "install", mixinStandardHelpOptions = true,
        description = {"Install the systemd unit berthd.service (runs 'berth daemon run' at boot) and enable and start it.",
                "Containers keep running when berthd stops or restarts (KillMode=process)."})
final class DaemonInstall implements Callable<Integer> {
    static final String UNIT = "berthd.service";

    @ParentCommand DaemonCommand parent;

    @Option(names = "--unit-dir", description = "Where the unit goes (default: ${DEFAULT-VALUE}).")
    Path unitDir = Path.of("/etc/systemd/system");

    @Option(names = "--no-enable", description = "Only write the unit; do not enable or start it.")
    boolean noEnable;

    @Override public Integer call() throws IOException, InterruptedException {
        PrintWriter out = parent.spec.commandLine().getOut(), err = parent.spec.commandLine().getErr();
        String launcher = System.getProperty("berth.launcher");
        if (launcher == null || !Files.isExecutable(Path.of(launcher))) {
            err.println("error: cannot tell where bin/berth is (run this through bin/berth)");
            return 1;
        }
        String root = DaemonCommand.Run.rootArg(parent.roots());
        Path unit = unitDir.resolve(UNIT);
        Files.createDirectories(unitDir);
        Path tmp = Files.createTempFile(unitDir, UNIT, ".tmp");
        Files.writeString(tmp, unitText(Path.of(launcher), root));
        Files.move(tmp, unit, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        out.println("wrote " + unit);
        if (noEnable) return 0;
        if (!Files.isDirectory(Path.of("/run/systemd/system"))) {
            out.println("systemd is not running here: enable it later with 'systemctl enable --now " + UNIT + "'");
            return 0;
        }
        for (List<String> cmd : List.of(List.of("systemctl", "daemon-reload"), List.of("systemctl", "enable", "--now", UNIT))) {
            io.berth.sys.ProcessRunner.Result r = io.berth.sys.ProcessRunner.of(cmd).stderrToStdout().timeout(java.time.Duration.ofMinutes(2)).run();
            if (!r.ok()) {
                err.println("error: " + String.join(" ", cmd) + " failed (" + r.how() + "): " + r.stdout().strip());
                return 1;
            }
        }
        out.println("berthd.service enabled and started");
        return 0;
    }

    /** The unit: berthd in the foreground, restarted on failure, leaving containers alone when it stops. */
    static String unitText(Path launcher, String root) {
        String rootArg = root == null ? "" : " --root " + root;
        return """
                [Unit]
                Description=Berth daemon (berthd): serves berth commands on a root-only Unix socket
                Documentation=file://%s
                After=local-fs.target network-online.target lxc-net.service
                Wants=network-online.target

                [Service]
                Type=exec
                ExecStart=%s%s daemon run
                Restart=on-failure
                RestartSec=2
                # containers' LXC monitors are started from berthd: stopping or restarting it must not kill them
                KillMode=process
                Delegate=yes

                [Install]
                WantedBy=multi-user.target
                """.formatted(launcher.getParent().getParent().resolve("docs/ARCHITECTURE.md"), launcher, rootArg);
    }
}
