package io.berth.api;

import io.berth.config.BerthRoots;
import io.berth.ct.ContainerService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Runs the HTTPS API in the foreground: {@code ApiMain [--root DIR] [--listen ADDR] [--port 8006] [--cert P12]}.
 * The certificate defaults to {@code <config>/access/pve-ssl.p12}, made self-signed at first start.
 */
public final class ApiMain {
    private ApiMain() {}

    public static void main(String[] args) throws Exception {
        String root = null, listen = "0.0.0.0", cert = null;
        int port = 8006;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--root" -> root = args[++i];
                case "--listen" -> listen = args[++i];
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--cert" -> cert = args[++i];
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "; allowed: --root --listen --port --cert");
            }
        }
        ContainerService ct = new ContainerService(BerthRoots.resolve(root));
        try (HttpsServer s = start(ct, listen, port, cert == null ? null : Path.of(cert))) {
            System.err.println("berth api listening on https://" + listen + ":" + s.port() + "/api2/json");
            s.jetty().join();
        }
    }

    /** Assembles the API of {@code ct} and starts it; the server is returned running. */
    public static HttpsServer start(ContainerService ct, String listen, int port, Path customCert) {
        Api api = new Api(ct, line -> System.getLogger("berth.auth").log(System.Logger.Level.WARNING, line));
        return start(api, listen, port, customCert);
    }

    public static HttpsServer start(Api api, String listen, int port, Path customCert) {
        return start(api, listen, port, customCert, java.util.function.UnaryOperator.identity());
    }

    /**
     * As {@link #start(Api, String, int, Path)}, with {@code front} wrapped around the server's handler before it
     * starts (the cluster module forwards requests for other nodes there). The split runs in this JVM: the backend on
     * a private Unix socket, an {@link ApiFront} on the TLS port relaying to it (the path every request takes in the
     * daemon, where the front is its own unprivileged process: {@link #startSplit}).
     */
    public static HttpsServer start(Api api, String listen, int port, Path customCert,
                                    java.util.function.UnaryOperator<org.eclipse.jetty.server.Handler> front) {
        String pass = Certificates.selfSignedPassword();
        Path ks = customCert != null ? customCert : Certificates.ensure(Api.accessDir(api.ct()).resolve("pve-ssl.p12"), pass, Node.name());
        String ksPass = customCert != null ? System.getenv().getOrDefault("BERTH_CERT_PASSWORD", pass) : pass;
        Path dir;
        try {
            dir = Files.createTempDirectory("berth-api-"); // mode 0700: only this (root) process reaches the socket
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the API backend's socket directory", e);
        }
        HttpsServer s = backend(api, dir.resolve("backend.sock"), front);
        try {
            s.attach(new ApiFront(listen, port, ks, ksPass.toCharArray(), s.backendSocket()));
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    private static HttpsServer backend(Api api, Path socket, java.util.function.UnaryOperator<org.eclipse.jetty.server.Handler> front) {
        try {
            Files.deleteIfExists(socket); // left by a killed daemon
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the stale socket " + socket, e);
        }
        HttpsServer s = new HttpsServer(api.service(), socket, api.web());
        s.observe(api);
        s.jetty().setHandler(front.apply(s.jetty().getHandler()));
        s.start();
        return s;
    }

    /**
     * The daemon's process model (Proxmox's pveproxy/pvedaemon split): this root process serves the API on
     * {@code dir/backend.sock} (dir 0750 and socket 0660, group {@code user}'s: only the front reaches it; berthd's
     * own CLI socket stays root-only), and an {@link ApiFront} runs as {@code user} on the TLS port, with a copy of the
     * key store readable by it (root:group 0640, as Proxmox keeps pve-ssl.key). Returns once the front accepts
     * connections.
     */
    public static HttpsServer startSplit(Api api, Path dir, String user, String listen, int port, Path customCert, String classPath,
                                         java.util.function.UnaryOperator<org.eclipse.jetty.server.Handler> front,
                                         java.util.function.Consumer<String> logger) {
        if (port <= 0) throw new IllegalArgumentException("the split API needs a fixed port, got " + port);
        String pass = Certificates.selfSignedPassword();
        Path ks = customCert != null ? customCert : Certificates.ensure(Api.accessDir(api.ct()).resolve("pve-ssl.p12"), pass, Node.name());
        String ksPass = customCert != null ? System.getenv().getOrDefault("BERTH_CERT_PASSWORD", pass) : pass;
        GroupPrincipal group;
        try {
            group = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(user);
            dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(user);
        } catch (IOException e) {
            throw new IllegalArgumentException("API front user '" + user + "' (and its group of the same name) must exist: " + e.getMessage(), e);
        }
        Path frontKey = dir.resolve("pve-ssl.p12");
        try {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-x---"));
            Files.getFileAttributeView(dir, PosixFileAttributeView.class).setGroup(group);
            Path tmp = dir.resolve(".pve-ssl.p12.tmp");
            Files.copy(ks, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r-----"));
            Files.getFileAttributeView(tmp, PosixFileAttributeView.class).setGroup(group);
            Files.move(tmp, frontKey, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + dir + " for the API front: " + e.getMessage(), e);
        }
        HttpsServer s = backend(api, dir.resolve("backend.sock"), front);
        try {
            Files.setPosixFilePermissions(s.backendSocket(), PosixFilePermissions.fromString("rw-rw----"));
            Files.getFileAttributeView(s.backendSocket(), PosixFileAttributeView.class).setGroup(group);
            FrontProcess p = new FrontProcess(user, listen, port, dir, ksPass, classPath, logger);
            s.attach(p, port);
            awaitListening(listen, port, p, dir.resolve("front.log"));
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            if (e instanceof RuntimeException r) throw r;
            throw new UncheckedIOException("cannot set the owner of " + s.backendSocket() + ": " + e.getMessage(), (IOException) e);
        }
    }

    /** A JVM start takes seconds on a loaded machine; the cluster agent reads the certificate off the port right after. */
    private static void awaitListening(String listen, int port, FrontProcess p, Path log) {
        String host = listen.equals("0.0.0.0") || listen.equals("::") ? "127.0.0.1" : listen;
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            try (java.net.Socket sock = new java.net.Socket()) {
                sock.connect(new java.net.InetSocketAddress(host, port), 1000);
                return;
            } catch (IOException notYet) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
        throw new IllegalStateException("the API front did not listen on " + host + ":" + port + " within 90 s (pid "
                + p.pid().map(String::valueOf).orElse("gone") + "); see " + log);
    }
}
