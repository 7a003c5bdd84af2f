package io.berth.api.task;

import java.util.Locale;

/**
 * Proxmox's task id {@code UPID:NODE:PID:PSTART:STARTTIME:TYPE:ID:USER:} (PID, PSTART, STARTTIME in hex). Berth runs
 * tasks as threads of the daemon: PID is the daemon's, PSTART a per-daemon task serial that keeps ids unique.
 */
public record Upid(String node, long pid, long pstart, long starttime, String type, String id, String user) {
    public static Upid parse(String s) {
        String[] f = s.split(":", -1);
        if (f.length < 9 || !f[0].equals("UPID")) throw new IllegalArgumentException("unable to parse worker upid '" + s + "'");
        try {
            return new Upid(f[1], Long.parseLong(f[2], 16), Long.parseLong(f[3], 16), Long.parseLong(f[4], 16), f[5], f[6], f[7]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("unable to parse worker upid '" + s + "'");
        }
    }

    @Override public String toString() {
        return String.format(Locale.ROOT, "UPID:%s:%08X:%08X:%08X:%s:%s:%s:", node, pid, pstart, starttime, type, id, user);
    }
}
