package io.berth.lxc.socket;

import io.berth.lxc.LxcState;
import io.berth.sys.Errno;
import io.berth.sys.Fd;
import io.berth.sys.SysException;
import io.berth.sys.UnixSockets;

import java.time.Duration;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Client of one container's LXC command socket (the abstract socket the container's monitor process serves,
 * see {@link LxcSocketNames#command}). Talks to LXC 5.0.2 directly, so status queries spawn no process.
 *
 * <p>Wire format on x86_64/aarch64 (little endian, verified with strace of lxc-info/lxc-stop/lxc-wait):
 * request {@code struct lxc_cmd_req {int cmd; int datalen; const void *data;}} = 16 bytes, followed by
 * {@code datalen} payload bytes; the pointer field itself is meaningless to the server. Response
 * {@code struct lxc_cmd_rsp {int ret; int datalen; void *data;}} = 16 bytes: {@code ret < 0} is {@code -errno};
 * for GET_STATE and GET_INIT_PID the answer travels in the pointer field (INT_TO_PTR), {@code datalen} is 0.
 * STOP is answered by the monitor closing the connection (EOF) when it killed the container. A state client
 * (ADD_STATE_CLIENT, what lxc-wait uses) sends {@code int states[8]} flags and gets {@code ret = 8}
 * (MAX_STATE) when registered or the current state when it already matches, then one
 * {@code struct lxc_msg {int type; char name[256]; int value;}} (264 bytes, type 0 = state) per state change.
 * No SCM_CREDENTIALS are needed: the server's SO_PASSCRED makes the kernel attach ours.
 */
public final class LxcCommandClient {
    private static final int HEADER = 16;
    private static final int MAX_STATE = 8;
    private static final int MSG_SIZE = 4 + 256 + 4;
    private static final int DEFAULT_TIMEOUT_MS = 10_000;

    private final String lxcpath;
    private final String name;
    private final String socketName;

    public LxcCommandClient(String lxcpath, String name) {
        this.lxcpath = lxcpath;
        this.name = name;
        this.socketName = LxcSocketNames.command(lxcpath, name);
    }

    public String name() { return name; }

    public String lxcpath() { return lxcpath; }

    /** The abstract socket name (without the leading NUL). */
    public String socketName() { return socketName; }

    /** The container's init pid as seen from the host, empty when the container is not running. */
    public OptionalInt initPid() {
        try (Fd fd = connect()) {
            if (fd == null) return OptionalInt.empty();
            long v = simple(fd, LxcCommand.GET_INIT_PID);
            return v == Long.MIN_VALUE || v <= 0 ? OptionalInt.empty() : OptionalInt.of((int) v);
        }
    }

    /** The container's state; STOPPED when no monitor listens. */
    public LxcState state() {
        try (Fd fd = connect()) {
            if (fd == null) return LxcState.STOPPED;
            long v = simple(fd, LxcCommand.GET_STATE);
            return v == Long.MIN_VALUE ? LxcState.STOPPED : LxcState.ofCode((int) v);
        }
    }

    /** Whether a monitor serves this container's command socket (i.e. it is not STOPPED). */
    public boolean isRunning() {
        try (Fd fd = connect()) {
            return fd != null;
        }
    }

    /**
     * Hard-stops the container (LXC_CMD_STOP, what {@code lxc-stop -k} sends): the monitor kills init. Returns
     * false when it was not running. Does not wait for the monitor to finish; see {@link #open()}.
     */
    public boolean stop() {
        try (Fd fd = connect()) {
            if (fd == null) return false;
            simple(fd, LxcCommand.STOP);
            return true;
        }
    }

    /**
     * A connection held open to the command socket; its hang-up tells that the monitor, and with it the
     * container including its post-stop hook, is gone. Empty when the container is not running.
     */
    public java.util.Optional<Connection> open() {
        Fd fd = connect();
        return fd == null ? java.util.Optional.empty() : java.util.Optional.of(new Connection(fd));
    }

    /**
     * Waits until the container reaches one of {@code states} (via ADD_STATE_CLIENT, LXC's own mechanism behind
     * lxc-wait; no lxc-monitord needed). Returns the state reached, STOPPED when the monitor went away (a container
     * that is not running counts as STOPPED), or empty on timeout.
     */
    public java.util.Optional<LxcState> awaitState(Set<LxcState> states, Duration timeout) {
        if (states.isEmpty()) throw new IllegalArgumentException("awaitState needs at least one state");
        Fd fd = connect();
        if (fd == null) {
            return states.contains(LxcState.STOPPED) ? java.util.Optional.of(LxcState.STOPPED) : java.util.Optional.empty();
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        try (fd) {
            byte[] req = new byte[HEADER + 4 * MAX_STATE];
            putInt(req, 0, LxcCommand.ADD_STATE_CLIENT.code());
            putInt(req, 4, 4 * MAX_STATE);
            for (LxcState s : states) putInt(req, HEADER + 4 * s.code(), 1);
            UnixSockets.sendAll(fd, req, 0, req.length);
            byte[] rsp = new byte[HEADER];
            if (!awaitReadable(fd, remainingMs(deadline))) return java.util.Optional.empty();
            if (UnixSockets.recvFully(fd, rsp, 0, HEADER) < HEADER) return stoppedIfWanted(states);
            int ret = getInt(rsp, 0);
            if (ret < 0) throw failure(LxcCommand.ADD_STATE_CLIENT, -ret);
            skipPayload(fd, getInt(rsp, 4));
            if (ret < MAX_STATE) return java.util.Optional.of(LxcState.ofCode(ret));
            byte[] msg = new byte[MSG_SIZE];
            while (true) {
                if (!awaitReadable(fd, remainingMs(deadline))) return java.util.Optional.empty();
                if (UnixSockets.recvFully(fd, msg, 0, MSG_SIZE) < MSG_SIZE) return stoppedIfWanted(states);
                if (getInt(msg, 0) != 0) continue; // priority / exit-code messages
                LxcState s = LxcState.ofCode(getInt(msg, MSG_SIZE - 4));
                if (states.contains(s)) return java.util.Optional.of(s);
            }
        } catch (SysException e) {
            throw new LxcCommandException("container " + name + ": waiting for state " + states + " failed: " + e.getMessage(), e);
        }
    }

    private static java.util.Optional<LxcState> stoppedIfWanted(Set<LxcState> states) {
        // EOF: the monitor is gone, the container is STOPPED
        return states.contains(LxcState.STOPPED) ? java.util.Optional.of(LxcState.STOPPED) : java.util.Optional.empty();
    }

    /** An open command-socket connection; see {@link #open()}. */
    public final class Connection implements AutoCloseable {
        private final Fd fd;

        private Connection(Fd fd) { this.fd = fd; }

        /**
         * Waits up to {@code timeout} for the monitor to close the socket; true when it did (the container is
         * completely gone), false on timeout.
         */
        public boolean awaitHangup(Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            byte[] sink = new byte[256];
            while (true) {
                short ev = UnixSockets.poll(fd, (short) (UnixSockets.POLLIN | UnixSockets.POLLRDHUP), remainingMs(deadline));
                if (ev == 0) return false;
                if ((ev & (UnixSockets.POLLHUP | UnixSockets.POLLERR)) != 0) return true;
                // POLLIN/POLLRDHUP: either stray bytes or the EOF
                try {
                    if (UnixSockets.recv(fd, sink, 0, sink.length) == 0) return true;
                } catch (SysException e) {
                    if (e.is(Errno.ECONNRESET)) return true;
                    throw e;
                }
            }
        }

        @Override
        public void close() { fd.close(); }
    }

    /** Connects, or null when nobody listens (container not running). */
    private Fd connect() {
        try {
            // null when no monitor listens: the container is stopped
            return UnixSockets.tryConnectAbstract(socketName);
        } catch (SysException e) {
            throw new LxcCommandException("container " + name + ": cannot connect to its command socket @" + socketName
                    + ": " + e.getMessage(), e);
        }
    }

    /**
     * Sends a payload-less command and returns the value in the response's pointer field; Long.MIN_VALUE when the
     * monitor closed the connection instead of answering (it is stopping, or STOP succeeded).
     */
    private long simple(Fd fd, LxcCommand cmd) {
        byte[] b = new byte[HEADER];
        putInt(b, 0, cmd.code());
        try {
            UnixSockets.sendAll(fd, b, 0, HEADER);
            if (!awaitReadable(fd, DEFAULT_TIMEOUT_MS)) {
                throw new LxcCommandException("container " + name + ": no answer to " + cmd + " within " + DEFAULT_TIMEOUT_MS + " ms", Errno.ETIMEDOUT.number());
            }
            int n = UnixSockets.recvFully(fd, b, 0, HEADER);
            if (n == 0) return Long.MIN_VALUE;
            if (n < HEADER) throw new LxcCommandException("container " + name + ": short answer to " + cmd + " (" + n + " bytes)", Errno.EPROTO.number());
        } catch (SysException e) {
            if (e.is(Errno.ECONNRESET) || e.is(Errno.EPIPE)) return Long.MIN_VALUE;
            throw new LxcCommandException("container " + name + ": " + cmd + " failed: " + e.getMessage(), e);
        }
        int ret = getInt(b, 0);
        if (ret < 0) throw failure(cmd, -ret);
        skipPayload(fd, getInt(b, 4));
        return getLong(b, 8);
    }

    private LxcCommandException failure(LxcCommand cmd, int errno) {
        return new LxcCommandException("container " + name + ": LXC answered " + cmd + " with "
                + Errno.of(errno).map(Enum::name).orElse("errno " + errno) + " (" + SysException.describe(errno) + ")", errno);
    }

    private static void skipPayload(Fd fd, int datalen) {
        if (datalen <= 0) return;
        byte[] sink = new byte[Math.min(datalen, 4096)];
        int left = datalen;
        while (left > 0) {
            int n = UnixSockets.recvFully(fd, sink, 0, Math.min(left, sink.length));
            if (n == 0) return;
            left -= n;
        }
    }

    private static boolean awaitReadable(Fd fd, int timeoutMs) {
        return UnixSockets.poll(fd, UnixSockets.POLLIN, timeoutMs) != 0;
    }

    private static int remainingMs(long deadlineNanos) {
        long ms = (deadlineNanos - System.nanoTime()) / 1_000_000L;
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE, ms));
    }

    private static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >>> 8);
        b[off + 2] = (byte) (v >>> 16);
        b[off + 3] = (byte) (v >>> 24);
    }

    private static int getInt(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
    }

    private static long getLong(byte[] b, int off) {
        return (getInt(b, off) & 0xffffffffL) | ((long) getInt(b, off + 4) << 32);
    }
}
