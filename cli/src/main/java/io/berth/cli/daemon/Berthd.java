package io.berth.cli.daemon;

import io.berth.sys.Fd;
import io.berth.sys.FdStreams;
import io.berth.sys.SysException;
import io.berth.sys.UnixSockets;
import io.berth.sys.UnixSockets.PeerCredentials;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * berthd: a resident JVM that runs berth commands for {@code berth-client} (which {@code bin/berth} execs), so a
 * command costs a small native process and a round trip instead of a JVM start (and so do LXC hooks, which
 * otherwise pay a JVM start each, twice per container start).
 *
 * <p>It listens on {@code <state>/run/berthd/berthd.sock}, in a directory only root can enter, and serves only
 * peers whose {@code SO_PEERCRED} uid is 0 (the client checks that berthd is root too). The client passes its
 * stdin/stdout/stderr with {@code SCM_RIGHTS}: output is written straight to them; exec/enter/console are prepared
 * here and the client runs the prepared {@code lxc-attach}/{@code lxc-console} on them ({@link Session#runAttached}). Wire format: see
 * {@code cli/src/main/c/berth-client.c}. Every read is bounded: a request larger than {@link #MAX_REQUEST} is
 * refused after its 8-byte header, before any of it is read, and a client that stalls times out.
 */
public final class Berthd implements AutoCloseable {
    public static final String SOCKET_DIR = "berthd";
    public static final String SOCKET = "berthd.sock";
    public static final int MAX_REQUEST = 1 << 20;
    static final int MAX_CLIENTS = 64;
    static final int READ_TIMEOUT_MS = 10_000;

    private final UnixSocketServer server;
    private final Function<ClientContext, CommandRunner> runners;
    private final Predicate<List<String>> serves;
    /** Requests being served, and when the last one ended (System.nanoTime), for {@link #giveBackWhenIdle}. */
    private final java.util.concurrent.atomic.AtomicInteger active = new java.util.concurrent.atomic.AtomicInteger();
    private volatile long lastActive = System.nanoTime();
    /** How long berthd must have been idle before it compacts its heap (docs/PERFORMANCE.md, berthd memory). */
    static final long IDLE_GC_NANOS = 2_000_000_000L;
    /** Heap growth since the last full collection after which berthd collects even while busy (see giveBackWhenIdle). */
    static final long GROWTH_GC_BYTES = 8L << 20;
    /** {@code -Dberth.daemon.growthGc=false} turns the busy-time collection off (an A/B switch, docs/PERFORMANCE.md). */
    static final boolean GROWTH_GC = !"false".equals(System.getProperty("berth.daemon.growthGc"));
    /** Heap use that changes less than this between two polls counts as no allocation (nothing runs). */
    static final long QUIET_BYTES = 256L << 10;

    /** Runs one command line for a client and returns its exit code. */
    @FunctionalInterface
    public interface CommandRunner {
        int run(List<String> args, PrintWriter out, PrintWriter err);
    }

    /**
     * @param runDir  the state's run dir; the socket goes in its {@value #SOCKET_DIR} subdirectory (mode 0700)
     * @param serves  whether berthd runs a command line; the client runs the others itself (cold path)
     */
    public Berthd(Path runDir, Predicate<List<String>> serves, Function<ClientContext, CommandRunner> runners)
            throws IOException {
        this.runners = runners;
        this.serves = serves;
        StdioRouter.install();
        this.server = new UnixSocketServer(socketPath(runDir), "rwx------", peer -> peer.uid() == 0, MAX_CLIENTS,
                this::handle, (conn, reason) -> refuse(conn, "berthd: refused: " + reason, 126));
        Thread.ofPlatform().name("berthd-idle").daemon().start(this::giveBackWhenIdle);
    }

    /**
     * Gives memory back to the system; polls the heap every 500 ms (two native calls, no allocation).
     *
     * <ul>
     *   <li><b>When idle</b>: once no command has run for {@link #IDLE_GC_NANOS}, no young collection has happened for as
     *   long and the heap use has not moved (so no API request either), if anything was allocated since the last
     *   collection: one full collection.
     *   With the serial GC, {@code -XX:MaxHeapFreeRatio=30} and {@code -XX:-ShrinkHeapInSteps} (bin/berth-jvm) it
     *   compacts the old generation and uncommits what it no longer needs at once; the JVM's periodic native-heap trim
     *   ({@code -XX:TrimNativeHeapInterval}) then returns the freed malloc memory.</li>
     *   <li><b>Under load</b>: the serial GC grows its old generation to hold what young collections promote (with a
     *   2 MB young generation, the garbage of requests still in flight or cached for a second) and collects it only
     *   when it reaches {@code -Xmx}: under a steady API load berthd's resident set grew ~60 MB per 100k requests
     *   while its live heap stayed ~15 MB. So once the heap has grown by {@link #GROWTH_GC_BYTES} since the last
     *   full collection, berthd collects (tens of ms every several seconds under that load).</li>
     * </ul>
     */
    private void giveBackWhenIdle() {
        Runtime rt = Runtime.getRuntime();
        long collectedAfter = lastActive;
        long committedAfterGc = rt.totalMemory(), usedAfterGc = committedAfterGc - rt.freeMemory();
        long prevUsed = usedAfterGc, quietSince = System.nanoTime();
        // cleared by the next collection: while requests run, the 2 MB young generation is collected several times a
        // second, so a probe that survives 2 s means nothing (CLI or API) is being served
        java.lang.ref.WeakReference<Object> probe = new java.lang.ref.WeakReference<>(new Object());
        while (true) {
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime(), last = lastActive;
            long committed = rt.totalMemory(), used = committed - rt.freeMemory();
            if (Math.abs(used - prevUsed) >= QUIET_BYTES || probe.get() == null) quietSince = now;
            if (probe.get() == null) probe = new java.lang.ref.WeakReference<>(new Object());
            prevUsed = used;
            boolean idle = active.get() == 0 && now - last >= IDLE_GC_NANOS && now - quietSince >= IDLE_GC_NANOS;
            boolean allocated = last != collectedAfter || used - usedAfterGc >= 4 * QUIET_BYTES || committed > committedAfterGc;
            if ((idle && allocated) || (GROWTH_GC && committed - committedAfterGc >= GROWTH_GC_BYTES)) {
                collectedAfter = last;
                System.gc();
                committedAfterGc = rt.totalMemory();
                usedAfterGc = prevUsed = committedAfterGc - rt.freeMemory();
                quietSince = System.nanoTime();
                probe = new java.lang.ref.WeakReference<>(new Object());
            }
        }
    }

    public static Path socketPath(Path runDir) {
        // the same path the hooks' command line names (they run berth-client directly)
        return io.berth.ct.hook.HookCommand.daemonSocket(runDir);
    }

    public Path socket() {
        return server.socket();
    }

    /** Serves until {@link #close()}. */
    public void serve() {
        server.serve();
    }

    @Override public void close() throws IOException {
        server.close();
    }

    private void handle(Fd conn, PeerCredentials peer) {
        active.incrementAndGet();
        try {
            serveRequest(conn, peer);
        } finally {
            lastActive = System.nanoTime();
            active.decrementAndGet();
        }
    }

    private void serveRequest(Fd conn, PeerCredentials peer) {
        long received = io.berth.ct.phases.Phases.now();
        UnixSockets.receiveTimeout(conn, READ_TIMEOUT_MS);
        byte[] header = new byte[8];
        UnixSockets.Received first = UnixSockets.recvWithFds(conn, header, 0, header.length, 3);
        List<Fd> fds = first.fds();
        try {
            if (first.bytes() == 0) return;
            int got = first.bytes() + UnixSockets.recvFully(conn, header, first.bytes(), header.length - first.bytes());
            if (got < header.length || header[0] != 'B' || header[1] != 'R' || header[2] != 'T' || header[3] != '2') {
                refuse(conn, "berthd: refused: not a berth-client request", 2);
                return;
            }
            long len = Integer.toUnsignedLong(ByteBuffer.wrap(header, 4, 4).order(ByteOrder.nativeOrder()).getInt());
            if (len > MAX_REQUEST) {
                refuse(conn, "berthd: refused: a request of " + len + " bytes; at most " + MAX_REQUEST + " are accepted", 2);
                return;
            }
            if (fds.size() != 3) {
                refuse(conn, "berthd: refused: the request must pass stdin, stdout and stderr (got " + fds.size() + " descriptors)", 2);
                return;
            }
            byte[] body = new byte[(int) len];
            if (UnixSockets.recvFully(conn, body, 0, body.length) < body.length) return;
            Request req = Request.parse(body);
            if (!serves.test(req.args())) {
                frame(conn, 'F', 0);
                return;
            }
            run(conn, peer, req, fds.toArray(Fd[]::new), received);
        } finally {
            fds.forEach(Fd::close);
        }
    }

    private void run(Fd conn, PeerCredentials peer, Request req, Fd[] stdio, long received) {
        PrintWriter out = writer(stdio[1]), err = writer(stdio[2]);
        Session session = new Session(conn, stdio, out, err);
        ClientContext ctx = new ClientContext(peer.pid(), req.env(), req.cwd(), true, session, received);
        int rc;
        try {
            rc = ScopedValue.where(StdioRouter.SINKS, new StdioRouter.Sinks(out, err)).call(
                    () -> ClientContext.runAs(ctx, () -> {
                        try {
                            return runners.apply(ctx).run(req.args(), out, err);
                        } catch (RuntimeException e) {
                            err.println("berthd: " + e);
                            return 1;
                        } finally {
                            System.out.flush();
                            System.err.flush();
                        }
                    }));
        } finally {
            out.flush();
            err.flush();
        }
        // after a hand-over the client has become the command itself: there is nobody to tell the exit code to
        if (!session.handedOver) frame(conn, 'X', rc);
    }

    private static PrintWriter writer(Fd fd) {
        return new PrintWriter(new OutputStreamWriter(new BufferedOutputStream(FdStreams.output(fd), 8192),
                StandardCharsets.UTF_8), true);
    }

    static void frame(Fd conn, char type, int value) {
        byte[] f = ByteBuffer.allocate(5).order(ByteOrder.nativeOrder()).put((byte) type).putInt(value).array();
        UnixSockets.sendAll(conn, f, 0, f.length);
    }

    private static void refuse(Fd conn, String message, int rc) {
        try {
            byte[] m = (message + "\n").getBytes(StandardCharsets.UTF_8);
            frame(conn, 'M', m.length);
            UnixSockets.sendAll(conn, m, 0, m.length);
            frame(conn, 'X', rc);
        } catch (SysException e) {
            // the peer is gone already
        }
    }

    /** A parsed request: the client's working directory, arguments and environment. */
    record Request(Path cwd, List<String> args, Map<String, String> env) {
        static Request parse(byte[] body) {
            List<String> parts = new ArrayList<>();
            int start = 0;
            for (int i = 0; i < body.length; i++) {
                if (body[i] == 0) {
                    parts.add(new String(body, start, i - start, StandardCharsets.UTF_8));
                    start = i + 1;
                }
            }
            if (parts.size() < 2) throw new IllegalArgumentException("truncated request");
            Path cwd = Path.of(parts.get(0));
            int argc = Integer.parseInt(parts.get(1));
            if (argc < 0 || 2 + argc > parts.size()) throw new IllegalArgumentException("bad argument count " + argc);
            List<String> args = List.copyOf(parts.subList(2, 2 + argc));
            Map<String, String> env = new LinkedHashMap<>();
            for (String e : parts.subList(2 + argc, parts.size())) {
                int eq = e.indexOf('=');
                if (eq > 0) env.put(e.substring(0, eq), e.substring(eq + 1));
            }
            return new Request(cwd, args, Map.copyOf(env));
        }
    }

    /** One client connection: its terminal descriptors, and the socket a prepared command line goes back on. */
    static final class Session implements ClientContext.Terminal {
        private final Fd conn;
        private final Fd[] stdio;
        private final PrintWriter out, err;
        private boolean handedOver;

        Session(Fd conn, Fd[] stdio, PrintWriter out, PrintWriter err) {
            this.conn = conn;
            this.stdio = stdio;
            this.out = out;
            this.err = err;
        }

        @Override public boolean isTerminal(int fd) {
            return FdStreams.isTerminal(stdio[fd]);
        }

        @Override public java.io.InputStream stdin() {
            return FdStreams.input(stdio[0]);
        }

        @Override public java.io.OutputStream stdout() {
            return FdStreams.output(stdio[1]);
        }

        /**
         * Has the client run {@code cmd} on its stdin/stdout/stderr, with its environment and working directory: a
         * 'C' frame, after which the client is done with berthd and the command's exit code is the client's. All the
         * checks, the config and the command line were done here; the client execs it in its place when it has a
         * terminal (lxc-attach/lxc-console need it as their controlling terminal, which only a process of the
         * terminal's session can have), else runs it as its child in a session of its own and forwards the signals
         * it gets to that process group (see {@code berth-client.c}). Either way no JVM spawns it, no output or
         * signal passes through berthd, and a berthd that dies meanwhile changes nothing.
         */
        @Override public int runAttached(List<String> cmd) {
            // what was printed goes out first; then berthd lets go of the caller's descriptors, so that whoever reads
            // the command's output sees its end when the command's processes end, not when this request's thread
            // gets to close them (under load that came milliseconds later)
            System.out.flush();
            System.err.flush();
            out.flush();
            err.flush();
            for (Fd fd : stdio) fd.close();
            byte[] body = String.join("\0", cmd).concat("\0").getBytes(StandardCharsets.UTF_8);
            // header and body in one send: the client wakes once, with the whole command line there to read
            byte[] f = ByteBuffer.allocate(5 + body.length).order(ByteOrder.nativeOrder()).put((byte) 'C').putInt(body.length)
                    .put(body).array();
            UnixSockets.sendAll(conn, f, 0, f.length);
            handedOver = true;
            return 0;
        }
    }
}
