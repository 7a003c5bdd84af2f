package io.berth.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * The unprivileged TLS front (the role of Proxmox's pveproxy): it terminates TLS on the public port and relays each
 * client connection, byte for byte, to the root backend's Unix socket, after a PROXY protocol v1 line naming the
 * client's address (the backend reads it only on that socket, for the login rate limit and the auth log). It decides
 * nothing about requests: the backend checks tickets, tokens, CSRF and permissions, so a compromised front can do no
 * more than its clients could. Keep-alive, WebSocket upgrades (the console), the SSE stream, uploads and the
 * cluster's signed node calls pass through as a stream, never buffered whole; one backend connection per client
 * connection lives as long as the client keeps it alive, so a request costs no connect and no allocation here.
 * Each connection has two platform threads, one per direction, blocked in read: a request then wakes one thread
 * each way, where virtual threads woke a poller and then a carrier each way (the front's CPU per request at 2000
 * req/s went from ~0.16 to ~0.11 ms; docs/PERFORMANCE.md, API). Their stacks are small (-Xss512k reserved, a few KB
 * touched) and they end with the connection, which the backend's idle timeout bounds.
 *
 * <p>{@code ApiFront --listen ADDR --port N --cert P12 --backend SOCK [--parent PID]}; the key store's password comes
 * in {@code BERTH_CERT_PASSWORD}. berthd spawns it as www-data (see {@link FrontProcess}); with {@code --parent} it
 * exits when that process is gone, so a killed berthd leaves no front behind.
 */
public final class ApiFront implements AutoCloseable {
    private static final int BUFFER = 16 * 1024;

    private final SSLServerSocket listener;
    private final UnixDomainSocketAddress backend;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile boolean closed;

    public ApiFront(String host, int port, Path keyStore, char[] password, Path backendSocket) {
        this.backend = UnixDomainSocketAddress.of(backendSocket);
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(keyStore)) {
                ks.load(in, password);
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, password);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            listener = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket();
            listener.setReuseAddress(true);
            listener.setEnabledProtocols(new String[]{"TLSv1.3", "TLSv1.2"});
            listener.bind(new InetSocketAddress(host, port), 1024);
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen on " + host + ":" + port + " with the certificate " + keyStore + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot load the certificate " + keyStore + ": " + e.getMessage(), e);
        }
        acceptor = Thread.ofPlatform().name("api-front-accept").daemon(true).start(this::acceptLoop);
    }

    public int port() { return listener.getLocalPort(); }

    /** Client connections being relayed or lingering. */
    int openConnections() { return open.size(); }

    private void acceptLoop() {
        while (!closed) {
            try {
                SSLSocket s = (SSLSocket) listener.accept();
                Thread.ofPlatform().daemon(true).name("api-front-conn").start(() -> relay(s));
            } catch (IOException e) {
                if (closed) return;
                System.err.println("berth api front: accept failed: " + e.getMessage());
            }
        }
    }

    /**
     * Lingering close, as HTTP servers do it: when the backend has answered and closed (often early: a 401/403/413
     * before an upload's body was read), closing the client's socket while its body is still arriving would make the
     * kernel answer the unread bytes with a reset, which destroys the response in flight to the client. So the
     * answer goes out, then TLS close_notify and a FIN (half close), and the client's remaining input is read and
     * dropped until it closes, stays silent for {@link #LINGER_IDLE_MS} or {@link #LINGER_MAX_MS} have passed.
     */
    private static final long LINGER_IDLE_MS = 5_000, LINGER_MAX_MS = 30_000;

    private void relay(SSLSocket client) {
        open.add(client);
        try (client; SocketChannel back = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            client.setTcpNoDelay(true);
            client.setSoTimeout(30_000); // a handshake that never comes must not pin a connection
            client.startHandshake();
            client.setSoTimeout(0);
            back.connect(backend);
            back.write(ByteBuffer.wrap(proxyLine(client).getBytes(StandardCharsets.US_ASCII)));
            Upstream up = new Upstream(client, back);
            Thread upThread = Thread.ofPlatform().daemon(true).name("api-front-up").start(up);
            OutputStream toClient = client.getOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(BUFFER);
            boolean answered = true;
            while (answered) {
                try {
                    if (back.read(buf.clear()) < 0) break;
                } catch (IOException reset) {
                    // a Unix socket closed with our unread bytes in it reports a reset after its last data: an
                    // end like any other (or the up side closed it, the client being gone: then the writes fail)
                    break;
                }
                try {
                    toClient.write(buf.array(), 0, buf.position());
                    toClient.flush();
                } catch (IOException gone) {
                    answered = false; // the client went away
                }
            }
            if (answered) {
                try {
                    client.shutdownOutput(); // close_notify + FIN: the client reads the whole answer, then the end
                } catch (IOException gone) {
                    answered = false;
                }
            }
            if (answered) linger(upThread, up);
            else closeQuietly(client);
            upThread.join();
        } catch (IOException e) {
            // a failed handshake or an unreachable backend: the client sees its connection close
            if (!closed && e instanceof java.net.ConnectException) System.err.println("berth api front: backend " + backend + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            open.remove(client);
        }
    }

    /** Waits for the client to finish sending after the answer went out, within the lingering bounds. */
    private static void linger(Thread upThread, Upstream up) throws InterruptedException {
        long deadline = System.nanoTime() + LINGER_MAX_MS * 1_000_000;
        long seen = -1;
        while (!upThread.join(java.time.Duration.ofMillis(LINGER_IDLE_MS))) {
            long now = up.received;
            if (now == seen || System.nanoTime() > deadline) {
                closeQuietly(up.client); // silent or endless: give up (the unblocked read ends the up thread)
                return;
            }
            seen = now;
        }
    }

    /**
     * Client to backend. When the backend stops taking bytes (it answered without reading the rest), the rest is read
     * and dropped, not refused, so the client's connection stays intact until it has read the answer.
     */
    private static final class Upstream implements Runnable {
        final SSLSocket client;
        final SocketChannel back;
        volatile long received; // written by this thread only; read by linger()

        Upstream(SSLSocket client, SocketChannel back) {
            this.client = client;
            this.back = back;
        }

        @Override public void run() {
            byte[] buf = new byte[BUFFER];
            boolean forwarding = true;
            try {
                InputStream fromClient = client.getInputStream();
                int n;
                while ((n = fromClient.read(buf)) >= 0) {
                    received += n;
                    if (!forwarding) continue;
                    try {
                        ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
                        while (b.hasRemaining()) back.write(b);
                    } catch (IOException backendStoppedReading) {
                        forwarding = false; // its answer may still be on the way down: keep the connection
                    }
                }
                if (forwarding) back.shutdownOutput(); // the client is done sending; the backend still answers what it got
            } catch (IOException gone) {
                closeQuietly(back); // the client's connection broke: nobody is left to answer
            }
        }
    }

    /** PROXY protocol v1: {@code PROXY TCP4|TCP6 client-addr local-addr client-port local-port}. */
    static String proxyLine(Socket s) {
        InetSocketAddress peer = (InetSocketAddress) s.getRemoteSocketAddress();
        InetSocketAddress local = (InetSocketAddress) s.getLocalSocketAddress();
        boolean v6 = peer.getAddress() instanceof Inet6Address || local.getAddress() instanceof Inet6Address;
        return "PROXY " + (v6 ? "TCP6 " : "TCP4 ") + peer.getAddress().getHostAddress() + " " + local.getAddress().getHostAddress()
                + " " + peer.getPort() + " " + local.getPort() + "\r\n";
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override public void close() {
        closed = true;
        closeQuietly(listener);
        for (Socket s : open) closeQuietly(s);
        try {
            acceptor.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public static void main(String[] args) throws Exception {
        String listen = "0.0.0.0", cert = null, sock = null;
        int port = 8006;
        long parent = -1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--listen" -> listen = args[++i];
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--cert" -> cert = args[++i];
                case "--backend" -> sock = args[++i];
                case "--parent" -> parent = Long.parseLong(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "; allowed: --listen --port --cert --backend --parent");
            }
        }
        if (cert == null || sock == null) throw new IllegalArgumentException("--cert P12 and --backend SOCKET are required");
        String pass = System.getenv("BERTH_CERT_PASSWORD");
        if (pass == null) throw new IllegalArgumentException("BERTH_CERT_PASSWORD (the key store's password) is not set");
        ApiFront front = new ApiFront(listen, port, Path.of(cert), pass.toCharArray(), Path.of(sock));
        System.err.println("berth api front (uid " + new com.sun.security.auth.module.UnixSystem().getUid() + ") listening on https://"
                + listen + ":" + front.port() + " for " + sock);
        if (parent > 0) {
            // berthd may die without stopping us (SIGKILL, systemd's KillMode=process): its successor starts a new front
            var ph = ProcessHandle.of(parent);
            if (ph.isEmpty()) System.exit(0);
            ph.get().onExit().join();
            System.err.println("berth api front: berthd (pid " + parent + ") exited; stopping");
            front.close();
            System.exit(0);
        }
        Thread.currentThread().join();
    }
}
