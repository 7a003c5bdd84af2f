package io.berth.ct.task;

import io.berth.error.InvalidInputException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A task id in Proxmox's format, {@code UPID:node:pid:pstart:starttime:type:id:user:} with pid, pstart (the
 * process start time in clock ticks, so a recycled pid is not mistaken for the task's process) and starttime
 * (epoch seconds) as 8 upper-case hex digits, so the API and tools written for Proxmox read ours.
 */
public record Upid(String node, long pid, long pstart, long starttime, String type, String id, String user) {
    private static final Pattern FORMAT = Pattern.compile(
            "UPID:([a-zA-Z0-9]([a-zA-Z0-9\\-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\\s]+):([^:\\s]*):([^:\\s]+):");

    /** Compiled once: every task builds a UPID, and berthd runs this code interpreted (String.matches compiles per call). */
    static final Pattern NODE = Pattern.compile("[a-zA-Z0-9]([a-zA-Z0-9\\-]*[a-zA-Z0-9])?");
    private static final Pattern SEPARATOR = Pattern.compile("[:\\s]");

    public Upid {
        if (!NODE.matcher(node).matches()) throw new IllegalArgumentException("bad node name '" + node + "'");
        if (type.isEmpty() || SEPARATOR.matcher(type).find()) throw new IllegalArgumentException("bad task type '" + type + "'");
        if (SEPARATOR.matcher(id).find()) throw new IllegalArgumentException("bad task id '" + id + "'");
        if (user.isEmpty() || SEPARATOR.matcher(user).find()) throw new IllegalArgumentException("bad task user '" + user + "'");
    }

    public static Upid parse(String s) {
        Matcher m = FORMAT.matcher(s == null ? "" : s.strip());
        if (!m.matches())
            throw new InvalidInputException("upid", "'" + s + "' is not a task id; allowed: UPID:node:pid:pstart:starttime:type:id:user: "
                    + "(as printed by berth task list)");
        return new Upid(m.group(1), Long.parseLong(m.group(3), 16), Long.parseLong(m.group(4), 16),
                Long.parseLong(m.group(5), 16), m.group(6), m.group(7), m.group(8));
    }

    /** Proxmox keeps a task's log in a subdirectory named after the last hex digit of the start time. */
    String subdir() { return String.valueOf(Character.toUpperCase(Character.forDigit((int) (starttime & 0xf), 16))); }

    /** As {@code String.format("UPID:%s:%08X:%08X:%08X:%s:%s:%s:", ...)}, without a Formatter per call (a task writes it several times). */
    @Override public String toString() {
        StringBuilder sb = new StringBuilder(64).append("UPID:").append(node).append(':');
        hex8(sb, pid).append(':');
        hex8(sb, pstart).append(':');
        hex8(sb, starttime).append(':');
        return sb.append(type).append(':').append(id).append(':').append(user).append(':').toString();
    }

    /** {@code %08X}: upper-case hex, at least 8 digits (two's complement for a negative value, as Formatter). */
    static StringBuilder hex8(StringBuilder sb, long v) {
        String h = Long.toHexString(v).toUpperCase(java.util.Locale.ROOT);
        for (int i = h.length(); i < 8; i++) sb.append('0');
        return sb.append(h);
    }
}
