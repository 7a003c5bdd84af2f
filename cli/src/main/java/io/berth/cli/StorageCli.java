package io.berth.cli;

import io.berth.ct.storage.StorageContext;
import java.util.Locale;
import picocli.CommandLine.Model.CommandSpec;

/** Shared plumbing of the storage commands: the roots of {@code --root}, sizes for humans (errors: {@link CliErrors}). */
final class StorageCli {
    private StorageCli() {}

    /** The storage context of the {@code --root} given to {@code berth}, reached from any nesting depth. */
    static StorageContext context(CommandSpec spec) {
        return StorageContext.open(((Main) spec.root().userObject()).roots());
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
