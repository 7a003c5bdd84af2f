package io.berth.config;

import java.util.Optional;

/**
 * One config key declared once: a plain name, or an indexed family such as {@code mp0..mp255}
 * ({@code maxIndex >= 0}). Drives parsing, validation, {@code berth help KEY} and docs/config.md.
 */
public record ConfigKey(String name, int maxIndex, ValueFormat format, Optional<String> defaultValue,
                        String description, ApplyMode apply) {

    public boolean indexed() { return maxIndex >= 0; }

    /** Can be changed on a running container without restart. */
    public boolean hotpluggable() { return apply != ApplyMode.RESTART; }

    /** {@code memory} or {@code mp[n]}. */
    public String displayName() { return indexed() ? name + "[n]" : name; }

    /** Whether a concrete key such as {@code mp10} belongs to this declaration. */
    public boolean matches(String key) {
        if (!indexed()) return key.equals(name);
        if (!key.startsWith(name) || key.length() == name.length()) return false;
        String idx = key.substring(name.length());
        if (!Digits.index(idx, 4)) return false;
        return Integer.parseInt(idx) <= maxIndex;
    }

    /** The index of an indexed key ({@code mp10} -> 10). */
    public int index(String key) { return Integer.parseInt(key.substring(name.length())); }
}
