package io.berth.cli;

import java.util.Locale;

/** Sizes for humans, as the storage commands print them (the commands reach storage through the façade). */
final class StorageCli {
    private StorageCli() {}

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
