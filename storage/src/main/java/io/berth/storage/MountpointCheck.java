package io.berth.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** {@code is_mountpoint}: refuse to write into the directory under a storage whose filesystem is not mounted. */
final class MountpointCheck {
    private MountpointCheck() {}

    static void check(String id, Path path, Optional<String> isMountpoint) {
        if (isMountpoint.isEmpty()) return;
        String v = isMountpoint.get();
        Path mp = switch (v) {
            case "0", "no", "off", "false" -> null;
            case "1", "yes", "on", "true" -> path;
            default -> Path.of(v);
        };
        if (mp != null && !isMountPoint(mp))
            throw new StorageException("storage '" + id + "' is not online: " + mp + " is not a mount point (is_mountpoint " + v + ")");
    }

    static boolean isMountPoint(Path p) {
        try {
            Path real = p.toRealPath();
            for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
                String[] f = line.split(" ");
                if (f.length > 1 && Path.of(f[1].replace("\\040", " ")).equals(real)) return true;
            }
            return false;
        } catch (IOException e) {
            return false;
        }
    }
}
