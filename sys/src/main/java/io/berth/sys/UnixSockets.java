package io.berth.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Unix stream sockets: in the abstract namespace (LXC's command sockets live there), which
 * {@code java.nio.channels} cannot address, and on a path with what the JDK's channels lack: the peer's
 * credentials ({@code SO_PEERCRED}) and descriptors passed with {@code SCM_RIGHTS} (berthd's socket).
 * Every call retries on EINTR and raises {@link SysException} naming the call, the socket name or fd and the errno.
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

    private static final Native.Fn SOCKET = Native.fn("socket");
    private static final int SOL_SOCKET = 1, SO_PASSCRED = 16;
    private static final Native.Fn SETSOCKOPT = Native.fn("setsockopt");
    private static final Native.Fn CONNECT = Native.fn("connect");
    private static final Native.Fn SEND = Native.fnLong("send");
    private static final Native.Fn RECV = Native.fnLong("recv");
    private static final Native.Fn POLL = Native.fn("poll");
    private static final Native.Fn BIND = Native.fn("bind");
    private static final Native.Fn LISTEN = Native.fn("listen");
    private static final Native.Fn ACCEPT4 = Native.fn("accept4");
    private static final Native.Fn GETSOCKOPT = Native.fn("getsockopt");
    private static final Native.Fn RECVMSG = Native.fnLong("recvmsg");
    private static final Native.Fn SHUTDOWN = Native.fn("shutdown");
    private static final int SO_PEERCRED = 17, SO_RCVTIMEO = 20, SCM_RIGHTS = 1, MSG_CMSG_CLOEXEC = 0x40000000, MSG_CTRUNC = 0x8;

    /** The credentials the kernel recorded for the peer of a connected Unix socket (at its connect/listen time). */
    public record PeerCredentials(int pid, int uid, int gid) {}

    /** What one {@link #recvWithFds} call got: the byte count (0 at end of stream) and the descriptors passed along. */
    public record Received(int bytes, List<Fd> fds) {}

    /**
     * Connects a new close-on-exec stream socket to the abstract name {@code name} (given without the leading
     * NUL). No listener gives {@code ECONNREFUSED}.
     */
    public static Fd connectAbstract(String name) {
        return connectAbstract(name, false);
    }

    /**
     * {@link #connectAbstract}, but null when nothing listens ({@code ECONNREFUSED}, {@code ENOENT}) instead of an
     * exception: a status of many containers asks each one's socket, and most of them are stopped.
     */
    public static Fd tryConnectAbstract(String name) {
        return connectAbstract(name, true);
    }

    private static Fd connectAbstract(String name, boolean nullWhenNoListener) {
        byte[] raw = name.getBytes(StandardCharsets.UTF_8);
        if (raw.length + 1 > SUN_PATH_MAX) {
            throw new IllegalArgumentException("abstract socket name '" + name + "' is " + raw.length
                    + " bytes: at most " + (SUN_PATH_MAX - 1) + " are allowed");
        }
        try (Arena a = Arena.ofConfined()) {
            int s = (int) Native.call(a, () -> "socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0)",
                    SOCKET, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
            Fd fd = Fd.adopt(s);
            try {
                // LXC's command server checks SCM_CREDENTIALS on every request and answers EPERM when there are
                // none. The kernel attaches them only if the sender or the receiving socket has SO_PASSCRED at
                // send time, and LXC sets it on the accepted socket only after accept(): a request sent right
                // after connect() raced that (about 2% EPERM answers). With SO_PASSCRED on our side the
                // credentials always travel.
                MemorySegment one = a.allocate(JAVA_INT);
                one.set(JAVA_INT, 0, 1);
                Native.call(a, () -> "setsockopt(" + s + ", SOL_SOCKET, SO_PASSCRED, 1)",
                        SETSOCKOPT, s, SOL_SOCKET, SO_PASSCRED, one.address(), 4);
                MemorySegment addr = a.allocate(SOCKADDR_UN_SIZE);
                addr.set(JAVA_SHORT, 0, (short) AF_UNIX);
                // sun_path[0] stays 0: the abstract namespace; the name is not NUL-terminated and the length says where it ends
                MemorySegment.copy(raw, 0, addr, JAVA_BYTE, 3, raw.length);
                int addrLen = 2 + 1 + raw.length;
                while (true) {
                    long r = Native.callRaw(a, CONNECT, s, addr.address(), addrLen);
                    if (r == 0) break;
                    if (r == -Errno.EINTR.number()) continue;
                    if (nullWhenNoListener && (r == -Errno.ECONNREFUSED.number() || r == -Errno.ENOENT.number())) {
                        fd.close();
                        return null;
                    }
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
                long r = Native.callRaw(a, SEND, s, at.address(), want, MSG_NOSIGNAL);
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
                long r = Native.callRaw(a, RECV, s, buf.address(), (long) len, MSG_NOSIGNAL);
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
                long r = Native.callRaw(a, POLL, pfd.address(), 1L, wait);
                if (r == -Errno.EINTR.number()) continue;
                if (r < 0) throw SysException.of("poll(" + s + ", events=0x" + Integer.toHexString(events) + ", " + timeoutMillis + " ms)", (int) -r);
                return r == 0 ? 0 : pfd.get(JAVA_SHORT, 6);
            }
        }
    }

    /**
     * A listening stream socket bound to {@code path} (close-on-exec). The path must not exist; the caller owns
     * the directory's permissions, which are what protects a path socket (connect needs write access to it).
     */
    public static Fd listen(Path path, int backlog) {
        byte[] raw = path.toString().getBytes(StandardCharsets.UTF_8);
        if (raw.length + 1 > SUN_PATH_MAX) {
            throw new IllegalArgumentException("socket path '" + path + "' is " + raw.length + " bytes: at most "
                    + (SUN_PATH_MAX - 1) + " are allowed");
        }
        try (Arena a = Arena.ofConfined()) {
            int s = (int) Native.call(a, () -> "socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0)",
                    SOCKET, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
            Fd fd = Fd.adopt(s);
            try {
                MemorySegment addr = a.allocate(SOCKADDR_UN_SIZE);
                addr.set(JAVA_SHORT, 0, (short) AF_UNIX);
                MemorySegment.copy(raw, 0, addr, JAVA_BYTE, 2, raw.length);
                int len = 2 + raw.length + 1;
                Native.call(a, () -> "bind(" + s + ", \"" + path + "\")", BIND, s, addr.address(), len);
                Native.call(a, () -> "listen(" + s + ", " + backlog + ")", LISTEN, s, backlog);
                return fd;
            } catch (RuntimeException e) {
                fd.close();
                throw e;
            }
        }
    }

    /** Connects a close-on-exec stream socket to the socket at {@code path} ({@code ECONNREFUSED}: nobody listens). */
    public static Fd connect(Path path) {
        byte[] raw = path.toString().getBytes(StandardCharsets.UTF_8);
        if (raw.length + 1 > SUN_PATH_MAX) throw new IllegalArgumentException("socket path '" + path + "' is too long");
        try (Arena a = Arena.ofConfined()) {
            int s = (int) Native.call(a, () -> "socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0)",
                    SOCKET, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
            Fd fd = Fd.adopt(s);
            try {
                MemorySegment addr = a.allocate(SOCKADDR_UN_SIZE);
                addr.set(JAVA_SHORT, 0, (short) AF_UNIX);
                MemorySegment.copy(raw, 0, addr, JAVA_BYTE, 2, raw.length);
                int len = 2 + raw.length + 1;
                while (true) {
                    long r = Native.callRaw(a, CONNECT, s, addr.address(), len);
                    if (r == 0) return fd;
                    if (r == -Errno.EINTR.number()) continue;
                    throw SysException.of("connect(" + s + ", \"" + path + "\")", (int) -r);
                }
            } catch (RuntimeException e) {
                fd.close();
                throw e;
            }
        }
    }

    /** accept4(2) with SOCK_CLOEXEC; blocks until a peer connects. */
    public static Fd accept(Fd listener) {
        int s = listener.fd();
        try (Arena a = Arena.ofConfined()) {
            while (true) {
                long r = Native.callRaw(a, ACCEPT4, s, 0, 0, SOCK_CLOEXEC);
                if (r >= 0) return Fd.adopt((int) r);
                if (r == -Errno.EINTR.number() || r == -Errno.ECONNABORTED.number()) continue;
                throw SysException.of("accept4(" + s + ")", (int) -r);
            }
        }
    }

    /** getsockopt(SO_PEERCRED): who is on the other end (pid, uid, gid as of its connect or listen call). */
    public static PeerCredentials peerCredentials(Fd sock) {
        int s = sock.fd();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cred = a.allocate(12);
            MemorySegment len = a.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, 12);
            Native.call(a, () -> "getsockopt(" + s + ", SOL_SOCKET, SO_PEERCRED)",
                    GETSOCKOPT, s, SOL_SOCKET, SO_PEERCRED, cred.address(), len.address());
            return new PeerCredentials(cred.get(JAVA_INT, 0), cred.get(JAVA_INT, 4), cred.get(JAVA_INT, 8));
        }
    }

    /**
     * One recvmsg(2) into {@code data[off..off+len)} accepting up to {@code maxFds} descriptors sent with
     * SCM_RIGHTS (received close-on-exec). More descriptors than that is refused: the ones that arrived are closed
     * and {@link SysException} (EMSGSIZE) is raised, so a peer cannot make us hold descriptors we did not ask for.
     */
    public static Received recvWithFds(Fd sock, byte[] data, int off, int len, int maxFds) {
        int s = sock.fd();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(Math.max(1, len));
            // struct iovec { void *base; size_t len; }
            MemorySegment iov = a.allocate(16, 8);
            iov.set(ADDRESS, 0, buf);
            iov.set(JAVA_LONG, 8, len);
            // room for maxFds + 1 descriptors, so that one too many shows up as such instead of being cut silently
            long ctlLen = 16 + (((maxFds + 1) * 4L + 7) & ~7L);
            MemorySegment ctl = a.allocate(ctlLen, 8);
            // struct msghdr { name, namelen(+pad), iov, iovlen, control, controllen, flags(+pad) } = 56 bytes
            MemorySegment msg = a.allocate(56, 8);
            msg.set(ADDRESS, 16, iov);
            msg.set(JAVA_LONG, 24, 1);
            msg.set(ADDRESS, 32, ctl);
            msg.set(JAVA_LONG, 40, ctlLen);
            long r;
            while (true) {
                r = Native.callRaw(a, RECVMSG, s, msg.address(), MSG_CMSG_CLOEXEC);
                if (r != -Errno.EINTR.number()) break;
            }
            if (r < 0) throw SysException.of("recvmsg(" + s + ", " + len + " bytes)", (int) -r);
            List<Fd> fds = new ArrayList<>();
            long ctlUsed = msg.get(JAVA_LONG, 40);
            long at = 0;
            // struct cmsghdr { size_t len; int level; int type; data... }, each aligned to 8
            while (at + 16 <= ctlUsed) {
                long cl = ctl.get(JAVA_LONG, at);
                if (cl < 16 || at + cl > ctlUsed) break;
                int level = ctl.get(JAVA_INT, at + 8), type = ctl.get(JAVA_INT, at + 12);
                if (level == SOL_SOCKET && type == SCM_RIGHTS) {
                    for (long p = at + 16; p + 4 <= at + cl; p += 4) fds.add(Fd.adopt(ctl.get(JAVA_INT, p)));
                }
                at += (cl + 7) & ~7L;
            }
            int flags = msg.get(JAVA_INT, 48);
            if (fds.size() > maxFds || (flags & MSG_CTRUNC) != 0) {
                fds.forEach(Fd::close);
                throw SysException.of("recvmsg(" + s + "): more than " + maxFds + " descriptors passed", Errno.EMSGSIZE.number());
            }
            MemorySegment.copy(buf, JAVA_BYTE, 0, data, off, (int) r);
            return new Received((int) r, List.copyOf(fds));
        }
    }

    /**
     * SO_RCVTIMEO: a blocking receive on {@code sock} fails with EAGAIN after {@code millis}, so a peer that stops
     * sending in the middle of a request cannot hold the reading thread forever.
     */
    public static void receiveTimeout(Fd sock, int millis) {
        int s = sock.fd();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment tv = a.allocate(16, 8);
            tv.set(JAVA_LONG, 0, millis / 1000);
            tv.set(JAVA_LONG, 8, (millis % 1000) * 1000L);
            Native.call(a, () -> "setsockopt(" + s + ", SOL_SOCKET, SO_RCVTIMEO, " + millis + " ms)",
                    SETSOCKOPT, s, SOL_SOCKET, SO_RCVTIMEO, tv.address(), 16);
        }
    }

    /** shutdown(2) of both directions: wakes a thread blocked in accept/recv on this socket. Errors are ignored. */
    public static void shutdown(Fd sock) {
        if (!sock.isOpen()) return;
        int s = sock.fd();
        try (Arena a = Arena.ofConfined()) {
            Native.callRaw(a, SHUTDOWN, s, 2);
        }
    }

    /**
     * poll(2) on several descriptors at once: the {@code revents} of each (all 0 on timeout). {@code timeoutMillis}
     * negative waits forever.
     */
    public static short[] pollAll(Fd[] fds, short[] events, int timeoutMillis) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment pfd = a.allocate(8L * fds.length);
            for (int i = 0; i < fds.length; i++) {
                pfd.set(JAVA_INT, 8L * i, fds[i].fd());
                pfd.set(JAVA_SHORT, 8L * i + 4, events[i]);
                pfd.set(JAVA_SHORT, 8L * i + 6, (short) 0);
            }
            long n = fds.length;
            while (true) {
                long r = Native.callRaw(a, POLL, pfd.address(), n, timeoutMillis);
                if (r == -Errno.EINTR.number()) continue;
                if (r < 0) throw SysException.of("poll(" + fds.length + " fds)", (int) -r);
                short[] out = new short[fds.length];
                for (int i = 0; i < fds.length; i++) out[i] = pfd.get(JAVA_SHORT, 8L * i + 6);
                return out;
            }
        }
    }
}
