package io.berth.ct.clone;

import io.berth.mount.MountException;
import io.berth.sys.Errno;
import io.berth.sys.SysException;
import java.util.function.Supplier;

/**
 * Mounts a volume that was in use a moment ago (a container just stopped, a create or clone just ended): the kernel
 * releases the last mount of a namespace that went away asynchronously, and until then ext4 refuses a new mount of the
 * same image with EBUSY. Waits for that, up to {@link #LIMIT_MS}, instead of failing the command.
 */
public final class BusyRetry {
    static final long LIMIT_MS = 3000;

    private BusyRetry() {}

    /**
     * Waits (up to {@code maxMillis}) until no loop device backs any of {@code images} any more: a private mount
     * namespace that just ended (create, clone, copy, a stopped container's df) still holds its ext4 mounts for a
     * moment, and sysfs then names the backing file relative to the detached filesystem, so a new mount would attach a
     * second loop device and ext4's multi-mount protection would refuse it after a long wait.
     */
    public static void awaitReleased(java.util.List<java.nio.file.Path> images, long maxMillis) {
        if (images.isEmpty()) return;
        long deadline = System.nanoTime() + maxMillis * 1_000_000;
        while (System.nanoTime() < deadline) {
            boolean busy = io.berth.sys.LoopDevices.attached().values().stream()
                    .anyMatch(f -> images.stream().anyMatch(i -> backs(f, i)));
            if (!busy) return;
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The image files among mount requests. */
    public static java.util.List<java.nio.file.Path> images(java.util.List<io.berth.mount.MountRequest> requests) {
        return requests.stream().map(io.berth.mount.MountRequest::source)
                .filter(io.berth.mount.MountSource.ImageFile.class::isInstance)
                .map(s -> ((io.berth.mount.MountSource.ImageFile) s).file()).toList();
    }

    private static boolean backs(java.nio.file.Path sysfs, java.nio.file.Path image) {
        String s = sysfs.toString(), i = image.toAbsolutePath().normalize().toString();
        return s.equals(i) || s.startsWith("/") && s.length() > 1 && i.endsWith(s);
    }

    /** How long a just-ended namespace may hold an image. */
    public static final long SETTLE_MS = 30_000;

    public static <T> T mount(Supplier<T> attempt) {
        long deadline = System.nanoTime() + LIMIT_MS * 1_000_000;
        while (true) {
            try {
                return attempt.get();
            } catch (MountException e) {
                if (!busy(e) || System.nanoTime() > deadline) throw e;
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private static boolean busy(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause())
            if (t instanceof SysException s && s.is(Errno.EBUSY)) return true;
        return false;
    }
}
