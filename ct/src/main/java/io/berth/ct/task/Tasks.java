package io.berth.ct.task;

import io.berth.config.BerthRoots;
import io.berth.config.ClusterBackend;
import io.berth.config.TaskIndex;
import io.berth.error.BerthException;
import io.berth.error.HostFailureException;
import io.berth.error.NotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
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
import java.util.function.Supplier;

/**
 * Tasks on this node, kept as Proxmox keeps them, in files that outlive any process (berthd included):
 * {@code <state>/tasks/<X>/<UPID>} is the log (ending with {@code TASK OK}, {@code TASK WARNINGS: n} or
 * {@code TASK ERROR: msg}), {@code <state>/tasks/active} lists started tasks and {@code <state>/tasks/index} holds
 * {@code UPID ENDTIME STATUS} for finished ones. A started task that never finished and whose process (pid +
 * start time) is gone reads as {@code unexpected status}.
 *
 * <p>Bounded as Proxmox bounds its task list: finished entries leave {@code active}; when {@code index} outgrows
 * its limit it becomes the archive {@code index.1} (still listed and readable), and the tasks of the archive it
 * replaces are forgotten, logs included. So at most about two index files' worth of tasks are kept
 * ({@link FileTaskIndex}).
 *
 * <p>On a cluster node the UPIDs carry the node's cluster name and every start and end is also written to the
 * cluster's task index ({@link ClusterBackend#tasks()}), which {@link #listCluster} reads.
 */
public final class Tasks {
    private static final String OK_LINE = "TASK OK";
    private static final String WARN_PREFIX = "TASK WARNINGS: ";
    private static final String ERROR_PREFIX = "TASK ERROR: ";
    private static final String PROGRESS_PREFIX = "progress ";

    /** What a task runs; its result is returned by {@link #run}. */
    @FunctionalInterface
    public interface Body<T> {
        T run(Task task) throws Exception;
    }

    /** {@code index} is rotated into {@code index.1} past this size: about 2500 tasks. */
    static final long INDEX_MAX_BYTES = 256 * 1024;
    private final Path dir;
    private final Supplier<String> node;
    private final FileTaskIndex index;
    /** The cluster's task index on a cluster node (decided per call: berthd follows a join or leave), else empty. */
    private final Supplier<Optional<TaskIndex>> cluster;
    private final long pid = ProcessHandle.current().pid();
    private final long pstart = startTicks(pid).orElse(0);
    private final Map<Upid, Running> running = new ConcurrentHashMap<>();
    /** The last start second per {@code type:id} in this process (one entry per container and task type). */
    private final Map<String, Long> lastStart = new ConcurrentHashMap<>();
    /** The task the current thread runs in, so that a service call inside a task does not start a second one. */
    private static final ThreadLocal<Running> CURRENT = new ThreadLocal<>();

    /** A cluster node's tasks carry its cluster node name (so their UPIDs route to it), a single host's its host name. */
    public Tasks(BerthRoots roots) {
        this(roots.stateDir().resolve("tasks"), () -> ClusterBackend.nodeName(roots).orElseGet(Tasks::nodeName), INDEX_MAX_BYTES,
                () -> ClusterBackend.of(roots).map(ClusterBackend::tasks));
    }

    Tasks(Path dir, String node) { this(dir, () -> node, INDEX_MAX_BYTES, Optional::empty); }

    Tasks(Path dir, String node, long indexMaxBytes) { this(dir, () -> node, indexMaxBytes, Optional::empty); }

    Tasks(Path dir, Supplier<String> node, long indexMaxBytes, Supplier<Optional<TaskIndex>> cluster) {
        this.dir = dir;
        this.node = node;
        this.cluster = cluster;
        this.index = new FileTaskIndex(dir, indexMaxBytes, upid -> parseUpid(upid).ifPresent(u -> {
            try {
                Files.deleteIfExists(logFile(u));
            } catch (IOException e) {
                // a log left behind costs disk space only; the next rotation does not see it again
            }
        }), upid -> parseUpid(upid).flatMap(u -> runningStatus(u) instanceof TaskStatus.Vanished v ? Optional.of(v.text()) : Optional.empty()));
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

    /** This node's tasks, newest first, at most {@code limit}. */
    public List<TaskInfo> list(int limit) {
        Map<Upid, TaskInfo> all = new LinkedHashMap<>();
        for (TaskIndex.Entry e : index.entries()) {
            if (e.running()) parseUpid(e.upid()).ifPresent(u -> all.put(u, new TaskInfo(u, runningStatus(u), OptionalLong.empty())));
            else finishedInfo(e).ifPresent(ti -> all.put(ti.upid(), ti));
        }
        return newestFirst(all, limit);
    }

    /**
     * The cluster's tasks (Proxmox's {@code /cluster/tasks}): on a cluster node every node's, from the cluster's
     * index (so the tasks of a node that is down are listed too), this node's own from its files (they know the
     * progress of running ones); on a single host the same as {@link #list}. Newest first, at most {@code limit}.
     */
    public List<TaskInfo> listCluster(int limit) {
        Optional<TaskIndex> shared = cluster.get();
        if (shared.isEmpty()) return list(limit);
        Map<Upid, TaskInfo> all = new LinkedHashMap<>();
        String self = node.get();
        for (TaskIndex.Entry e : shared.get().entries()) {
            Optional<Upid> u = parseUpid(e.upid());
            if (u.isEmpty() || u.get().node().equals(self)) continue;
            if (e.running()) all.put(u.get(), new TaskInfo(u.get(), new TaskStatus.Running(0, ""), OptionalLong.empty()));
            else finishedInfo(e).ifPresent(ti -> all.put(ti.upid(), ti));
        }
        for (TaskInfo ti : list(Integer.MAX_VALUE)) all.put(ti.upid(), ti);
        return newestFirst(all, limit);
    }

    private static List<TaskInfo> newestFirst(Map<Upid, TaskInfo> all, int limit) {
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
        Optional<TaskInfo> done = index.finished(upid.toString()).flatMap(Tasks::finishedInfo);
        if (done.isPresent()) return done.get();
        return new TaskInfo(upid, runningStatus(upid), OptionalLong.empty());
    }

    /** The task's log lines, as written so far. */
    public List<String> log(Upid upid) {
        Path log = logFile(upid);
        if (!Files.exists(log)) throw new NotFoundException("task " + upid + " does not exist on this node (no " + log + ")");
        return FileTaskIndex.lines(log);
    }

    Path logFile(Upid upid) { return dir.resolve(upid.subdir()).resolve(upid.toString()); }

    private TaskStatus runningStatus(Upid u) {
        Running mine = running.get(u);
        if (mine != null) return new TaskStatus.Running(mine.percent, mine.step);
        boolean alive = u.node().equals(node.get()) && startTicks(u.pid()).orElse(-1) == u.pstart()
                && !(u.pid() == pid && u.pstart() == pstart); // ours but not in the map: it ended without a record
        if (!alive) return new TaskStatus.Vanished();
        int percent = 0;
        String step = "";
        for (String l : FileTaskIndex.lines(logFile(u))) {
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
            // In berthd every task shares one pid; a second task of the same type/id in the same second gets the
            // next second, so that a UPID names exactly one task.
            // the log of an old task may have been deleted by rotation: never go back to a second already used
            long first = lastStart.merge(type + ":" + id, now, (prev, n) -> Math.max(prev + 1, n));
            String name = node.get();
            for (long st = first; ; st++) {
                Upid u = new Upid(name, pid, pstart, st, type, id, user);
                Path log = logFile(u);
                try {
                    FileChannel ch = openNewLog(log);
                    lastStart.merge(type + ":" + id, st, Math::max);
                    Running r = new Running(u, ch);
                    running.put(u, r);
                    String upid = u.toString();
                    index.started(upid);
                    publish(shared -> shared.started(upid));
                    return r;
                } catch (FileAlreadyExistsException taken) {
                    // next second
                }
            }
        } catch (IOException e) {
            throw new HostFailureException("cannot start task log in " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * The new task's log, created; its directories only when they are missing (the first task, or after someone
     * removed them): creating them before every task cost two mkdir and two stat calls per operation.
     */
    private FileChannel openNewLog(Path log) throws IOException {
        try {
            return FileChannel.open(log, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        } catch (NoSuchFileException missing) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Files.createDirectories(log.getParent());
            return FileChannel.open(log, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
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
                long end = System.currentTimeMillis() / 1000;
                String id = upid.toString();
                index.finished(id, end, status);
                publish(shared -> shared.finished(id, end, status));
            } catch (IOException | UncheckedIOException e) {
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

    /**
     * Writes to the cluster's index on a cluster node. Its failure (no quorum, etcd unreachable) does not fail the
     * task: the task ran and its end is in the node's own index; the cluster list misses it, which is said here.
     */
    private void publish(java.util.function.Consumer<TaskIndex> write) {
        try {
            cluster.get().ifPresent(write);
        } catch (RuntimeException e) {
            System.err.println("warning: the cluster's task index was not updated: " + message(e));
        }
    }

    private static Optional<Upid> parseUpid(String s) {
        try {
            return s.isBlank() ? Optional.empty() : Optional.of(Upid.parse(s.strip()));
        } catch (BerthException | IllegalArgumentException e) {
            return Optional.empty(); // a damaged line: skip it rather than hide every other task
        }
    }

    /** A finished entry as a task, or empty when its UPID is damaged. */
    private static Optional<TaskInfo> finishedInfo(TaskIndex.Entry e) {
        return parseUpid(e.upid()).map(u -> new TaskInfo(u, TaskStatus.ofText(e.status()), e.endtime()));
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
            String[] cached = lastNodeName;
            if (cached != null && cached[0].equals(h)) return cached[1];
            String shortName = h.split("\\.", 2)[0];
            String name = Upid.NODE.matcher(shortName).matches() ? shortName : "localhost";
            lastNodeName = new String[] {h, name}; // each task asks; the host name rarely changes
            return name;
        } catch (IOException e) {
            return "localhost";
        }
    }

    /** The last host name read and the node name it gave. */
    private static volatile String[] lastNodeName;
}
