package io.berth.ct.task;

import io.berth.config.BerthRoots;
import io.berth.error.BerthException;
import io.berth.error.HostFailureException;
import io.berth.error.NotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tasks on this node, kept as Proxmox keeps them, in files that outlive any process (berthd included):
 * {@code <state>/tasks/<X>/<UPID>} is the log (ending with {@code TASK OK}, {@code TASK WARNINGS: n} or
 * {@code TASK ERROR: msg}), {@code <state>/tasks/active} lists started tasks and {@code <state>/tasks/index} holds
 * {@code UPID ENDTIME STATUS} for finished ones. A started task that never finished and whose process (pid +
 * start time) is gone reads as {@code unexpected status}.
 *
 * <p>Bounded as Proxmox bounds its task list: finished entries leave {@code active}; when {@code index} outgrows
 * its limit it becomes the archive {@code index.1} (still listed and readable), and the tasks of the archive it
 * replaces are forgotten, logs included. So at most about two index files' worth of tasks are kept.
 */
public final class Tasks {
    private static final String OK_LINE = "TASK OK";
    private static final String WARN_PREFIX = "TASK WARNINGS: ";
    private static final String ERROR_PREFIX = "TASK ERROR: ";
    private static final String PROGRESS_PREFIX = "progress ";
    /** Finished entries are dropped from {@code active} once it grows past this. */
    private static final int ACTIVE_COMPACT = 500;

    /** What a task runs; its result is returned by {@link #run}. */
    @FunctionalInterface
    public interface Body<T> {
        T run(Task task) throws Exception;
    }

    /** {@code index} is rotated into {@code index.1} past this size: about 2500 tasks. */
    static final long INDEX_MAX_BYTES = 256 * 1024;
    /**
     * Java's file locks belong to the whole JVM (a second channel locking the same file throws
     * OverlappingFileLockException), so threads of one process take this first; the flock orders processes.
     */
    private static final Object FILE_LOCK_ORDER = new Object();

    private final Path dir;
    private final String node;
    private final long indexMaxBytes;
    private final long pid = ProcessHandle.current().pid();
    private final long pstart = startTicks(pid).orElse(0);
    private final Map<Upid, Running> running = new ConcurrentHashMap<>();
    /** The last start second per {@code type:id} in this process (one entry per container and task type). */
    private final Map<String, Long> lastStart = new ConcurrentHashMap<>();
    /** The task the current thread runs in, so that a service call inside a task does not start a second one. */
    private static final ThreadLocal<Running> CURRENT = new ThreadLocal<>();

    public Tasks(BerthRoots roots) { this(roots.stateDir().resolve("tasks"), nodeName()); }

    Tasks(Path dir, String node) { this(dir, node, INDEX_MAX_BYTES); }

    Tasks(Path dir, String node, long indexMaxBytes) {
        this.dir = dir;
        this.node = node;
        this.indexMaxBytes = indexMaxBytes;
    }

    /**
     * Runs {@code body} as a task of {@code type} (Proxmox's names: vzcreate, vzstart, vzstop, ...) on object
     * {@code id} for {@code user} on the caller's thread; records its end, rethrows its failure.
     */
    public <T> T run(String type, String id, String user, Body<T> body) {
        Running outer = CURRENT.get();
        if (outer != null && outer.owner() == this) {
            // already inside a task (e.g. the API submitted one that calls the service): it is the task
            try {
                return body.run(outer);
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new HostFailureException(message(e), e);
            }
        }
        Running t = start(type, id, user);
        CURRENT.set(t);
        try {
            T result = body.run(t);
            t.finish(t.warnings == 0 ? OK_LINE : WARN_PREFIX + t.warnings);
            return result;
        } catch (RuntimeException | Error e) {
            t.finish(ERROR_PREFIX + oneLine(message(e)));
            throw e;
        } catch (Exception e) {
            t.finish(ERROR_PREFIX + oneLine(message(e)));
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            throw new HostFailureException(message(e), e);
        } finally {
            CURRENT.remove();
        }
    }

    /**
     * Starts {@code body} as a task on a virtual thread and returns its UPID at once (the API's worker model:
     * the client polls {@link #status}); a failure is recorded in the task, not thrown.
     */
    public Upid submit(String type, String id, String user, Body<?> body) {
        Running t = start(type, id, user);
        Thread.ofVirtual().name("task " + t.upid()).start(() -> {
            CURRENT.set(t);
            try {
                body.run(t);
                t.finish(t.warnings == 0 ? OK_LINE : WARN_PREFIX + t.warnings);
            } catch (Exception | Error e) {
                t.finish(ERROR_PREFIX + oneLine(message(e)));
            }
        });
        return t.upid();
    }

    /** Newest first, at most {@code limit}. */
    public List<TaskInfo> list(int limit) {
        Map<Upid, TaskInfo> all = new LinkedHashMap<>();
        for (String l : lines(dir.resolve("active"))) parseUpid(l).ifPresent(u -> all.put(u, new TaskInfo(u, runningStatus(u), OptionalLong.empty())));
        for (String l : lines(dir.resolve("index.1"))) parseIndexLine(l).ifPresent(ti -> all.put(ti.upid(), ti));
        for (String l : lines(dir.resolve("index"))) parseIndexLine(l).ifPresent(ti -> all.put(ti.upid(), ti));
        return all.values().stream()
                .sorted(Comparator.comparingLong((TaskInfo ti) -> ti.upid().starttime()).reversed()
                        .thenComparing(ti -> ti.upid().toString(), Comparator.reverseOrder()))
                .limit(limit).toList();
    }

    public TaskInfo status(Upid upid) {
        Path log = logFile(upid);
        if (!Files.exists(log)) throw new NotFoundException("task " + upid + " does not exist on this node (no " + log + ")");
        // Our own running tasks first: finish() records the end in the index before it leaves the map, so a task
        // that is in neither when we look had already ended before the index was read (never seen as vanished).
        Running mine = running.get(upid);
        if (mine != null) return new TaskInfo(upid, new TaskStatus.Running(mine.percent, mine.step), OptionalLong.empty());
        for (String file : List.of("index", "index.1")) {
            for (String l : lines(dir.resolve(file)).reversed()) {
                Optional<TaskInfo> ti = parseIndexLine(l);
                if (ti.isPresent() && ti.get().upid().equals(upid)) return ti.get();
            }
        }
        return new TaskInfo(upid, runningStatus(upid), OptionalLong.empty());
    }

    /** The task's log lines, as written so far. */
    public List<String> log(Upid upid) {
        Path log = logFile(upid);
        if (!Files.exists(log)) throw new NotFoundException("task " + upid + " does not exist on this node (no " + log + ")");
        return lines(log);
    }

    Path logFile(Upid upid) { return dir.resolve(upid.subdir()).resolve(upid.toString()); }

    private TaskStatus runningStatus(Upid u) {
        Running mine = running.get(u);
        if (mine != null) return new TaskStatus.Running(mine.percent, mine.step);
        boolean alive = u.node().equals(node) && startTicks(u.pid()).orElse(-1) == u.pstart()
                && !(u.pid() == pid && u.pstart() == pstart); // ours but not in the map: it ended without a record
        if (!alive) return new TaskStatus.Vanished();
        int percent = 0;
        String step = "";
        for (String l : lines(logFile(u))) {
            if (l.startsWith(PROGRESS_PREFIX)) {
                String[] p = l.substring(PROGRESS_PREFIX.length()).split("% ?", 2);
                try {
                    percent = Integer.parseInt(p[0]);
                    step = p.length > 1 ? p[1] : "";
                } catch (NumberFormatException ignored) {
                    // a body logged a line that looks like ours; not a progress report
                }
            }
        }
        return new TaskStatus.Running(percent, step);
    }

    private Running start(String type, String id, String user) {
        long now = System.currentTimeMillis() / 1000;
        try {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            // In berthd every task shares one pid; a second task of the same type/id in the same second gets the
            // next second, so that a UPID names exactly one task.
            // the log of an old task may have been deleted by rotation: never go back to a second already used
            long first = lastStart.merge(type + ":" + id, now, (prev, n) -> Math.max(prev + 1, n));
            for (long st = first; ; st++) {
                Upid u = new Upid(node, pid, pstart, st, type, id, user);
                Path log = logFile(u);
                Files.createDirectories(log.getParent());
                try {
                    FileChannel ch = FileChannel.open(log, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
                    lastStart.merge(type + ":" + id, st, Math::max);
                    Running r = new Running(u, ch);
                    running.put(u, r);
                    appendLocked(dir.resolve("active"), u + "\n");
                    return r;
                } catch (FileAlreadyExistsException taken) {
                    // next second
                }
            }
        } catch (IOException e) {
            throw new HostFailureException("cannot start task log in " + dir + ": " + e.getMessage(), e);
        }
    }

    private final class Running implements Task {
        private final Upid upid;
        private final FileChannel log;
        private volatile int percent;
        private volatile String step = "";
        private int warnings;

        Running(Upid upid, FileChannel log) {
            this.upid = upid;
            this.log = log;
        }

        @Override public Upid upid() { return upid; }

        Tasks owner() { return Tasks.this; }

        @Override public synchronized void log(String line) {
            for (String l : line.split("\n", -1)) write(l + "\n");
        }

        @Override public synchronized void warn(String line) {
            warnings++;
            log("WARN: " + line);
        }

        @Override public synchronized void progress(int p, String s) {
            int clamped = Math.max(0, Math.min(100, p));
            if (clamped == percent && s.equals(step)) return;
            percent = clamped;
            step = s;
            write(PROGRESS_PREFIX + clamped + "%" + (s.isEmpty() ? "" : " " + oneLine(s)) + "\n");
        }

        synchronized void finish(String last) {
            try {
                write(last + "\n");
                log.close(); // no fsync: a log is not worth a disk flush per operation (Proxmox does not either)
                String status = last.equals(OK_LINE) ? "OK" : last.startsWith(WARN_PREFIX) ? last.substring(5) : last.substring(ERROR_PREFIX.length());
                appendLocked(dir.resolve("index"), String.format("%s %08X %s%n", upid, System.currentTimeMillis() / 1000, status));
                if (rotateIndex()) compactActive(true);
                else compactActive(false);
            } catch (IOException e) {
                throw new HostFailureException("cannot record the end of task " + upid + ": " + e.getMessage(), e);
            } finally {
                running.remove(upid);
            }
        }

        private void write(String s) {
            try {
                ByteBuffer b = ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
                while (b.hasRemaining()) log.write(b);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write task log of " + upid + ": " + e.getMessage(), e);
            }
        }
    }

    /** Appends under an flock on the file, so that lines of concurrent processes never interleave. */
    private static void appendLocked(Path file, String text) throws IOException {
        synchronized (FILE_LOCK_ORDER) {
            appendFlocked(file, text);
        }
    }

    private static void appendFlocked(Path file, String text) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
             FileLock l = ch.lock()) {
            ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) ch.write(b);
        }
    }

    /** Drops ended tasks from {@code active} once it is long, or always ({@code force}: after a rotation). */
    private void compactActive(boolean force) throws IOException {
        synchronized (FILE_LOCK_ORDER) {
            compactActiveFlocked(force);
        }
    }

    /**
     * Past {@link #indexMaxBytes}, {@code index} becomes {@code index.1} and starts empty; the tasks of the archive
     * it replaces are forgotten, their logs deleted. Runs under the index's lock, so appends wait for it. Returns
     * whether it rotated; the caller then compacts {@code active} (after, not under, the index's lock: compaction
     * takes active's lock first, and two processes must take the two locks in the same order).
     */
    private boolean rotateIndex() throws IOException {
        Path index = dir.resolve("index");
        if (Files.size(index) <= indexMaxBytes) return false; // the common case needs no lock
        synchronized (FILE_LOCK_ORDER) {
            try (FileChannel ch = FileChannel.open(index, StandardOpenOption.READ, StandardOpenOption.WRITE); FileLock l = ch.lock()) {
                if (ch.size() <= indexMaxBytes) return false; // another process rotated it meanwhile
                Path archive = dir.resolve("index.1");
                List<String> forgotten = lines(archive);
                Path tmp = dir.resolve(".index.1.tmp");
                Files.copy(index, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, archive, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                ch.truncate(0);
                for (String line : forgotten) {
                    parseUpid(line.split(" ", 2)[0]).ifPresent(u -> {
                        try {
                            Files.deleteIfExists(logFile(u));
                        } catch (IOException e) {
                            // a log left behind costs disk space only; the next rotation does not see it again
                        }
                    });
                }
                return true;
            }
        }
    }

    private void compactActiveFlocked(boolean force) throws IOException {
        Path active = dir.resolve("active");
        try (FileChannel ch = FileChannel.open(active, StandardOpenOption.READ, StandardOpenOption.WRITE); FileLock l = ch.lock()) {
            List<String> act = lines(active);
            if (act.size() < ACTIVE_COMPACT && !force) return;
            java.util.Set<String> ended = new java.util.HashSet<>();
            for (String line : lines(dir.resolve("index.1"))) ended.add(line.split(" ", 2)[0]);
            for (String line : lines(dir.resolve("index"))) ended.add(line.split(" ", 2)[0]);
            StringBuilder keep = new StringBuilder();
            for (String a : act) {
                if (ended.contains(a.strip())) continue;
                Optional<Upid> u = parseUpid(a);
                if (u.isEmpty()) continue;
                // a task whose process died never records its end: record it now (as Proxmox does), so it leaves active
                if (runningStatus(u.get()) instanceof TaskStatus.Vanished v) {
                    appendFlocked(dir.resolve("index"), String.format("%s %08X %s%n", u.get(), System.currentTimeMillis() / 1000, v.text()));
                    continue;
                }
                keep.append(a.strip()).append('\n');
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(keep.toString().getBytes(StandardCharsets.UTF_8)), 0);
        }
    }

    private static Optional<Upid> parseUpid(String s) {
        try {
            return s.isBlank() ? Optional.empty() : Optional.of(Upid.parse(s.strip()));
        } catch (BerthException | IllegalArgumentException e) {
            return Optional.empty(); // a damaged line: skip it rather than hide every other task
        }
    }

    private static Optional<TaskInfo> parseIndexLine(String l) {
        String[] p = l.split(" ", 3);
        if (p.length < 3) return Optional.empty();
        return parseUpid(p[0]).flatMap(u -> {
            try {
                return Optional.of(new TaskInfo(u, TaskStatus.ofText(p[2]), OptionalLong.of(Long.parseLong(p[1], 16))));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        });
    }

    private static List<String> lines(Path p) {
        try {
            return Files.readAllLines(p, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }

    private static String message(Throwable e) {
        return e.getMessage() == null || e.getMessage().isBlank() ? "internal error (" + e.getClass().getSimpleName() + ")" : e.getMessage();
    }

    private static String oneLine(String s) { return s.strip().replace('\n', ' '); }

    /** Field 22 of /proc/PID/stat: the start time in clock ticks since boot. */
    static OptionalLong startTicks(long pid) {
        try {
            String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return OptionalLong.of(Long.parseLong(f[19]));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /** The short host name, as Proxmox names its node. */
    static String nodeName() {
        try {
            String h = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            String shortName = h.split("\\.", 2)[0];
            if (shortName.matches("[a-zA-Z0-9]([a-zA-Z0-9\\-]*[a-zA-Z0-9])?")) return shortName;
        } catch (IOException e) {
            // fall through
        }
        return "localhost";
    }
}
