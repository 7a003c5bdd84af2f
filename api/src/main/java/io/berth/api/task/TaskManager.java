package io.berth.api.task;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Long operations as tasks: each gets a UPID at once and runs on its own virtual thread, writing its log to
 * {@code <dir>/<upid>.log} (ending in {@code TASK OK} or {@code TASK ERROR: ...}, as Proxmox's workers do); finished
 * tasks are appended to {@code <dir>/index} so the task list and logs survive a daemon restart.
 */
public final class TaskManager {
    /** What a task's body may write to its log. */
    public interface Log {
        void line(String text);
    }

    @FunctionalInterface
    public interface Body {
        void run(Log log) throws Exception;
    }

    /** A task's state; {@code exitstatus} is {@code OK} or the error, empty while it runs. */
    public record Info(Upid upid, boolean running, long endtime, Optional<String> exitstatus) {}

    private final Path dir;
    private final String node;
    private final long pid = ProcessHandle.current().pid();
    private final AtomicLong serial = new AtomicLong(System.nanoTime() & 0xffffff);
    private final Map<String, Info> tasks = new ConcurrentHashMap<>();
    private final Map<String, Thread> threads = new ConcurrentHashMap<>();
    private final List<Consumer<Info>> listeners = new CopyOnWriteArrayList<>();

    public TaskManager(Path dir, String node) {
        this.dir = dir;
        this.node = node;
        try {
            Files.createDirectories(dir);
            Path index = dir.resolve("index");
            if (Files.exists(index)) {
                for (String line : Files.readAllLines(index, StandardCharsets.UTF_8)) {
                    String[] f = line.split(" ", 3);
                    if (f.length < 3) continue;
                    try {
                        Upid u = Upid.parse(f[0]);
                        tasks.put(f[0], new Info(u, false, Long.parseLong(f[1], 16), Optional.of(f[2])));
                    } catch (IllegalArgumentException ignored) {
                        // a damaged line: skip it
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the task index in " + dir, e);
        }
    }

    /** Called on every task start and end (the event stream). */
    public void listen(Consumer<Info> l) { listeners.add(l); }

    /** Starts {@code body} as a task and returns its UPID at once. */
    public String start(String type, String id, String user, Body body) {
        Upid u = new Upid(node, pid, serial.incrementAndGet(), now(), type, id, user);
        String upid = u.toString();
        Info running = new Info(u, true, 0, Optional.empty());
        tasks.put(upid, running);
        Path logFile = log(upid);
        Thread t = Thread.ofVirtual().name("task-" + type + "-" + id).unstarted(() -> execute(u, upid, logFile, body));
        threads.put(upid, t);
        notify(running);
        t.start();
        return upid;
    }

    private void execute(Upid u, String upid, Path logFile, Body body) {
        String exit;
        try {
            body.run(text -> append(logFile, text));
            exit = "OK";
        } catch (Throwable t) {
            String m = t.getMessage() == null ? t.toString() : t.getMessage();
            for (String line : m.split("\n")) append(logFile, line);
            exit = m.lines().findFirst().orElse("error");
            if (t instanceof InterruptedException) Thread.currentThread().interrupt();
        }
        append(logFile, exit.equals("OK") ? "TASK OK" : "TASK ERROR: " + exit);
        Info done = new Info(u, false, now(), Optional.of(exit));
        try {
            Files.writeString(dir.resolve("index"), upid + " " + Long.toHexString(done.endtime()).toUpperCase(java.util.Locale.ROOT)
                    + " " + exit.replace('\n', ' ') + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            append(logFile, "cannot update the task index: " + e.getMessage());
        }
        tasks.put(upid, done);
        threads.remove(upid);
        notify(done);
    }

    private void notify(Info i) {
        for (Consumer<Info> l : listeners) {
            try {
                l.accept(i);
            } catch (RuntimeException ignored) {
                // a listener's failure is its own
            }
        }
    }

    public Optional<Info> get(String upid) { return Optional.ofNullable(tasks.get(upid)); }

    /** Newest first. */
    public List<Info> list() {
        List<Info> out = new ArrayList<>(tasks.values());
        out.sort((a, b) -> Long.compare(b.upid().starttime(), a.upid().starttime()) != 0
                ? Long.compare(b.upid().starttime(), a.upid().starttime()) : Long.compare(b.upid().pstart(), a.upid().pstart()));
        return out;
    }

    public List<String> logLines(String upid) {
        Path p = log(upid);
        try {
            return Files.exists(p) ? Files.readAllLines(p, StandardCharsets.UTF_8) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p, e);
        }
    }

    /** Interrupts a running task (DELETE /tasks/{upid}). */
    public boolean stop(String upid) {
        Thread t = threads.get(upid);
        if (t == null) return false;
        t.interrupt();
        return true;
    }

    /** Waits until the task ends (tests and {@code berth api} use it); returns its final state. */
    public Info await(String upid, java.time.Duration timeout) throws InterruptedException {
        Thread t = threads.get(upid);
        if (t != null && !t.join(timeout)) throw new IllegalStateException("task " + upid + " still running after " + timeout);
        return tasks.get(upid);
    }

    private Path log(String upid) { return dir.resolve(upid.replace(':', '_').replace('/', '-') + ".log"); }

    private static synchronized void append(Path p, String text) {
        try {
            Files.writeString(p, text + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the task log " + p, e);
        }
    }

    private static long now() { return System.currentTimeMillis() / 1000; }
}
