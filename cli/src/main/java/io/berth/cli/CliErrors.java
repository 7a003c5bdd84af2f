package io.berth.cli;

import io.berth.config.ConfigError;
import io.berth.config.ConfigException;
import io.berth.ct.CtException;
import io.berth.error.BerthException;
import io.berth.error.DigestMismatchException;
import io.berth.error.ExistsException;
import io.berth.error.HostFailureException;
import io.berth.error.InvalidInputException;
import io.berth.error.LockedException;
import io.berth.error.NotFoundException;
import io.berth.error.ParamError;
import io.berth.error.PermissionDeniedException;
import io.berth.error.StateException;
import io.berth.error.UnsupportedException;
import io.berth.storage.StorageConfigException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The one place that turns a command's failure into {@code error:} lines on its stderr and an exit code, so every
 * command reports the same exception the same way. The code is the error's kind ({@link #exitCode}); documented
 * in docs/ARCHITECTURE.md (the service core), tested by ExitCodesTest (with the HTTP status of the same failures).
 */
final class CliErrors {
    private CliErrors() {}

    static final int EXIT_FAILED = 1;
    static final int EXIT_INVALID = 2;
    static final int EXIT_NOT_FOUND = 3;
    static final int EXIT_IO = 4;
    static final int EXIT_LOCKED = 5;
    static final int EXIT_STATE = 6;
    static final int EXIT_EXISTS = 7;
    static final int EXIT_DIGEST = 8;
    static final int EXIT_UNSUPPORTED = 9;
    static final int EXIT_DENIED = 10;

    /** The one mapping from error kind to exit code (HTTP statuses: {@link io.berth.error.HttpStatus}). */
    static int exitCode(BerthException e) {
        return switch (e) {
            case InvalidInputException x -> EXIT_INVALID;
            case NotFoundException x -> EXIT_NOT_FOUND;
            case LockedException x -> EXIT_LOCKED;
            case StateException x -> EXIT_STATE;
            case ExistsException x -> EXIT_EXISTS;
            case DigestMismatchException x -> EXIT_DIGEST;
            case UnsupportedException x -> EXIT_UNSUPPORTED;
            case PermissionDeniedException x -> EXIT_DENIED;
            case CtException ce -> ce.exitCode(); // exec: the command's own exit code
            case HostFailureException x -> EXIT_FAILED;
        };
    }

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
            case StorageConfigException se -> line(err, se, EXIT_INVALID);
            case InvalidInputException ie -> {
                for (ParamError pe : ie.paramErrors()) err.println("error: " + pe);
                yield EXIT_INVALID;
            }
            case BerthException be -> line(err, be, exitCode(be));
            case IllegalArgumentException ie -> line(err, ie, EXIT_INVALID);
            case UncheckedIOException io -> line(err, io, EXIT_IO);
            default -> {
                // a bug, not a refusal: say what happened without the Java class name
                err.println("error: " + (e.getMessage() == null ? "internal error (" + e.getClass().getSimpleName() + ")" : e.getMessage()));
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
