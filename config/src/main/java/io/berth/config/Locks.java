package io.berth.config;

import io.berth.error.LockedException;
import java.time.Duration;
import java.util.Optional;

/**
 * The per-container operation lock: held for as long as an operation (start, set, destroy, ...) works on the
 * container, across threads and processes (and, with the etcd implementation, nodes). Reentrant within a
 * thread. Separate from the config {@code lock:} value, which marks long operations in the config itself.
 */
public interface Locks {
    /** A held lock; closing releases it. */
    interface Held extends AutoCloseable {
        @Override void close();
    }

    /**
     * Takes the container's lock, waiting up to {@code timeout}; {@code owner} (e.g. the task's UPID or
     * "berth start 100 (pid 42)") is recorded so that a refused caller learns who holds it. Throws
     * {@link LockedException} naming the holder when the wait times out.
     */
    Held lock(int vmid, String owner, Duration timeout);

    /** The lock, or empty when it is still held by someone else after {@code timeout}. */
    Optional<Held> tryLock(int vmid, String owner, Duration timeout);

    /** Who holds (or last held) the container's lock, as recorded; empty when unknown. */
    Optional<String> owner(int vmid);
}
