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
