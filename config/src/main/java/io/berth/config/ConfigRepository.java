package io.berth.config;

import io.berth.error.DigestMismatchException;
import io.berth.error.ExistsException;
import io.berth.error.LockedException;
import io.berth.error.NotFoundException;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Where container configs live. Storage-agnostic on purpose: the file implementation ({@link FileConfigRepository})
 * is the only one today, an etcd one (compare-and-swap on the digest) comes with clustering. Every write is
 * conditional (create-if-absent, write-if-digest), so concurrent writers never lose an update: they re-read and
 * retry ({@link #update}) or report a {@link DigestMismatchException}.
 */
public interface ConfigRepository {
    /** The config and its digest; {@link NotFoundException} when the container does not exist. */
    VersionedConfig read(int vmid);

    Optional<VersionedConfig> readIfExists(int vmid);

    boolean exists(int vmid);

    /** All container ids, ascending. */
    List<Integer> list();

    /** Creates the config only if none exists ({@link ExistsException} otherwise: exactly one of two creates wins). */
    ConfigDigest create(int vmid, ConfigFile config);

    /** Replaces the config only if its digest is still {@code expected}; returns the new digest. */
    ConfigDigest write(int vmid, ConfigFile config, ConfigDigest expected);

    /** Removes the config only if its digest is still {@code expected}. */
    void delete(int vmid, ConfigDigest expected);

    /**
     * Read-modify-write that never loses a concurrent update: on a digest mismatch the change is applied again to
     * the fresh config. {@code change} must therefore be a pure function of the config it gets. Returns the
     * config as written (or as read, when the change made no difference).
     */
    default VersionedConfig update(int vmid, UnaryOperator<ConfigFile> change) {
        for (int attempt = 0; ; attempt++) {
            VersionedConfig cur = read(vmid);
            ConfigFile next = change.apply(cur.config());
            if (next.equals(cur.config())) return cur;
            try {
                return new VersionedConfig(vmid, next, write(vmid, next, cur.digest()));
            } catch (DigestMismatchException e) {
                if (attempt >= 1000) throw e;
                Thread.onSpinWait();
            }
        }
    }

    /**
     * Sets the Proxmox {@code lock:} value; refuses ({@link LockedException}) when the config carries one already.
     */
    default VersionedConfig setLock(int vmid, ConfigLock lock) {
        return update(vmid, f -> {
            checkUnlocked(vmid, f);
            return f.withMain(f.main().with("lock", lock.value()));
        });
    }

    /** Clears the {@code lock:} value if it is {@code lock} (another value is left alone: it is not ours). */
    default VersionedConfig clearLock(int vmid, ConfigLock lock) {
        return update(vmid, f -> f.main().lock().filter(lock.value()::equals).isPresent()
                ? f.withMain(f.main().without("lock")) : f);
    }

    /** {@code berth unlock}: removes whatever {@code lock:} value the config has. */
    default VersionedConfig unlock(int vmid) {
        return update(vmid, f -> f.main().lock().isPresent() ? f.withMain(f.main().without("lock")) : f);
    }

    /** Proxmox's {@code check_lock}: an operation refuses a container whose config carries a {@code lock:} value. */
    static void checkUnlocked(int vmid, ConfigFile f) {
        Optional<String> l = f.main().lock();
        if (l.isPresent())
            throw new LockedException("container " + vmid + " is locked (" + l.get() + "); when no operation is running any more, "
                    + "remove the lock with: berth unlock " + vmid, l.get());
    }
}
