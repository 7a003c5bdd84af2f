package io.berth.config;

import io.berth.error.HostFailureException;
import io.berth.error.LockedException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Operation locks as {@code <lockDir>/lxc-<vmid>.lock}: a {@link ReentrantLock} per file for threads of this JVM
 * (flock is per process) plus {@code flock} for other processes; the owner is written into the file. While held,
 * the config store's write lock is held too, so writers that only use {@link ConfigStore} never interleave with
 * an operation's read-modify-write (order: operation lock, then config lock; no cycle).
 */
public final class FileLocks implements Locks {
    private static final Map<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

    private final BerthRoots roots;
    private final ConfigStore store;

    public FileLocks(BerthRoots roots) {
        this.roots = roots;
        this.store = new ConfigStore(roots);
    }

    private Path file(int vmid) { return roots.lockDir().resolve("lxc-" + Vmid.check(vmid) + ".lock"); }

    @Override public Held lock(int vmid, String owner, Duration timeout) {
        return tryLock(vmid, owner, timeout).orElseThrow(() -> {
            String holder = owner(vmid).orElse("");
            return new LockedException("can't lock container " + vmid + ": "
                    + (holder.isEmpty() ? "another operation" : holder) + " holds its lock for more than "
                    + timeout.toSeconds() + " s", holder);
        });
    }

    @Override public Optional<Held> tryLock(int vmid, String owner, Duration timeout) {
        Path file = file(vmid);
        ReentrantLock jvm = JVM_LOCKS.computeIfAbsent(file, f -> new ReentrantLock());
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            if (!jvm.tryLock(timeout.toMillis(), TimeUnit.MILLISECONDS)) return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HostFailureException("interrupted while locking container " + vmid, e);
        }
        if (jvm.getHoldCount() > 1) return Optional.of(jvm::unlock); // re-entered on this thread: flock held already
        FileChannel ch = null;
        try {
            ConfigStore.privateDir(file.getParent());
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            while (true) {
                FileLock fl = ch.tryLock();
                if (fl != null) {
                    ConfigStore.Lock conf;
                    try {
                        writeOwner(ch, (owner + "\n").getBytes(StandardCharsets.UTF_8));
                        conf = store.lock(vmid);
                    } catch (IOException | RuntimeException e) {
                        fl.release();
                        throw e;
                    }
                    FileChannel held = ch;
                    return Optional.of(() -> {
                        try {
                            conf.close();
                            fl.release();
                            held.close();
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
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch);
            jvm.unlock();
            if (e instanceof RuntimeException re) throw re;
            throw new HostFailureException("cannot lock container " + vmid + " (" + file + "): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            closeQuietly(ch);
            jvm.unlock();
            Thread.currentThread().interrupt();
            throw new HostFailureException("interrupted while locking container " + vmid, e);
        }
    }

    /**
     * Puts {@code owner} in the held lock's file, unless it holds exactly that already: berthd's owner text is the same
     * for every operation on a container (its pid and thread name), and truncating and rewriting the file freed and
     * allocated a block each time (journaled metadata on every start and stop).
     */
    static void writeOwner(FileChannel ch, byte[] owner) throws IOException {
        if (ch.size() == owner.length) {
            ByteBuffer cur = ByteBuffer.allocate(owner.length);
            while (cur.hasRemaining() && ch.read(cur, cur.position()) > 0) {
                // until full or at the end
            }
            if (!cur.hasRemaining() && java.util.Arrays.equals(cur.array(), owner)) return;
        }
        ch.truncate(0);
        ch.write(ByteBuffer.wrap(owner), 0);
    }

    @Override public Optional<String> owner(int vmid) {
        try {
            String s = Files.readString(file(vmid), StandardCharsets.UTF_8).strip();
            return s.isEmpty() ? Optional.empty() : Optional.of(s);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty(); // only used to word a refusal; the refusal itself does not depend on it
        }
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch == null) return;
        try {
            ch.close();
        } catch (IOException ignored) {
            // the lock was not taken; nothing depends on this close
        }
    }
}
