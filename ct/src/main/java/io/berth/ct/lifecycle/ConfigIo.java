package io.berth.ct.lifecycle;

import io.berth.config.BerthRoots;
import io.berth.config.ConfigStore;
import io.berth.config.ConfigFile;
import io.berth.config.ConfigParser;
import io.berth.config.ConfigPrinter;
import io.berth.ct.CtException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Reads and writes container configs for the lifecycle: atomic writes (temp file, fsync, rename) and a
 * per-container lock that holds across processes (flock on {@code <lockDir>/lxc-<vmid>.lock}) and across threads
 * of this JVM.
 */
public final class ConfigIo {
    private static final Map<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

    private final BerthRoots roots;

    public ConfigIo(BerthRoots roots) { this.roots = roots; }

    public Path path(int vmid) { return roots.containerConfig(vmid); }

    public boolean exists(int vmid) { return Files.isRegularFile(path(vmid)); }

    public ConfigFile read(int vmid) {
        Path p = path(vmid);
        try {
            return ConfigParser.parse(p.toString(), Files.readString(p, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            throw new CtException("container " + vmid + " does not exist (no " + p + ")");
        } catch (IOException e) {
            throw new CtException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }

    public Optional<ConfigFile> readIfExists(int vmid) {
        return exists(vmid) ? Optional.of(read(vmid)) : Optional.empty();
    }

    /** Writes a new config; refuses when one exists already (another create won the race). */
    public void create(int vmid, ConfigFile f) {
        Path p = path(vmid);
        try {
            Files.createDirectories(p.getParent());
            Path tmp = tempFor(p);
            writeSynced(tmp, ConfigPrinter.print(f));
            try {
                Files.createLink(p, tmp); // atomic "create if absent"
            } catch (FileAlreadyExistsException e) {
                throw new CtException("container " + vmid + " exists already (" + p + ")");
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new CtException("cannot write " + p + ": " + e.getMessage(), e);
        }
    }

    public void write(int vmid, ConfigFile f) {
        Path p = path(vmid);
        try {
            Files.createDirectories(p.getParent());
            Path tmp = tempFor(p);
            try {
                writeSynced(tmp, ConfigPrinter.print(f));
                Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new CtException("cannot write " + p + ": " + e.getMessage(), e);
        }
    }

    public void delete(int vmid) {
        try {
            Files.deleteIfExists(path(vmid));
        } catch (IOException e) {
            throw new CtException("cannot remove " + path(vmid) + ": " + e.getMessage(), e);
        }
    }

    private static Path tempFor(Path p) {
        return p.resolveSibling("." + p.getFileName() + ".tmp." + ProcessHandle.current().pid() + "." + Thread.currentThread().threadId());
    }

    private static void writeSynced(Path p, String text) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
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
                        conf = new ConfigStore(roots).lock(vmid);
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
