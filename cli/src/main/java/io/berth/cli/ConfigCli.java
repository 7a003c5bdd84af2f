package io.berth.cli;

import io.berth.config.ConfigError;
import io.berth.config.ConfigException;
import io.berth.config.NoSuchContainerException;
import io.berth.config.Vmid;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine.Model.CommandSpec;

/** Shared error reporting and vmid parsing for the config commands. */
final class ConfigCli {
    private ConfigCli() {}

    static final int EXIT_INVALID = 2;
    static final int EXIT_NOT_FOUND = 3;
    static final int EXIT_IO = 4;

    static int vmid(String s) { return Vmid.parse(s); }

    /** Prints what went wrong and returns the exit code; unexpected exceptions propagate. */
    static int report(CommandSpec spec, RuntimeException e) {
        PrintWriter err = spec.commandLine().getErr();
        switch (e) {
            case ConfigException ce -> {
                for (ConfigError ee : ce.errors()) err.println("error: " + ee);
                err.flush();
                return EXIT_INVALID;
            }
            case NoSuchContainerException ne -> {
                err.println("error: " + ne.getMessage());
                err.flush();
                return EXIT_NOT_FOUND;
            }
            case IllegalArgumentException ie -> {
                err.println("error: " + ie.getMessage());
                err.flush();
                return EXIT_INVALID;
            }
            case UncheckedIOException io -> {
                err.println("error: " + io.getMessage());
                err.flush();
                return EXIT_IO;
            }
            case io.berth.ct.CtException ce -> {
                err.println("error: " + ce.getMessage());
                err.flush();
                return ce.exitCode();
            }
            case io.berth.storage.StorageException se -> {
                err.println("error: " + se.getMessage());
                err.flush();
                return 1;
            }
            case io.berth.mount.MountException me -> {
                err.println("error: " + me.getMessage());
                err.flush();
                return 1;
            }
            default -> throw e;
        }
    }
}
