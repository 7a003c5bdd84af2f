package io.berth.ct.lifecycle;

import io.berth.config.BerthRoots;
import io.berth.config.ConfigStore;
import io.berth.config.NoSuchContainerException;
import io.berth.config.ConfigFile;
import io.berth.ct.CtException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Container configs for the lifecycle: reads and atomic writes go through {@link ConfigStore} (with errors as
 * {@link CtException}), plus the per-container operation lock that holds across processes (flock on
 * {@code <lockDir>/lxc-<vmid>.lock}) and across threads of this JVM, for as long as a start or stop takes.
 */
public final class ConfigIo {
    private static final Map<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

    private final BerthRoots roots;

    private final ConfigStore store;

    public ConfigIo(BerthRoots roots) {
        this.roots = roots;
        this.store = new ConfigStore(roots);
    }

    public Path path(int vmid) { return roots.containerConfig(vmid); }

    public boolean exists(int vmid) { return Files.isRegularFile(path(vmid)); }

    /** The parsed config; a missing one is a {@link CtException} naming the container and the file. */
    public ConfigFile read(int vmid) {
        try {
            return store.load(vmid);
        } catch (NoSuchContainerException e) {
            throw new CtException("container " + vmid + " does not exist (no " + path(vmid) + ")");
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
        } catch (IllegalStateException e) {
            throw new CtException("container " + vmid + " exists already (" + path(vmid) + ")");
        } catch (UncheckedIOException e) {
            throw new CtException(e.getMessage(), e);
        }
    }

    /** Atomic write (temp file, fsync, rename, fsync of the directory) through the config store. */
    public void write(int vmid, ConfigFile f) {
        try (ConfigStore.Lock l = store.lock(vmid)) {
            store.write(vmid, f);
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

    /** Takes the container's lock, waiting up to {@code timeout}. */
    public Lock lock(int vmid, Duration timeout) {
        return tryLock(vmid, timeout).orElseThrow(() -> new CtException("can't lock container " + vmid
                + ": another operation holds its lock for more than " + timeout.toSeconds() + " s"));
    }

    /** Takes the container's lock, or empty when it is still held by someone else after {@code timeout}. */
    public Optional<Lock> tryLock(int vmid, Duration timeout) {
        Path file = roots.lockDir().resolve("lxc-" + vmid + ".lock");
        ReentrantLock jvm = JVM_LOCKS.computeIfAbsent(file, f -> new ReentrantLock());
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            if (!jvm.tryLock(timeout.toMillis(), TimeUnit.MILLISECONDS)) return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CtException("interrupted while locking container " + vmid, e);
        }
        if (jvm.getHoldCount() > 1) return Optional.of(jvm::unlock); // re-entered on this thread: flock held already
        try {
            Files.createDirectories(file.getParent());
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            while (true) {
                FileLock fl = ch.tryLock();
                if (fl != null) {
                    // Also hold the config store's short write lock, so that writers which only use ConfigStore
                    // (rescan, resize, volume commands) never interleave with a lifecycle operation's
                    // read-modify-write. Order is always operation lock, then config lock: no cycle.
                    ConfigStore.Lock conf;
                    try {
                        conf = store.lock(vmid);
                    } catch (RuntimeException e) {
                        fl.release();
                        ch.close();
                        jvm.unlock();
                        throw e;
                    }
                    return Optional.of(() -> {
                        try {
                            conf.close();
                            fl.release();
                            ch.close();
                        } catch (IOException e) {
                            // closing the channel drops the flock anyway
                        } finally {
                            jvm.unlock();
                        }
                    });
                }
                if (System.nanoTime() > deadline) {
                    ch.close();
                    jvm.unlock();
                    return Optional.empty();
                }
                Thread.sleep(20);
            }
        } catch (IOException e) {
            jvm.unlock();
            throw new CtException("cannot lock container " + vmid + " (" + file + "): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            jvm.unlock();
            Thread.currentThread().interrupt();
            throw new CtException("interrupted while locking container " + vmid, e);
        }
    }
}
