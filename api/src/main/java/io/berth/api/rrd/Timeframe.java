package io.berth.api.rrd;

import java.util.Locale;

/**
 * The time frames of {@code rrddata}, as Proxmox's RRD files hold them for a guest: 70 rows each, a row
 * consolidating {@code steps} primary samples (one per sampling step, 60 s by default): an hour of 1-minute rows, a
 * day of 30-minute rows, a week of 3-hour rows, a month of 12-hour rows, a year of 1-week rows.
 */
public enum Timeframe {
    HOUR(1), DAY(30), WEEK(180), MONTH(720), YEAR(10080);

    public static final int ROWS = 70;

    final int steps;

    Timeframe(int steps) { this.steps = steps; }

    public static Timeframe parse(String s) {
        for (Timeframe t : values()) if (t.name().toLowerCase(Locale.ROOT).equals(s)) return t;
        throw new io.berth.error.InvalidInputException("timeframe", "value '" + s + "' is not one of hour, day, week, month, year");
    }
}
