package io.berth.config;

import io.berth.error.InvalidInputException;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The values of the Proxmox {@code lock:} config key: an operation that spans more than one process (or
 * survives a crash) marks the config so that others refuse to touch the container until it is done or an admin
 * runs {@code berth unlock}.
 */
public enum ConfigLock {
    BACKUP("backup"), CREATE("create"), DESTROYED("destroyed"), DISK("disk"), FSTRIM("fstrim"),
    MIGRATE("migrate"), MOUNTED("mounted"), ROLLBACK("rollback"), SNAPSHOT("snapshot"),
    SNAPSHOT_DELETE("snapshot-delete");

    private final String value;

    ConfigLock(String value) { this.value = value; }

    /** As written in the config. */
    public String value() { return value; }

    public static ConfigLock parse(String s) {
        for (ConfigLock l : values()) if (l.value.equals(s)) return l;
        throw new InvalidInputException("lock", "'" + s + "' is invalid; allowed: "
                + Arrays.stream(values()).map(ConfigLock::value).collect(Collectors.joining(", ")));
    }
}
