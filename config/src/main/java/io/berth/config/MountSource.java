package io.berth.config;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What a mount point mounts, classified as pve does. */
public sealed interface MountSource permits MountSource.Volume, MountSource.NewVolume, MountSource.Bind, MountSource.Device {
    String STORAGE_ID = "[a-zA-Z][a-zA-Z0-9\\-_.]*[a-zA-Z0-9]";
    Pattern NEW_VOLUME = Pattern.compile("(" + STORAGE_ID + "):(\\d{1,9}(?:\\.\\d{1,9})?)");
    Pattern VOLUME = Pattern.compile("(" + STORAGE_ID + "):([^\\s,:/][^\\s,]*)");

    /** An existing storage volume {@code storage:volname}. */
    record Volume(String storage, String volname) implements MountSource {
        public String volid() { return storage + ":" + volname; }
    }

    /** A volume to allocate: {@code storage:SIZE_GiB} (size 0 means a plain directory/subvolume). */
    record NewVolume(String storage, double sizeGiB) implements MountSource {}

    /** A host directory bind-mounted into the container. */
    record Bind(Path hostPath) implements MountSource {}

    /** A host block device ({@code /dev/...}) mounted into the container. */
    record Device(Path devicePath) implements MountSource {}

    /** The {@code volume} option value this source was parsed from. */
    default String format() {
        return switch (this) {
            case Volume v -> v.volid();
            case NewVolume n -> n.storage() + ":" + (n.sizeGiB() == Math.rint(n.sizeGiB())
                    ? Long.toString((long) n.sizeGiB()) : Double.toString(n.sizeGiB()));
            case Bind b -> b.hostPath().toString();
            case Device d -> d.devicePath().toString();
        };
    }

    /**
     * Absolute path under {@code /dev/} is a device, other absolute paths are bind mounts, {@code storage:NUMBER}
     * is a new volume, {@code storage:name} an existing volume.
     */
    static MountSource parse(String s) {
        if (s.startsWith("/")) {
            if (s.contains("\0") || s.contains(",") || !s.equals(Path.of(s).normalize().toString()) || hasDotDot(s)) {
                throw new ConfigValueException("path '" + s + "' is not a normalized absolute path (no '..', '.', '//', trailing '/')");
            }
            Path p = Path.of(s);
            return s.startsWith("/dev/") ? new Device(p) : new Bind(p);
        }
        Matcher m = NEW_VOLUME.matcher(s);
        if (m.matches()) return new NewVolume(m.group(1), Double.parseDouble(m.group(2)));
        m = VOLUME.matcher(s);
        if (m.matches()) return new Volume(m.group(1), m.group(2));
        throw new ConfigValueException("volume '" + s + "' is invalid; allowed: STORAGE:VOLNAME, STORAGE:SIZE_GB (new volume), "
                + "an absolute host path (bind mount) or /dev/... (device)");
    }

    private static boolean hasDotDot(String s) {
        for (String part : s.split("/")) if (part.equals("..") || part.equals(".")) return true;
        return false;
    }
}
