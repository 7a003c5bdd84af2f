package io.berth.sys;

import java.lang.foreign.Arena;
import java.util.concurrent.atomic.AtomicInteger;


/**
 * Owner of one file descriptor. {@link #close()} is idempotent; using a closed Fd throws
 * {@link IllegalStateException}. {@link #CWD} stands for {@code AT_FDCWD} and is never closed.
 */
public final class Fd implements AutoCloseable {
    static final int AT_FDCWD = -100;
    private static final int F_DUPFD_CLOEXEC = 1030;
    private static final Native.Fn CLOSE = Native.fn("close");
    private static final Native.Fn FCNTL = Native.fnVariadic("fcntl", 2);

    /** {@code AT_FDCWD}: paths relative to the current directory. Closing it does nothing. */
    public static final Fd CWD = new Fd(AT_FDCWD);

    private final AtomicInteger fd;

    private Fd(int fd) {
        this.fd = new AtomicInteger(fd);
    }

    /** Takes ownership of a raw descriptor (e.g. one returned by a sibling class's syscall). */
    public static Fd adopt(int fd) {
        if (fd < 0) throw new IllegalArgumentException("not a file descriptor: " + fd);
        return new Fd(fd);
    }

    /** The descriptor number; throws if closed. */
    public int fd() {
        int v = fd.get();
        if (v == -1) throw new IllegalStateException("file descriptor already closed");
        return v;
    }

    public boolean isOpen() { return fd.get() != -1; }

    /** A new owner of the same open file (close-on-exec). */
    public Fd dup() {
        if (this == CWD) return CWD;
        int n = fd();
        try (Arena a = Arena.ofConfined()) {
            return new Fd((int) Native.call(a, () -> "fcntl(" + n + ", F_DUPFD_CLOEXEC, 3)", FCNTL, n, F_DUPFD_CLOEXEC, 3));
        }
    }

    /** {@code /proc/thread-self/fd/N}: a path naming exactly this open file (magic link). */
    public String procPath() {
        return "/proc/thread-self/fd/" + fd();
    }

    /** Gives up ownership: returns the number and leaves this Fd closed without closing the descriptor. */
    public int release() {
        int v = fd.getAndSet(-1);
        if (v == -1) throw new IllegalStateException("file descriptor already closed");
        return v;
    }

    @Override
    public void close() {
        if (this == CWD) return;
        int v = fd.getAndSet(-1);
        if (v < 0) return;
        try (Arena a = Arena.ofConfined()) {
            // the descriptor is gone even when close reports EINTR/EIO: never retry
            Native.callRaw(a, CLOSE, v);
        }
    }

    @Override
    public String toString() {
        int v = fd.get();
        return v == AT_FDCWD ? "AT_FDCWD" : v == -1 ? "closed-fd" : Integer.toString(v);
    }
}
