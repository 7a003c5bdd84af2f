package io.berth.mount;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The mount options a mount point may carry ({@code mountoptions=noatime;nosuid}), as Proxmox's
 * allow-list. Some are per-mount attributes (apply to binds too), others are filesystem options.
 */
public enum MountOption {
    NOATIME("noatime", true),
    NOSUID("nosuid", true),
    NODEV("nodev", true),
    NOEXEC("noexec", true),
    LAZYTIME("lazytime", false),
    DISCARD("discard", false);

    private final String text;
    private final boolean mountAttribute;

    MountOption(String text, boolean mountAttribute) {
        this.text = text;
        this.mountAttribute = mountAttribute;
    }

    public String text() { return text; }

    /** True for options that are per-mount flags (mount_setattr), false for filesystem (superblock) options. */
    public boolean isMountAttribute() { return mountAttribute; }

    public static final String ALLOWED = Arrays.stream(values()).map(MountOption::text).collect(Collectors.joining(", "));

    /** Parses one option of mount point {@code key}; the error names the key, the value and the allowed ones. */
    public static MountOption parse(String key, String value) {
        for (MountOption o : values()) if (o.text.equals(value)) return o;
        throw new MountException("mount point " + key + ": mount option '" + value + "' is not allowed: allowed are " + ALLOWED);
    }

    @Override public String toString() { return text; }
}
