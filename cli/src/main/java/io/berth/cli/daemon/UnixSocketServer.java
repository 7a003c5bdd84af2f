package io.berth.cli.daemon;

import io.berth.sys.Errno;
import io.berth.sys.Fd;
import io.berth.sys.SysException;
import io.berth.sys.UnixSockets;
import io.berth.sys.UnixSockets.PeerCredentials;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.function.Predicate;

/**
 * A Unix stream socket on a path, in a directory that only its intended peers can enter, serving each connection
 * on its own thread. berthd's root-only socket is one; a second, group-restricted socket (for an unprivileged
 * front end) is another instance with other directory permissions and another peer check.
 *
 * <p>Safety: the directory is created (or corrected) with {@code dirMode} and must not be a symlink; a socket
 * left behind by a dead server (connect refused) is replaced, a live one is not (the second server refuses to
 * start); every peer's credentials ({@code SO_PEERCRED}) are checked before anything is read from it; at most
 * {@code maxClients} connections are served at once (more are answered and closed); the socket is removed on
 * {@link #close()}.
 */
public final class UnixSocketServer implements AutoCloseable {
    /** Serves one accepted connection; the server closes {@code conn} afterwards. */
    @FunctionalInterface
    public interface Handler {
        void handle(Fd conn, PeerCredentials peer);
    }

    /** Answers a connection that is refused (peer not allowed, too many clients); the server closes it afterwards. */
    @FunctionalInterface
    public interface Refusal {
        void refuse(Fd conn, String reason);
    }

    private final Path socket;
    private final Fd listener;
    private final Predicate<PeerCredentials> allowed;
    private final Semaphore slots;
    private final int maxClients;
    private final Handler handler;
    private final Refusal refusal;
    /**
     * The connections' threads, kept for a while between requests: starting a platform thread (stack, JVM thread
     * state) for every command was a measurable part of a short one. Unbounded as a thread per connection was;
     * {@code maxClients} bounds how many are served, and the rest are answered and closed on theirs.
     */
    private final java.util.concurrent.ThreadPoolExecutor workers;
    private volatile boolean closed;
    private volatile Thread serving;

    public UnixSocketServer(Path socket, String dirMode, Predicate<PeerCredentials> allowed, int maxClients,
            Handler handler, Refusal refusal) throws IOException {
        this.socket = socket.toAbsolutePath();
        this.allowed = allowed;
        this.maxClients = maxClients;
        this.slots = new Semaphore(maxClients);
        this.handler = handler;
        this.refusal = refusal;
        this.workers = new java.util.concurrent.ThreadPoolExecutor(0, Integer.MAX_VALUE, IDLE_THREAD_SECONDS,
                java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.SynchronousQueue<>(),
                Thread.ofPlatform().name("berthd-client").daemon().factory());
        secureDir(this.socket.getParent(), dirMode);
        removeIfStale(this.socket);
        this.listener = UnixSockets.listen(this.socket, 128);
        // connecting needs write access to the socket file too: the same people as the directory, without x
        Files.setPosixFilePermissions(this.socket, PosixFilePermissions.fromString(dirMode.replace('x', '-')));
    }

    public Path socket() {
        return socket;
    }

    /** How long a connection's thread waits for the next one before it ends. */
    static final long IDLE_THREAD_SECONDS = 10;

    /** Accepts until {@link #close()}; each connection on a platform thread of its own (native calls block it). */
    public void serve() {
        serving = Thread.currentThread();
        try {
            while (!closed) {
                Fd conn;
                try {
                    conn = UnixSockets.accept(listener);
                } catch (SysException | IllegalStateException e) {
                    if (closed) return;
                    continue;
                }
                try {
                    workers.execute(() -> serveOne(conn));
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    conn.close(); // closing
                }
            }
        } finally {
            serving = null;
        }
    }

    private void serveOne(Fd conn) {
        try (conn) {
            PeerCredentials peer = UnixSockets.peerCredentials(conn);
            if (!allowed.test(peer)) {
                refusal.refuse(conn, "peer uid " + peer.uid() + " (pid " + peer.pid() + ") is not allowed on " + socket);
                return;
            }
            if (!slots.tryAcquire()) {
                refusal.refuse(conn, maxClients + " clients are served already; try again");
                return;
            }
            try {
                handler.handle(conn, peer);
            } finally {
                slots.release();
            }
        } catch (RuntimeException e) {
            // the peer went away or sent garbage: nothing to answer
        }
    }

    @Override public void close() throws IOException {
        if (closed) return;
        closed = true;
        // wakes the accept loop (accept fails once the socket is shut down)
        UnixSockets.shutdown(listener);
        // the descriptor is closed only once the loop has left accept: closed earlier, its number could be reused by
        // a new socket (another server on this path) before the loop's next accept, which would then serve on it
        Thread loop = serving;
        if (loop != null && loop != Thread.currentThread()) {
            try {
                loop.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        listener.close();
        workers.shutdown(); // requests being served finish; idle threads end now
        Files.deleteIfExists(socket);
    }

    /** The socket's directory: created or corrected to {@code mode}, owned by us, never a symlink. */
    static void secureDir(Path dir, String mode) throws IOException {
        Set<PosixFilePermission> perms = PosixFilePermissions.fromString(mode);
        Files.createDirectories(dir.getParent());
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(perms));
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // created concurrently: checked below
            }
        }
        PosixFileAttributes a = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!a.isDirectory()) throw new IOException(dir + " must be a directory, not a symlink or a file");
        PosixFileAttributeView v = Files.getFileAttributeView(dir, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        var me = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(System.getProperty("user.name"));
        if (!a.owner().equals(me)) v.setOwner(me);
        if (!a.permissions().equals(perms)) v.setPermissions(perms);
    }

    /** A socket nobody accepts on is left from a dead server: removed. A live one means a server runs already. */
    static void removeIfStale(Path socket) throws IOException {
        if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) return;
        if (!Files.readAttributes(socket, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther()) {
            throw new IOException(socket + " exists and is not a socket: remove it");
        }
        try (Fd probe = UnixSockets.connect(socket)) {
            throw new IOException("a server already listens on " + socket);
        } catch (SysException e) {
            if (!e.is(Errno.ECONNREFUSED) && !e.is(Errno.ENOENT)) throw new IOException("probing " + socket + ": " + e.getMessage(), e);
        }
        Files.deleteIfExists(socket);
    }
}
