package io.berth.ct.backup;

import io.berth.sys.LoopDevices;
import java.nio.file.Path;
import java.util.List;

/**
 * Waits until the loop devices of images we mounted in a private mount namespace are gone. Leaving the namespace
 * drops its mounts through the kernel's delayed mntput, so for a moment the ext4 image is still mounted on its loop
 * device; sysfs then shows the backing file relative to the detached filesystem (e.g. without a btrfs storage's
 * mount point), so a mount right after would attach a second loop device and ext4's MMP would refuse it after a long
 * wait. Restores and backups hand over to the next mount (start, restart) only once the devices are released.
 */
final class LoopSettle {
    private LoopSettle() {}

    /** The image files among mount requests. */
    static List<Path> images(List<io.berth.mount.MountRequest> requests) {
        return requests.stream().map(io.berth.mount.MountRequest::source)
                .filter(io.berth.mount.MountSource.ImageFile.class::isInstance)
                .map(s -> ((io.berth.mount.MountSource.ImageFile) s).file()).toList();
    }

    static void await(List<Path> images, long maxMillis) {
        if (images.isEmpty()) return;
        long deadline = System.nanoTime() + maxMillis * 1_000_000;
        while (System.nanoTime() < deadline) {
            boolean busy = LoopDevices.attached().values().stream().anyMatch(f -> images.stream().anyMatch(i -> backs(f, i)));
            if (!busy) return;
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Whether a sysfs backing-file path names {@code image}: equal, or the image's path ends with it. */
    static boolean backs(Path sysfs, Path image) {
        String s = sysfs.toString(), i = image.toAbsolutePath().normalize().toString();
        return s.equals(i) || s.startsWith("/") && s.length() > 1 && i.endsWith(s);
    }
}
