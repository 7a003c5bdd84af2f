package io.berth.sys;

import java.lang.foreign.Arena;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;


/**
 * unshare(2), setns(2) and the namespace-thread pattern (shared/design/NOTES.md item 4): a JVM thread
 * shares its fs state with every other thread, so setns(CLONE_NEWNS) fails with EINVAL on it. A fresh
 * platform thread that first does unshare(CLONE_FS) may join another mount namespace; only that thread
 * sees it, and it must die afterwards (never return to a pool, never a virtual thread).
 */
public final class Namespaces {
    private Namespaces() {}

    public static final int CLONE_FS = 0x00000200, CLONE_FILES = 0x00000400, CLONE_NEWNS = 0x00020000,
            CLONE_NEWCGROUP = 0x02000000, CLONE_NEWUTS = 0x04000000, CLONE_NEWIPC = 0x08000000,
            CLONE_NEWUSER = 0x10000000, CLONE_NEWPID = 0x20000000, CLONE_NEWNET = 0x40000000;

    private static final Native.Fn UNSHARE = Native.fn("unshare");
    private static final Native.Fn SETNS = Native.fn("setns");
    private static final AtomicLong THREADS = new AtomicLong();
    private static final ThreadLocal<Boolean> ISOLATED = ThreadLocal.withInitial(() -> false);

    /** A task run on a namespace thread; its exception type passes through unchanged. */
    @FunctionalInterface
    public interface Task<T, E extends Exception> {
        T run() throws E;
    }

    public static void unshare(int flags) {
        try (Arena a = Arena.ofConfined()) {
            Native.call(a, () -> "unshare(" + cloneNames(flags) + ")", UNSHARE, flags);
        }
    }

    /** setns(2); {@code nstype} 0 accepts any kind. */
    public static void setns(Fd ns, int nstype) {
        int fd = ns.fd();
        try (Arena a = Arena.ofConfined()) {
            Native.call(a, () -> "setns(" + ns + ", " + cloneNames(nstype) + ")", SETNS, fd, nstype);
        }
    }

    /** True on a thread started by {@link #onIsolatedThread} or a namespace worker (its cwd, root and mount namespace are its own). */
    public static boolean isIsolatedThread() {
        return ISOLATED.get();
    }

    /**
     * Runs {@code task} on a new platform thread that did unshare(CLONE_FS) first, waits for it, and
     * returns its result or rethrows its exception. The thread ends afterwards. A thread started from
     * a namespace thread starts in that thread's mount namespace.
     */
    public static <T, E extends Exception> T onIsolatedThread(String name, Task<T, E> task) throws E {
        Object[] result = new Object[1];
        Throwable[] failure = new Throwable[1];
        Thread t = Thread.ofPlatform().daemon(true).name("berth-ns-" + name + "-" + THREADS.incrementAndGet()).unstarted(() -> {
            try {
                unshare(CLONE_FS);
                ISOLATED.set(true);
                result[0] = task.run();
            } catch (Throwable e) {
                failure[0] = e;
            }
        });
        t.start();
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                // the thread may be half-way through a mount: wait for it to finish, then re-interrupt
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
        if (failure[0] != null) throw Namespaces.<E>sneaky(failure[0]);
        @SuppressWarnings("unchecked") T r = (T) result[0];
        return r;
    }

    @SuppressWarnings("unchecked")
    private static <E extends Throwable> RuntimeException sneaky(Throwable t) throws E {
        throw (E) t;
    }

    /**
     * Runs {@code task} on a namespace thread that joined the mount namespace {@code mntns} (cwd and root are its /).
     * The class path is preloaded first ({@link ClassPathPreload}): there the host's class directories are out of sight.
     */
    public static <T, E extends Exception> T inMountNamespace(Fd mntns, Task<T, E> task) throws E {
        ClassPathPreload.ensure();
        return onIsolatedThread("mnt", () -> {
            setns(mntns, CLONE_NEWNS);
            return task.run();
        });
    }

    /**
     * Runs {@code task} in a fresh private mount namespace (copy of the caller's, every mount made a
     * slave so nothing propagates back). Mounts made there vanish with it, before this returns: the thread
     * joins the caller's namespace again at the end, so the private one is released by that setns, whose task
     * work unmounts what is left in it. Left to the thread's exit, that would happen after the join, and an
     * image mounted there would still be in use (ext4 MMP, its loop device) when the caller mounts it next.
     */
    public static <T, E extends Exception> T inNewMountNamespace(Task<T, E> task) throws E {
        return onIsolatedThread("newmnt", () -> {
            Fd home = ownMountNamespace();
            try {
                unshare(CLONE_NEWNS);
                Mounts.mount(null, "/", null, Mounts.MS_REC | Mounts.MS_SLAVE, null);
                return task.run();
            } finally {
                if (home != null) {
                    try (home) {
                        leave(home);
                    } catch (SysException e) {
                        // cannot happen for our own former namespace; if it did, the thread's exit releases it
                    }
                }
            }
        });
    }

    /**
     * {@link #inNewMountNamespace} on a kept worker thread instead of a new one, for work done on every container start:
     * starting a platform thread took 0.3-4 ms under load with berthd's JVM flags (the new thread waits for a CPU
     * twice before it runs), waking a parked one 0.1-0.2 ms. The namespace is a copy of this <em>process's</em> (the
     * main thread's), not of the caller's. Each worker did unshare(CLONE_FS) once and is back in the process's
     * namespace after every task, which releases the task's namespace as {@link #inNewMountNamespace} does; a worker
     * that could not get back ends instead of serving again. Threads a task starts are in its namespace (as on any
     * namespace thread) and must end with it. Idle workers end after a minute.
     */
    public static <T, E extends Exception> T inNewMountNamespaceOnWorker(Task<T, E> task) throws E {
        Fd home = processMountNamespace();
        if (home == null) return inNewMountNamespace(task);
        CompletableFuture<T> done = new CompletableFuture<>();
        WORKERS.execute(() -> {
            Object result = null;
            Throwable failure = null;
            try {
                if (!ISOLATED.get()) {
                    unshare(CLONE_FS);
                    ISOLATED.set(true);
                    // a worker the pool started from a thread in some other namespace starts there
                    setns(home, CLONE_NEWNS);
                }
                unshare(CLONE_NEWNS);
                Mounts.mount(null, "/", null, Mounts.MS_REC | Mounts.MS_SLAVE, null);
                result = task.run();
            } catch (Throwable e) {
                failure = e;
            }
            // back home before the caller goes on: this releases the task's namespace (and unmounts what is left in
            // it) now; a worker that cannot get back must not serve again, and its end releases the namespace instead
            RuntimeException stuck = null;
            try {
                leave(home);
            } catch (RuntimeException e) {
                stuck = e;
            }
            @SuppressWarnings("unchecked") T r = (T) result;
            if (failure != null) done.completeExceptionally(failure); else done.complete(r);
            if (stuck != null) throw stuck;
        });
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return done.get();
                } catch (InterruptedException e) {
                    // the task may be half-way through a mount: wait for it, then re-interrupt
                    interrupted = true;
                } catch (java.util.concurrent.ExecutionException e) {
                    throw Namespaces.<E>sneaky(e.getCause());
                }
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    private static final ThreadPoolExecutor WORKERS = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
            new SynchronousQueue<>(), r -> Thread.ofPlatform().daemon(true).name("berth-ns-worker-" + THREADS.incrementAndGet()).unstarted(r));
    private static volatile Fd processMountNamespace;

    /** The process's (main thread's) mount namespace, kept open; null where /proc does not show it. */
    private static Fd processMountNamespace() {
        Fd fd = processMountNamespace;
        if (fd != null) return fd;
        synchronized (Namespaces.class) {
            if (processMountNamespace == null) {
                try {
                    processMountNamespace = PathCalls.openat(Fd.CWD, "/proc/self/ns/mnt", PathCalls.O_RDONLY | PathCalls.O_CLOEXEC, 0);
                } catch (SysException e) {
                    return null;
                }
            }
            return processMountNamespace;
        }
    }

    /**
     * Joins {@code home} again. A thread the task started (a process watcher) shares this thread's fs state, and
     * setns(CLONE_NEWNS) refuses a shared one (EINVAL): a fresh copy first; that thread keeps the namespace until it ends.
     */
    private static void leave(Fd home) {
        unshare(CLONE_FS);
        setns(home, CLONE_NEWNS);
    }

    /** This thread's mount namespace, or null where this thread's /proc does not show it (a container's /proc). */
    private static Fd ownMountNamespace() {
        try {
            return PathCalls.openat(Fd.CWD, "/proc/thread-self/ns/mnt", PathCalls.O_RDONLY | PathCalls.O_CLOEXEC, 0);
        } catch (SysException e) {
            return null;
        }
    }

    static String cloneNames(int f) {
        return Bits.render(f, "0", CLONE_FS, "CLONE_FS", CLONE_FILES, "CLONE_FILES", CLONE_NEWNS, "CLONE_NEWNS",
                CLONE_NEWCGROUP, "CLONE_NEWCGROUP", CLONE_NEWUTS, "CLONE_NEWUTS", CLONE_NEWIPC, "CLONE_NEWIPC",
                CLONE_NEWUSER, "CLONE_NEWUSER", CLONE_NEWPID, "CLONE_NEWPID", CLONE_NEWNET, "CLONE_NEWNET");
    }
}
