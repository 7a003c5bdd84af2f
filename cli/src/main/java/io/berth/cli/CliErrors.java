package io.berth.cli;

import io.berth.config.ConfigError;
import io.berth.config.ConfigException;
import io.berth.config.NoSuchContainerException;
import io.berth.ct.CtException;
import io.berth.mount.MountException;
import io.berth.storage.StorageConfigException;
import io.berth.storage.StorageException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The one place that turns a command's failure into {@code error:} lines on its stderr and an exit code, so every
 * command reports the same exception the same way: 2 for bad input, 3 for an unknown container, 4 for I/O, the
 * service's own code for lifecycle refusals, 1 for other failures.
 */
final class CliErrors {
    private CliErrors() {}

    static final int EXIT_FAILED = 1;
    static final int EXIT_INVALID = 2;
    static final int EXIT_NOT_FOUND = 3;
    static final int EXIT_IO = 4;

    /** Runs a command body and reports what it throws. */
    static int run(CommandSpec spec, Callable<Integer> body) {
        try {
            return body.call();
        } catch (Exception e) {
            return report(spec, e);
        } finally {
            spec.commandLine().getOut().flush();
            spec.commandLine().getErr().flush();
        }
    }

    static int report(CommandSpec spec, Exception e) {
        PrintWriter err = spec.commandLine().getErr();
        int rc = switch (e) {
            case ConfigException ce -> {
                for (ConfigError ee : ce.errors()) err.println("error: " + ee);
                yield EXIT_INVALID;
            }
            case NoSuchContainerException ne -> line(err, ne, EXIT_NOT_FOUND);
            case IllegalArgumentException ie -> line(err, ie, EXIT_INVALID);
            case UncheckedIOException io -> line(err, io, EXIT_IO);
            case CtException ce -> line(err, ce, ce.exitCode());
            case StorageConfigException se -> line(err, se, EXIT_INVALID);
            case StorageException se -> line(err, se, EXIT_FAILED);
            case MountException me -> line(err, me, EXIT_FAILED);
            default -> {
                err.println("error: " + e);
                yield EXIT_FAILED;
            }
        };
        err.flush();
        return rc;
    }

    private static int line(PrintWriter err, Exception e, int rc) {
        err.println("error: " + e.getMessage());
        return rc;
    }
}
