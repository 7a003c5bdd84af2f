package io.berth.lxc.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/** A device node's type and numbers, for {@code devices.allow} rules. */
public record DeviceNumber(Type type, int major, int minor) {
    public enum Type {
        CHAR('c'), BLOCK('b');

        private final char letter;

        Type(char letter) { this.letter = letter; }

        public char letter() { return letter; }
    }

    private static final int S_IFMT = 0170000, S_IFCHR = 0020000, S_IFBLK = 0060000;

    public DeviceNumber {
        if (type == null) throw new IllegalArgumentException("device type is missing");
        if (major < 0 || minor < 0) throw new IllegalArgumentException("device number " + major + ":" + minor + " is negative");
    }

    /** The {@code devices.allow} form without access bits, e.g. {@code c 10:200}. */
    public String rule() { return type.letter() + " " + major + ":" + minor; }

    /** Probes a device node on the host; symlinks such as /dev/disk/by-id/... are followed to the node. */
    public static DeviceNumber probe(Path node) throws IOException {
        Path real = node.toRealPath();
        int mode = (Integer) Files.getAttribute(real, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        long rdev = (Long) Files.getAttribute(real, "unix:rdev", LinkOption.NOFOLLOW_LINKS);
        Type t = switch (mode & S_IFMT) {
            case S_IFCHR -> Type.CHAR;
            case S_IFBLK -> Type.BLOCK;
            default -> throw new IOException(node + " is not a character or block device");
        };
        return new DeviceNumber(t, major(rdev), minor(rdev));
    }

    /** glibc's {@code gnu_dev_major}. */
    static int major(long dev) { return (int) (((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL)); }

    /** glibc's {@code gnu_dev_minor}. */
    static int minor(long dev) { return (int) ((dev & 0xff) | ((dev >>> 12) & ~0xffL)); }
}
