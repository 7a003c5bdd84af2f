package io.berth.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import org.eclipse.jetty.http.HttpCookie;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import io.berth.web.WebUi;

/**
 * The HTTPS front end (Jetty 12, requests on virtual threads): {@code /api2/json/...} and {@code /api2/extjs/...}
 * go to {@link ApiService#dispatch}; other paths go to handlers plugged in with {@link #mount} (the web UI's static
 * assets, its console WebSocket). Error statuses carry Proxmox's reason phrase in the status line.
 */
public final class HttpsServer implements AutoCloseable {
    private final Server server;
    private final ServerConnector connector; // null on the backend of the split
    private final Path backendSocket;
    private ApiFront front;
    private FrontProcess frontProcess;
    private int publicPort = -1;
    private final ContextHandlerCollection extra = new ContextHandlerCollection();
    private final ApiService api;
    private final WebUi web;
    private Observability obs;

    /**
     * @param keyStore PKCS#12 key store with the certificate ({@link Certificates#ensure} makes a self-signed one)
     */
    public HttpsServer(ApiService api, String host, int port, Path keyStore, String keyStorePassword) {
        this(api, host, port, keyStore, keyStorePassword, null);
    }

    /** {@code web}: the UI (static files, console WebSocket) served beside the API; null for the API alone. */
    public HttpsServer(ApiService api, String host, int port, Path keyStore, String keyStorePassword, WebUi web) {
        this.api = api;
        this.backendSocket = null;
        server = newServer();
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStorePath(keyStore.toString());
        ssl.setKeyStorePassword(keyStorePassword);
        ssl.setKeyStoreType("PKCS12");
        ssl.setSniRequired(false);
        HttpConfiguration hc = new HttpConfiguration();
        hc.setSendServerVersion(false);
        SecureRequestCustomizer src = new SecureRequestCustomizer();
        src.setSniHostCheck(false);
        hc.addCustomizer(src);
        connector = new ServerConnector(server, new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(hc));
        connector.setHost(host);
        connector.setPort(port);
        server.addConnector(connector);
        this.web = web;
        Handler root = new Root();
        server.setHandler(web == null ? root : web.wrap(server, root));
    }

    /**
     * The root backend of the split process model: the same handlers on a Unix socket (plain HTTP, after a PROXY
     * protocol line from {@link ApiFront} that carries the client's address: trusted here only because this socket
     * is reachable by the front's group alone). Tickets, tokens, CSRF and permissions are checked here as ever.
     */
    public HttpsServer(ApiService api, Path backendSocket, WebUi web) {
        this.api = api;
        this.backendSocket = backendSocket;
        server = newServer();
        HttpConfiguration hc = new HttpConfiguration();
        hc.setSendServerVersion(false);
        var unix = new org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector(server,
                new org.eclipse.jetty.server.ProxyConnectionFactory(org.eclipse.jetty.http.HttpVersion.HTTP_1_1.asString()),
                new HttpConnectionFactory(hc));
        unix.setUnixDomainPath(backendSocket);
        unix.setAcceptQueueSize(1024);
        server.addConnector(unix);
        connector = null;
        this.web = web;
        Handler root = new Root();
        server.setHandler(web == null ? root : web.wrap(server, root));
    }

    private static Server newServer() {
        QueuedThreadPool pool = new QueuedThreadPool(200, 4);
        pool.setName("api");
        pool.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
        return new Server(pool);
    }

    /** The backend's Unix socket; null for a single TLS server. */
    public Path backendSocket() { return backendSocket; }

    /** The front this backend serves, in this JVM (tests, {@code berth api server}); closed with the server. */
    void attach(ApiFront f) { this.front = f; }

    /** The front this backend serves, as its own unprivileged process ({@code berth daemon}); stopped with the server. */
    public void attach(FrontProcess p, int port) {
        this.frontProcess = p;
        this.publicPort = port;
    }

    /** Client connections the in-JVM front holds open (tests); 0 without one. */
    int frontConnections() { return front == null ? 0 : front.openConnections(); }

    public java.util.Optional<FrontProcess> frontProcess() { return java.util.Optional.ofNullable(frontProcess); }

    /** Serves {@code /metrics} and {@code /events} of {@code api}. */
    void observe(Api api) { this.obs = new Observability(api); }

    /** Plugs a handler (static files, WebSocket upgrade) in for every request outside {@code /api2/}. Call before {@link #start}. */
    public void mount(Handler h) { extra.addHandler(h); }

    public void start() {
        try {
            server.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the HTTPS server: " + e.getMessage(), e);
        }
    }

    /** The public HTTPS port: the front's when split. */
    public int port() {
        if (front != null) return front.port();
        return connector != null ? connector.getLocalPort() : publicPort;
    }

    public Server jetty() { return server; }

    @Override public void close() {
        try {
            if (frontProcess != null) frontProcess.close();
            if (front != null) front.close();
            if (web != null) web.close();
            server.stop();
            if (front != null && backendSocket != null) {
                // the in-JVM split's private temporary directory
                Files.deleteIfExists(backendSocket);
                Files.deleteIfExists(backendSocket.getParent());
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot stop the HTTPS server", e);
        }
    }

    private final class Root extends Handler.Wrapper {
        Root() { super(extra); }

        @Override public boolean handle(Request req, Response res, Callback cb) throws Exception {
            String path = Request.getPathInContext(req);
            if (path.startsWith("/api2/json/") || path.startsWith("/api2/extjs/") || path.equals("/api2/json") || path.equals("/api2/extjs")) {
                serveApi(req, res, cb, path);
                return true;
            }
            if (obs != null && (path.equals("/metrics") || path.equals("/events"))) {
                serveObservability(req, res, cb, path);
                return true;
            }
            if (super.handle(req, res, cb)) return true;
            sendApiError(req, res, cb, false, new ApiException(501, "Method '" + req.getMethod() + " " + path + "' not implemented"));
            return true;
        }
    }

    private void serveObservability(Request req, Response res, Callback cb, String path) {
        try {
            var caller = obs.authenticate(credentials(req));
            if (path.equals("/metrics")) {
                byte[] b = obs.metrics(caller).getBytes(StandardCharsets.UTF_8);
                res.setStatus(200);
                res.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
                res.write(true, ByteBuffer.wrap(b), cb);
                return;
            }
            res.setStatus(200);
            res.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream");
            res.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
            try (var out = Content.Sink.asOutputStream(res)) {
                obs.stream(caller, out);
            } catch (IOException gone) {
                // the client went away
            }
            cb.succeeded();
        } catch (ApiException e) {
            sendApiError(req, res, cb, false, e);
        } catch (Throwable t) {
            sendApiError(req, res, cb, false, ApiErrors.map(t));
        }
    }

    private void serveApi(Request req, Response res, Callback cb, String path) {
        if (obs != null) obs.requests.incrementAndGet();
        boolean extjs = path.startsWith("/api2/extjs");
        String apiPath = path.substring(extjs ? "/api2/extjs".length() : "/api2/json".length());
        if (apiPath.isEmpty()) apiPath = "/";
        JettyMultipart upload = null;
        try {
            String method = req.getMethod();
            if (method.equals("DELETE") && (apiPath.equals("/access/ticket") || apiPath.equals("/access/ticket/"))) {
                // logout (beyond Proxmox, whose GUI drops a cookie it can read): the ticket cookie is HttpOnly, so only
                // the server can expire it; the ticket itself stays valid until its 2 h are up, as a Proxmox ticket does
                res.getHeaders().add(HttpHeader.SET_COOKIE, "PVEAuthCookie=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict");
                Map<String, Object> body = new LinkedHashMap<>();
                if (extjs) body.put("success", 1);
                body.put("data", null);
                send(res, cb, 200, null, body);
                return;
            }
            Credentials cred = credentials(req);
            String ctype = req.getHeaders().get(HttpHeader.CONTENT_TYPE);
            Object data;
            if (ctype != null && ctype.regionMatches(true, 0, "multipart/form-data", 0, 19)) {
                Map<String, String> query = new LinkedHashMap<>();
                if (req.getHttpURI().getQuery() != null) decodeForm(req.getHttpURI().getQuery(), query);
                upload = new JettyMultipart(req, ctype, new java.util.concurrent.atomic.AtomicBoolean());
                data = api.dispatchUpload(method, apiPath, query, cred, upload);
            } else {
                data = api.dispatch(method, apiPath, params(req), cred);
            }
            if (method.equals("POST") && apiPath.equals("/access/ticket") && data instanceof Map<?, ?> m && m.get("CSRFPreventionToken") != null) {
                // the browser UI keeps only the CSRF token; the ticket rides in a cookie scripts cannot read
                res.getHeaders().add(HttpHeader.SET_COOKIE, "PVEAuthCookie=" + java.net.URLEncoder.encode((String) m.get("ticket"),
                        StandardCharsets.UTF_8) + "; Path=/; Secure; HttpOnly; SameSite=Strict");
            }
            Map<String, Object> body = new LinkedHashMap<>();
            if (extjs) body.put("success", 1);
            body.put("data", data);
            send(res, cb, 200, null, body);
        } catch (ApiException e) {
            closeIfUnread(res, upload);
            sendApiError(req, res, cb, extjs, e);
        } catch (Throwable t) {
            closeIfUnread(res, upload);
            sendApiError(req, res, cb, extjs, ApiErrors.map(t));
        }
    }

    /**
     * An upload refused before its body was read (401, 403, 413): the connection ends after the answer, and says so,
     * or a keep-alive client would send its next request on a connection the server is closing and get no answer.
     */
    private static void closeIfUnread(Response res, JettyMultipart upload) {
        if (upload != null && !upload.complete().get()) res.getHeaders().put(HttpHeader.CONNECTION, "close");
    }

    private void sendApiError(Request req, Response res, Callback cb, boolean extjs, ApiException e) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("data", null);
        if (!e.errors().isEmpty()) body.put("errors", e.errors());
        body.put("message", e.getMessage() + "\n");
        if (extjs) {
            // the ExtJS format reports errors in the body with HTTP 200, as pveproxy does
            body.put("success", 0);
            body.put("status", e.status());
            send(res, cb, 200, null, body);
            return;
        }
        String reason = e.getMessage().replaceAll("[\\r\\n]+", " ").strip();
        if (reason.length() > 512) reason = reason.substring(0, 512);
        String r = reason;
        req.addHttpStreamWrapper(s -> new HttpStream.Wrapper(s) {
            @Override public void send(MetaData.Request rq, MetaData.Response rs, boolean last, ByteBuffer content, Callback callback) {
                MetaData.Response withReason = rs == null ? null
                        : new MetaData.Response(rs.getStatus(), r, rs.getHttpVersion(), rs.getHttpFields(), rs.getContentLength(), rs.getTrailersSupplier());
                super.send(rq, withReason, last, content, callback);
            }
        });
        send(res, cb, e.status(), r, body);
    }

    private static void send(Response res, Callback cb, int status, String reason, Object body) {
        byte[] b = Json.bytes(body);
        res.setStatus(status);
        res.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json;charset=UTF-8");
        res.getHeaders().put(HttpHeader.CACHE_CONTROL, "max-age=0");
        res.getHeaders().put(HttpHeader.PRAGMA, "no-cache");
        res.getHeaders().put(HttpHeader.CONTENT_LENGTH, b.length);
        res.write(true, ByteBuffer.wrap(b), cb);
    }

    /** A multipart body read by Jetty's parser: file parts go to disk in the given directory, never to memory. */
    /** {@code complete}: the whole body was read. */
    private record JettyMultipart(Request req, String contentType, java.util.concurrent.atomic.AtomicBoolean complete) implements Multipart {
        @Override public long declaredLength() { return req.getLength(); }

        @Override public Form read(Path fileDir, long maxFileBytes) throws IOException {
            var config = new org.eclipse.jetty.http.MultiPartConfig.Builder().location(fileDir).maxPartSize(maxFileBytes)
                    .maxSize(maxFileBytes + (1 << 20)).maxMemoryPartSize(64 * 1024).maxParts(16).useFilesForPartsWithoutFileName(false).build();
            org.eclipse.jetty.http.MultiPartFormData.Parts parts;
            try {
                parts = org.eclipse.jetty.http.MultiPartFormData.getParts(req, req, contentType, config);
                complete.set(true);
            } catch (RuntimeException e) {
                Throwable c = e.getCause() != null ? e.getCause() : e;
                String msg = String.valueOf(c.getMessage());
                if (msg.contains("max") || msg.contains("exceed")) throw new ApiException(413, "upload larger than allowed (" + maxFileBytes + " bytes): " + msg);
                throw new ApiException(400, "cannot read the multipart body: " + msg);
            }
            Map<String, String> fields = new LinkedHashMap<>();
            org.eclipse.jetty.http.MultiPart.Part filePart = null;
            for (var p : parts) {
                if (p.getFileName() != null) {
                    if (filePart == null) filePart = p;
                } else {
                    fields.put(p.getName(), p.getContentAsString(StandardCharsets.UTF_8));
                }
            }
            var fp = filePart;
            return new Form() {
                @Override public Map<String, String> fields() { return fields; }

                @Override public Optional<FilePart> file() {
                    return fp == null ? Optional.empty() : Optional.of(new FilePart() {
                        @Override public String fileName() { return fp.getFileName(); }

                        @Override public long length() { return fp.getLength(); }

                        @Override public void keepAs(Path target) throws IOException { fp.writeTo(target); }
                    });
                }

                @Override public void close() { parts.close(); }
            };
        }
    }

    /** Query and body parameters: form-urlencoded (what Proxmox clients send) or a JSON object. */
    static Map<String, String> params(Request req) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        String q = req.getHttpURI().getQuery();
        if (q != null) decodeForm(q, out);
        String ct = req.getHeaders().get(HttpHeader.CONTENT_TYPE);
        if (!req.getMethod().equals("GET") && !req.getMethod().equals("HEAD")) {
            String body = Content.Source.asString(req, StandardCharsets.UTF_8);
            if (body != null && !body.isBlank()) {
                if (ct != null && ct.startsWith("application/json")) {
                    var node = Json.MAPPER.readTree(body);
                    if (!node.isObject()) throw new ApiException(400, "JSON body must be an object");
                    node.properties().forEach(e -> {
                        var v = e.getValue();
                        if (v.isArray()) {
                            List<String> parts = new ArrayList<>();
                            v.forEach(x -> parts.add(x.asText()));
                            out.put(e.getKey(), String.join(",", parts));
                        } else if (v.isBoolean()) {
                            out.put(e.getKey(), v.asBoolean() ? "1" : "0");
                        } else if (!v.isNull()) {
                            out.put(e.getKey(), v.asText());
                        }
                    });
                } else {
                    decodeForm(body, out);
                }
            }
        }
        return out;
    }

    private static void decodeForm(String s, Map<String, String> out) {
        for (String pair : s.split("&")) {
            if (pair.isEmpty()) continue;
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            // repeated keys (e.g. delete=a&delete=b) join with ',' as Proxmox's list formats do
            out.merge(k, v, (a, b) -> a + "," + b);
        }
    }

    /** %-decodes a cookie value; unlike form decoding a '+' stays (tickets are base64, clients send them raw or encoded). */
    public static String cookieValue(String v) {
        return v.indexOf('%') < 0 ? v : URLDecoder.decode(v.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    static Credentials credentials(Request req) {
        Optional<String> ticket = Optional.empty();
        if (req.getHeaders().contains(HttpHeader.COOKIE)) { // token clients send none: skip the cookie parser's set-up
            for (HttpCookie c : Request.getCookies(req)) {
                if (c.getName().equals("PVEAuthCookie")) ticket = Optional.of(cookieValue(c.getValue()));
            }
        }
        HttpField auth = req.getHeaders().getField(HttpHeader.AUTHORIZATION);
        String csrf = req.getHeaders().get("CSRFPreventionToken");
        return new Credentials(ticket, Optional.ofNullable(auth).map(HttpField::getValue), Optional.ofNullable(csrf),
                Request.getRemoteAddr(req), false);
    }
}
