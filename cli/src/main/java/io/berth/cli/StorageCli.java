package io.berth.cli;

import io.berth.config.ConfigException;
import io.berth.config.NoSuchContainerException;
import io.berth.ct.CtException;
import io.berth.ct.storage.StorageContext;
import io.berth.storage.StorageConfigException;
import io.berth.storage.StorageException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;

/** Shared plumbing of the storage commands: the roots of {@code --root}, error reporting, sizes for humans. */
final class StorageCli {
    private StorageCli() {}

    static final int EXIT_FAILED = 1;

    /** The storage context of the {@code --root} given to {@code berth}, reached from any nesting depth. */
    static StorageContext context(CommandSpec spec) {
        return StorageContext.open(((Main) spec.root().userObject()).roots());
    }

    /** Runs a command body; refusals and failures become one {@code error:} line on the command's stderr. */
    static int run(CommandSpec spec, Callable<Integer> body) {
        PrintWriter err = spec.commandLine().getErr();
        try {
            return body.call();
        } catch (ConfigException | NoSuchContainerException | IllegalArgumentException | UncheckedIOException e) {
            return ConfigCli.report(spec, e);
        } catch (CtException e) {
            err.println("error: " + e.getMessage());
            return e.exitCode();
        } catch (StorageConfigException e) {
            err.println("error: " + e.getMessage());
            return ConfigCli.EXIT_INVALID;
        } catch (StorageException e) {
            err.println("error: " + e.getMessage());
            return EXIT_FAILED;
        } catch (Exception e) {
            err.println("error: " + e);
            return EXIT_FAILED;
        } finally {
            spec.commandLine().getOut().flush();
            err.flush();
        }
    }

    /** {@code 0}, {@code 512.00M}, {@code 7.50G}: two decimals in the largest unit that keeps the number >= 1. */
    static String human(long bytes) {
        String[] units = {"K", "M", "G", "T", "P"};
        if (bytes < 1024) return Long.toString(bytes);
        double v = bytes;
        int i = -1;
        while (v >= 1024 && i < units.length - 1) {
            v /= 1024;
            i++;
        }
        return String.format(Locale.ROOT, "%.2f%s", v, units[i]);
    }
}
