package io.berth.cli;

import io.berth.config.ConfigError;
import io.berth.config.ConfigParser;
import io.berth.config.ContainerConfig;
import io.berth.config.ParsedConfig;
import io.berth.guest.GuestSetup;
import io.berth.guest.GuestSpec;
import io.berth.guest.HostEnv;
import io.berth.guest.Phase;
import io.berth.guest.SetupReport;
import io.berth.idmap.IdMap;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code berth guest-setup --rootfs DIR --config FILE [--phase create|start]}: runs guest setup on a plain directory,
 * so an admin (or a test) sees exactly which files Berth writes into a container, without a container.
 */
@Command(name = "guest-setup", mixinStandardHelpOptions = true,
        description = {"Run guest setup (what create or start writes into the container) on a directory.",
                "Writes into DIR: run it on a copy to preview. Prints the distribution found and every file changed."})
public final class GuestSetupCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--rootfs", required = true, paramLabel = "DIR", description = "The container's root directory.")
    Path rootfs;

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "A container config (<vmid>.conf).")
    Path config;

    @Option(names = "--phase", paramLabel = "PHASE", defaultValue = "start",
            description = "create (first set-up after extraction: also passwords, SSH keys, template fix-ups) or start "
                    + "(what every start writes). Default: ${DEFAULT-VALUE}.")
    String phase;

    @Option(names = "--password", paramLabel = "PASSWORD",
            description = "create: root's password (plain, or a crypt(3) hash like $6$...); without it root's password is locked.")
    String password;

    @Option(names = "--ssh-public-keys", paramLabel = "FILE", description = "create: public keys for root's authorized_keys.")
    Path sshKeys;

    @Option(names = "--host-resolv-conf", paramLabel = "FILE", defaultValue = "/etc/resolv.conf",
            description = "Where DNS settings the config lacks come from. Default: ${DEFAULT-VALUE}.")
    Path hostResolv;

    @Override public Integer call() {
        try {
            Phase p = switch (phase) {
                case "create" -> Phase.CREATE;
                case "start" -> Phase.PRE_START;
                default -> throw new IllegalArgumentException("--phase '" + phase + "' is invalid; allowed: create, start");
            };
            if (!Files.isDirectory(rootfs)) {
                throw new IllegalArgumentException("--rootfs '" + rootfs + "' is not a directory");
            }
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            ParsedConfig parsed = ConfigParser.read(config.toString(), read(config));
            for (ConfigError w : parsed.warnings()) err.println("warning: " + w);
            for (String n : parsed.notes()) err.println("note: " + n);
            ContainerConfig conf = parsed.config().withPendingApplied();
            IdMap ids = conf.idmap();
            Optional<String> keys = Optional.ofNullable(sshKeys).map(k -> new String(read(k), StandardCharsets.UTF_8));
            GuestSpec gs = new GuestSpec(conf, Optional.ofNullable(password), keys, (int) ids.rootUid(), (int) ids.rootGid());
            HostEnv system = HostEnv.system();
            HostEnv host = new HostEnv(hostResolv, system.timezone(), system.sshKeygen());
            SetupReport r = GuestSetup.apply(rootfs, gs, p, host);
            out.println("distribution: " + r.detected().ostype() + " " + r.detected().version() + " (" + r.detected().id() + ")");
            for (String c : r.changed()) out.println("changed: " + c);
            for (String s : r.skipped()) out.println("skipped: " + s);
            for (String w : r.warnings()) err.println("warning: " + w);
            out.flush();
            err.flush();
            return 0;
        } catch (RuntimeException e) {
            return CliErrors.report(spec, e);
        }
    }

    private static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }
}
