package io.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The status/list table is padded by hand (a Formatter per row cost more than reading the row): it must stay the
 * layout of the printf it replaced.
 */
class StatusOutputTest {
    @Test void rowsAreLaidOutAsTheirPrintf() {
        String[][] rows = {{"VMID", "Status", "Lock", "Name", "Uptime", "CPU%", "Mem", "Disk"},
                {"100", "running", "", "web", "12s", "3.4", "180.0KiB", "206.7MiB"},
                {"999999999", "stopped", "backup", "a-very-long-hostname-beyond-twenty", "-", "0.0", "-", "-"},
                {"4100", "running", "snapshot", "x", "123456789s", "100.0", "1023.9GiB", "12345678901B"}};
        for (String[] r : rows) {
            StringBuilder sb = new StringBuilder();
            StatusCommand.row(sb, r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
            assertThat(sb.toString()).isEqualTo(String.format("%-8s %-8s %-7s %-20s %8s %6s %10s %10s%n", (Object[]) r));
        }
    }

    @Test void sizesAreRoundedAsTheirPrintf() {
        long[] bytes = {0, 1023, 1024, 1075, 1126, 1536, 1048575, 1048576, 5L << 30, (3L << 40) + 12345, Long.MAX_VALUE};
        String[] u = {"B", "KiB", "MiB", "GiB", "TiB"};
        for (long b : bytes) {
            double v = b;
            int i = 0;
            while (v >= 1024 && i < u.length - 1) { v /= 1024; i++; }
            String printf = i == 0 ? b + "B" : String.format(Locale.ROOT, "%.1f%s", v, u[i]);
            assertThat(StatusCommand.size(b)).as("%s", b).isEqualTo(printf);
        }
        assertThat(StatusCommand.size(-1)).isEqualTo("unlimited");
    }

    @Test void cpuIsRoundedAsPercentOneF() {
        Random rnd = new Random(42);
        double[] edge = {0, 0.05, 0.15, 0.25, 0.35, 1.45, 2.675, 99.95, 100, 12.349999, 0.04999, 1e-9};
        for (double v : edge) assertThat(StatusCommand.oneDecimal(v)).as("%s", v).isEqualTo(String.format(Locale.ROOT, "%.1f", v));
        for (int i = 0; i < 100_000; i++) {
            double v = rnd.nextDouble() * (i % 2 == 0 ? 1 : 400);
            assertThat(StatusCommand.oneDecimal(v)).as("%s", v).isEqualTo(String.format(Locale.ROOT, "%.1f", v));
        }
    }
}
