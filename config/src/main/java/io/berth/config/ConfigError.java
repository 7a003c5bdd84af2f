package io.berth.config;

/**
 * One problem in a config: where (file, 1-based line, 0 if not from a file), which key, the bad value, and
 * a message saying what is allowed.
 */
public record ConfigError(String file, int line, String key, String value, String message) {
    @Override public String toString() {
        StringBuilder sb = new StringBuilder();
        if (file != null && !file.isEmpty()) sb.append(file).append(line > 0 ? ":" + line : "").append(": ");
        if (key != null && !key.isEmpty()) sb.append("'").append(key).append("'");
        if (value != null) sb.append(key != null && !key.isEmpty() ? " " : "").append("value '").append(value).append("'");
        if (sb.length() > 0 && !sb.toString().endsWith(": ")) sb.append(": ");
        return sb.append(message).toString();
    }
}
