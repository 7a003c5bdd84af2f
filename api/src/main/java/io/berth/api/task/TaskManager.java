package io.berth.api.task;

import io.berth.ct.task.TaskInfo;
import io.berth.ct.task.Tasks;
import io.berth.ct.task.Upid;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The API's view of the node's tasks ({@link Tasks}: UPIDs, logs and the index in {@code <state>/tasks}, shared with
 * the CLI): starts API operations as tasks on virtual threads, answers status, lists and logs, and tells listeners
 * (the event stream) when a task starts and ends.
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

    /** A task's state; {@code exitstatus} is {@code OK}, {@code WARNINGS: n} or the error, empty while it runs. */
    public record Info(Upid upid, boolean running, long endtime, Optional<String> exitstatus) {}

    private final Tasks tasks;
    private final Map<String, Thread> threads = new ConcurrentHashMap<>();
    private final List<Consumer<Info>> listeners = new CopyOnWriteArrayList<>();

    public TaskManager(Tasks tasks) { this.tasks = tasks; }

    public void listen(Consumer<Info> l) { listeners.add(l); }

    private final List<Consumer<Upid>> endHooks = new CopyOnWriteArrayList<>();

    /** Runs {@code hook} on the task's own thread when its body has returned, before its end is recorded. */
    public void onEnd(Consumer<Upid> hook) { endHooks.add(hook); }

    /** Starts {@code body} as a task and returns its UPID at once. */
    public String start(String type, String id, String user, Body body) {
        Upid u = tasks.submit(type, id, user, t -> {
            String upid = t.upid().toString();
            threads.put(upid, Thread.currentThread());
            notify(new Info(t.upid(), true, 0, Optional.empty()));
            try {
                body.run(t::log);
            } finally {
                threads.remove(upid);
                for (Consumer<Upid> h : endHooks) {
                    try {
                        h.accept(t.upid());
                    } catch (RuntimeException ignored) {
                        // a hook's failure is its own
                    }
                }
                Thread.ofVirtual().start(() -> {
                    try {
                        notify(await(upid, Duration.ofSeconds(10)));
                    } catch (InterruptedException | RuntimeException ignored) {
                        // the event is best effort
                    }
                });
            }
            return null;
        });
        return u.toString();
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

    static Info info(TaskInfo t) {
        return new Info(t.upid(), t.running(), t.endtime().orElse(0), t.running() ? Optional.empty() : Optional.of(t.status().text()));
    }

    public Optional<Info> get(String upid) {
        Upid u;
        try {
            u = Upid.parse(upid);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
        try {
            return Optional.of(info(tasks.status(u)));
        } catch (io.berth.error.NotFoundException e) {
            return Optional.empty();
        }
    }

    /** Newest first. */
    public List<Info> list() {
        List<Info> out = new ArrayList<>();
        for (TaskInfo t : tasks.list(10_000)) out.add(info(t));
        return out;
    }

    /** The cluster's tasks (every node's on a cluster node, {@link Tasks#listCluster}), newest first. */
    public List<Info> listCluster() {
        List<Info> out = new ArrayList<>();
        for (TaskInfo t : tasks.listCluster(10_000)) out.add(info(t));
        return out;
    }

    public List<String> logLines(String upid) { return tasks.log(Upid.parse(upid)); }

    /** Interrupts a running task of this process (DELETE /tasks/{upid}). */
    public boolean stop(String upid) {
        Thread t = threads.get(upid);
        if (t == null) return false;
        t.interrupt();
        return true;
    }

    /** Waits until the task has ended (its end recorded); returns its final state. */
    public Info await(String upid, Duration timeout) throws InterruptedException {
        long until = System.nanoTime() + timeout.toNanos();
        while (true) {
            Info i = get(upid).orElseThrow(() -> new io.berth.error.NotFoundException("no task '" + upid + "'"));
            if (!i.running()) return i;
            if (System.nanoTime() > until) throw new io.berth.error.HostFailureException("task " + upid + " still running after " + timeout);
            Thread.sleep(20);
        }
    }
}
