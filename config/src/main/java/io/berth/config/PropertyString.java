package io.berth.config;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Proxmox property strings {@code default,key=value,key=value}. */
final class PropertyString {
    private PropertyString() {}

    /**
     * Splits on commas; a part without {@code =} is the value of {@code defaultKey} (only allowed once and only
     * when defaultKey is non-null). Unknown and duplicate keys are errors naming the allowed keys.
     */
    static Map<String, String> parse(String value, String defaultKey, Set<String> allowed) {
        Map<String, String> out = new LinkedHashMap<>();
        if (value.isEmpty()) throw new ConfigValueException("empty value; allowed keys: " + allowed);
        for (String part : value.split(",", -1)) {
            int eq = part.indexOf('=');
            String k;
            String v;
            if (eq < 0) {
                if (defaultKey == null) {
                    throw new ConfigValueException("'" + part + "' is not of the form key=value; allowed keys: " + allowed);
                }
                k = defaultKey;
                v = part;
            } else {
                k = part.substring(0, eq);
                v = part.substring(eq + 1);
            }
            if (!allowed.contains(k)) throw new ConfigValueException("unknown option '" + k + "'; allowed: " + allowed);
            if (out.containsKey(k)) throw new ConfigValueException("option '" + k + "' given twice");
            if (v.isEmpty()) throw new ConfigValueException("option '" + k + "' has an empty value");
            out.put(k, v);
        }
        return out;
    }

    static boolean bool(String key, String v) {
        return switch (v) {
            case "1", "yes", "on", "true" -> true;
            case "0", "no", "off", "false" -> false;
            default -> throw new ConfigValueException("option '" + key + "' value '" + v + "' is not a boolean; allowed: 0, 1 (or yes/no, on/off, true/false)");
        };
    }

    static long integer(String key, String v, long min, long max) {
        if (!Digits.integer(v, 19, true)) {
            throw new ConfigValueException("option '" + key + "' value '" + v + "' is not an integer; allowed: " + min + ".." + max);
        }
        long n;
        try {
            n = Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new ConfigValueException("option '" + key + "' value '" + v + "' is out of range; allowed: " + min + ".." + max);
        }
        if (n < min || n > max) {
            throw new ConfigValueException("option '" + key + "' value '" + v + "' is out of range; allowed: " + min + ".." + max);
        }
        return n;
    }

    static String bit(boolean b) { return b ? "1" : "0"; }
}
