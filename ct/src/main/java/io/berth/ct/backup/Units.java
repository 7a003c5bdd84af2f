package io.berth.ct.backup;

import java.util.Locale;

/** Sizes as vzdump prints them: {@code 1.5GiB}, {@code 300MiB}. */
final class Units {
    private Units() {}

    static String human(long bytes) {
        String[] u = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int i = 0;
        while (v >= 1024 && i < u.length - 1) {
            v /= 1024;
            i++;
        }
        return i == 0 ? bytes + "B" : String.format(Locale.ROOT, "%.1f%s", v, u[i]);
    }
}
