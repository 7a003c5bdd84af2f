package io.berth.ct.lifecycle;

import io.berth.config.BerthRoots;
import io.berth.config.ConfigStore;
import io.berth.config.NoSuchContainerException;
import io.berth.config.ConfigFile;
import io.berth.ct.CtException;
import io.berth.config.FileLocks;
import io.berth.config.Locks;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Container configs for the lifecycle: reads and atomic writes go through {@link ConfigStore} (with errors as
 * {@link CtException}), plus the per-container operation lock ({@link FileLocks}). Being replaced by
 * {@link io.berth.config.ConfigRepository} and {@link Locks}; new code should use those.
 */
public final class ConfigIo {
    private final BerthRoots roots;

    private final ConfigStore store;
    private final Locks locks;

    public ConfigIo(BerthRoots roots) {
        this.roots = roots;
        this.store = new ConfigStore(roots);
        this.locks = io.berth.config.ClusterBackend.locks(roots);
    }

    public Path path(int vmid) { return roots.containerConfig(vmid); }

    public boolean exists(int vmid) { return Files.isRegularFile(path(vmid)); }

    /** The parsed config; a missing one is a {@link NoSuchContainerException} naming the container and the file. */
    public ConfigFile read(int vmid) {
        try {
            return store.load(vmid);
        } catch (UncheckedIOException e) {
            throw new CtException(e.getMessage(), e);
        }
    }

    public Optional<ConfigFile> readIfExists(int vmid) {
        return exists(vmid) ? Optional.of(read(vmid)) : Optional.empty();
    }

    /** Writes a new config; refuses when one exists already (another create won the race). */
    public void create(int vmid, ConfigFile f) {
        try {
            store.create(vmid, f);
        } catch (UncheckedIOException e) {
            throw new CtException(e.getMessage(), e);
        }
    }

    /** Atomic write (temp file, fsync, rename, fsync of the directory) through the config store. */
    public void write(int vmid, ConfigFile f) {
        write(vmid, f, true);
    }

    /**
     * An interim config that a durable {@link #write} replaces before the operation ends (create's {@code lock:
     * create} states): atomic and surviving a killed process, but not fsynced, as each fsync costs a journal commit.
     */
    public void writeInterim(int vmid, ConfigFile f) {
        write(vmid, f, false);
    }

    /** {@link #create}, as an interim config (see {@link #writeInterim}). */
    public void createInterim(int vmid, ConfigFile f) {
        try {
            store.create(vmid, f, false);
        } catch (UncheckedIOException e) {
            throw new CtException(e.getMessage(), e);
        }
    }

    private void write(int vmid, ConfigFile f, boolean durable) {
        try (ConfigStore.Lock l = store.lock(vmid)) {
            store.write(vmid, f, durable);
        } catch (UncheckedIOException e) {
            throw new CtException(e.getMessage(), e);
        }
    }

    /** Removes the config; a config that is already gone is fine (destroy may be re-run after a failure). */
    public void delete(int vmid) {
        try {
            store.delete(vmid);
        } catch (NoSuchContainerException e) {
            // nothing to remove
        } catch (UncheckedIOException e) {
            throw new CtException("cannot remove " + path(vmid) + ": " + e.getMessage(), e);
        }
    }

    /** A held container lock; closing releases it. */
    public interface Lock extends AutoCloseable {
        @Override void close();
    }

    /** Takes the container's lock, waiting up to {@code timeout}; refused as {@link io.berth.error.LockedException}. */
    public Lock lock(int vmid, Duration timeout) {
        Locks.Held h = locks.lock(vmid, owner(vmid), timeout);
        return h::close;
    }

    /** Takes the container's lock, or empty when it is still held by someone else after {@code timeout}. */
    public Optional<Lock> tryLock(int vmid, Duration timeout) {
        return locks.tryLock(vmid, owner(vmid), timeout).map(h -> h::close);
    }

    private static String owner(int vmid) {
        return "an operation on container " + vmid + " (pid " + ProcessHandle.current().pid() + ", thread "
                + Thread.currentThread().getName() + ")";
    }
}
