package io.berth.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Unix stream sockets in the abstract namespace (LXC's command sockets live there), which
 * {@code java.nio.channels} cannot address. Every call retries on EINTR and raises {@link SysException}
 * naming the call, the socket name or fd and the errno.
 */
public final class UnixSockets {
    private UnixSockets() {}

    public static final short POLLIN = 0x001;
    public static final short POLLERR = 0x008;
    public static final short POLLHUP = 0x010;
    public static final short POLLRDHUP = 0x2000;

    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_CLOEXEC = 02000000;
    private static final int MSG_NOSIGNAL = 0x4000;
    /** sizeof(struct sockaddr_un): 2 bytes family + 108 bytes sun_path. */
    private static final int SOCKADDR_UN_SIZE = 110;
    private static final int SUN_PATH_MAX = 108;

    private static final MethodHandle SOCKET = Native.libc("socket", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT);
    private static final int SOL_SOCKET = 1, SO_PASSCRED = 16;
    private static final MethodHandle SETSOCKOPT = Native.libc("setsockopt", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle CONNECT = Native.libc("connect", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle SEND = Native.libc("send", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT);
    private static final MethodHandle RECV = Native.libc("recv", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT);
    private static final MethodHandle POLL = Native.libc("poll", JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT);

    /**
     * Connects a new close-on-exec stream socket to the abstract name {@code name} (given without the leading
     * NUL). No listener gives {@code ECONNREFUSED}.
     */
    public static Fd connectAbstract(String name) {
        byte[] raw = name.getBytes(StandardCharsets.UTF_8);
        if (raw.length + 1 > SUN_PATH_MAX) {
            throw new IllegalArgumentException("abstract socket name '" + name + "' is " + raw.length
                    + " bytes: at most " + (SUN_PATH_MAX - 1) + " are allowed");
        }
        try (Arena a = Arena.ofConfined()) {
            int s = (int) Native.call(a, st -> (int) SOCKET.invokeExact(st, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0),
                    () -> "socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0)");
            Fd fd = Fd.adopt(s);
            try {
                // LXC's command server checks SCM_CREDENTIALS on every request and answers EPERM when there are
                // none. The kernel attaches them only if the sender or the receiving socket has SO_PASSCRED at
                // send time, and LXC sets it on the accepted socket only after accept(): a request sent right
                // after connect() raced that (about 2% EPERM answers). With SO_PASSCRED on our side the
                // credentials always travel.
                MemorySegment one = a.allocate(JAVA_INT);
                one.set(JAVA_INT, 0, 1);
                Native.call(a, st -> (int) SETSOCKOPT.invokeExact(st, s, SOL_SOCKET, SO_PASSCRED, one, 4),
                        () -> "setsockopt(" + s + ", SOL_SOCKET, SO_PASSCRED, 1)");
                MemorySegment addr = a.allocate(SOCKADDR_UN_SIZE);
                addr.set(JAVA_SHORT, 0, (short) AF_UNIX);
                // sun_path[0] stays 0: the abstract namespace; the name is not NUL-terminated and the length says where it ends
                MemorySegment.copy(raw, 0, addr, JAVA_BYTE, 3, raw.length);
                int addrLen = 2 + 1 + raw.length;
                while (true) {
                    long r = Native.callRaw(a, st -> (int) CONNECT.invokeExact(st, s, addr, addrLen));
                    if (r == 0) break;
                    if (r == -Errno.EINTR.number()) continue;
                    throw SysException.of("connect(" + s + ", @\"" + name + "\")", (int) -r);
                }
                return fd;
            } catch (RuntimeException e) {
                fd.close();
                throw e;
            }
        }
    }

    /** Sends all {@code len} bytes (MSG_NOSIGNAL: a closed peer gives EPIPE, not SIGPIPE). */
    public static void sendAll(Fd fd, byte[] data, int off, int len) {
        int s = fd.fd();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(Math.max(1, len));
            MemorySegment.copy(data, off, buf, JAVA_BYTE, 0, len);
            long done = 0;
            while (done < len) {
                MemorySegment at = buf.asSlice(done);
                long want = len - done;
                long r = Native.callRaw(a, st -> (long) SEND.invokeExact(st, s, at, want, MSG_NOSIGNAL));
                if (r == -Errno.EINTR.number()) continue;
                if (r < 0) throw SysException.of("send(" + s + ", " + want + " bytes)", (int) -r);
                done += r;
            }
        }
    }

    /** One recv into {@code data[off..off+len)}: the byte count, 0 at end of stream. Blocks until data arrives. */
    public static int recv(Fd fd, byte[] data, int off, int len) {
        int s = fd.fd();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(Math.max(1, len));
            while (true) {
                long r = Native.callRaw(a, st -> (long) RECV.invokeExact(st, s, buf, (long) len, MSG_NOSIGNAL));
                if (r == -Errno.EINTR.number()) continue;
                if (r < 0) throw SysException.of("recv(" + s + ", " + len + " bytes)", (int) -r);
                MemorySegment.copy(buf, JAVA_BYTE, 0, data, off, (int) r);
                return (int) r;
            }
        }
    }

    /** Receives until {@code len} bytes arrived or the stream ended: the count received (less than len only at EOF). */
    public static int recvFully(Fd fd, byte[] data, int off, int len) {
        int got = 0;
        while (got < len) {
            int n = recv(fd, data, off + got, len - got);
            if (n == 0) break;
            got += n;
        }
        return got;
    }

    /**
     * Waits up to {@code timeoutMillis} (negative: forever) for {@code events} on {@code fd}: the returned
     * {@code revents}, 0 on timeout. POLLHUP/POLLERR are reported whether asked for or not.
     */
    public static short poll(Fd fd, short events, int timeoutMillis) {
        int s = fd.fd();
        long deadline = timeoutMillis < 0 ? Long.MAX_VALUE : System.nanoTime() + timeoutMillis * 1_000_000L;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment pfd = a.allocate(8);
            pfd.set(JAVA_INT, 0, s);
            pfd.set(JAVA_SHORT, 4, events);
            while (true) {
                pfd.set(JAVA_SHORT, 6, (short) 0);
                int wait = timeoutMillis < 0 ? -1
                        : (int) Math.max(0, (deadline - System.nanoTime() + 999_999) / 1_000_000L);
                long r = Native.callRaw(a, st -> (int) POLL.invokeExact(st, pfd, 1L, wait));
                if (r == -Errno.EINTR.number()) continue;
                if (r < 0) throw SysException.of("poll(" + s + ", events=0x" + Integer.toHexString(events) + ", " + timeoutMillis + " ms)", (int) -r);
                return r == 0 ? 0 : pfd.get(JAVA_SHORT, 6);
            }
        }
    }
}
