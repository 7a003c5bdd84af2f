package io.berth.ct.storage;

import io.berth.error.InvalidInputException;
import io.berth.config.ConfigValueException;
import io.berth.config.MountPoint;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The size argument of {@code resize}: {@code +1G} grows by that much, {@code 8G} sets the size (pct resize).
 * Units K, M, G, T are powers of 1024; a number without unit is bytes.
 */
public record SizeSpec(boolean relative, long bytes) {
    private static final Pattern SYNTAX = Pattern.compile("(\\+)?(\\d+(?:\\.\\d+)?[KMGT]?)");
    static final String ALLOWED = "[+]NUMBER[K|M|G|T], e.g. +1G (grow by) or 8G (new size)";

    public static SizeSpec parse(String value) {
        Matcher m = SYNTAX.matcher(value == null ? "" : value);
        if (!m.matches()) throw new InvalidInputException("size", "invalid size '" + value + "': allowed " + ALLOWED);
        try {
            return new SizeSpec(m.group(1) != null, MountPoint.parseSize(m.group(2)));
        } catch (ConfigValueException e) {
            throw new InvalidInputException("size", "invalid size '" + value + "': " + e.getMessage());
        }
    }

    /** The size a volume of {@code current} bytes gets. */
    public long target(long current) {
        return relative ? Math.addExact(current, bytes) : bytes;
    }
}
