package io.berth.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.access.AccessData;
import io.berth.config.BerthRoots;
import io.berth.ct.ContainerService;
import io.berth.ct.hook.HookCommand;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;

/**
 * One Berth root and one HTTPS API server per test class, on a port of the api range, with an HTTP client that
 * trusts the self-signed certificate. Containers made through it are stopped and destroyed at close.
 */
final class ApiFixture implements AutoCloseable {
    private static final AtomicInteger NEXT_PORT = new AtomicInteger(18000 + (int) (ProcessHandle.current().pid() % 40) * 10);

    final Path root;
    final ContainerService ct;
    final Api api;
    final HttpsServer server;
    final HttpClient http;
    /** Trusts the server's certificate only. */
    final SSLContext tls;
    final List<Integer> vmids = new ArrayList<>();

    ApiFixture(Path root) throws Exception {
        this.root = root;
        Path launcher = root.resolve("hook-launcher");
        Files.createDirectories(root);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Files.writeString(launcher, "#!/bin/sh\nexec " + java + " --enable-native-access=ALL-UNNAMED -XX:TieredStopAtLevel=1"
                + " -XX:+UseSerialGC -cp '" + System.getProperty("java.class.path") + "' io.berth.ct.hook.HookMain \"$@\"\n");
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        ct = new ContainerService(BerthRoots.resolve(root.toString()), new HookCommand(launcher, Optional.of(root)));
        api = new Api(ct, line -> System.err.println("auth: " + line));
        // keytool costs seconds on a loaded machine: one self-signed certificate per test JVM, copied into each root
        Path ks = Api.accessDir(ct).resolve("pve-ssl.p12");
        Files.createDirectories(ks.getParent());
        Files.copy(sharedCertificate(), ks);
        HttpsServer s = null;
        for (int attempt = 0; attempt < 20 && s == null; attempt++) {
            int port = NEXT_PORT.getAndIncrement();
            if (port > 18499) NEXT_PORT.set(port = 18000);
            try {
                s = ApiMain.start(api, "127.0.0.1", port, null);
            } catch (IllegalStateException e) {
                // port taken by another helper's test: try the next one
            }
        }
        if (s == null) throw new IllegalStateException("no free port in 18000-18499");
        server = s;
        // the server's own certificate is the only one trusted (and the host name checked against it)
        tls = Certificates.clientContext(ks, Certificates.selfSignedPassword());
        http = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(5)).build();
    }

    private static Path cert;

    private static synchronized Path sharedCertificate() throws IOException {
        if (cert == null) {
            Path dir = Files.createTempDirectory("berth-api-cert-");
            dir.toFile().deleteOnExit();
            cert = Certificates.ensure(dir.resolve("pve-ssl.p12"), Certificates.selfSignedPassword(), Node.name());
            cert.toFile().deleteOnExit();
        }
        return cert;
    }

    String base() { return "https://127.0.0.1:" + server.port() + "/api2/json"; }

    void addUser(String userid, String password, String role, String path) {
        api.store().update(d -> {
            d.users.put(userid, new AccessData.User(userid, true, 0, "", "", "", "", ""));
            if (role != null) d.acls.add(new AccessData.Acl(path, userid, role, true));
        });
        if (password != null) api.store().setPassword(userid, password);
    }

    /** A logged-in session: ticket cookie and CSRF token, or an API token header. */
    record Session(String ticket, String csrf, String tokenHeader) {
        static Session token(String header) { return new Session(null, null, header); }
    }

    record Reply(int status, JsonNode body) {
        JsonNode data() { return body.path("data"); }
    }

    Session login(String user, String password) throws Exception {
        Reply r = call(null, "POST", "/access/ticket", Map.of("username", user, "password", password));
        if (r.status() != 200) throw new AssertionError("login failed: " + r.status() + " " + r.body());
        return new Session(r.data().get("ticket").asText(), r.data().get("CSRFPreventionToken").asText(), null);
    }

    Reply call(Session s, String method, String path, Map<String, String> params) throws IOException, InterruptedException {
        StringJoiner form = new StringJoiner("&");
        params.forEach((k, v) -> form.add(URLEncoder.encode(k, StandardCharsets.UTF_8) + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8)));
        boolean query = method.equals("GET") || method.equals("DELETE");
        URI uri = URI.create(base() + path + (query && form.length() > 0 ? "?" + form : ""));
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60));
        if (query) b.method(method, HttpRequest.BodyPublishers.noBody());
        else b.method(method, HttpRequest.BodyPublishers.ofString(form.toString())).header("Content-Type", "application/x-www-form-urlencoded");
        if (s != null && s.ticket() != null) b.header("Cookie", "PVEAuthCookie=" + URLEncoder.encode(s.ticket(), StandardCharsets.UTF_8));
        if (s != null && s.csrf() != null) b.header("CSRFPreventionToken", s.csrf());
        if (s != null && s.tokenHeader() != null) b.header("Authorization", s.tokenHeader());
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), Json.MAPPER.readTree(r.body().isEmpty() ? "{}" : r.body()));
    }

    Reply get(Session s, String path) throws IOException, InterruptedException { return call(s, "GET", path, Map.of()); }

    /** Polls a task until it stops; returns its exitstatus. */
    String waitTask(Session s, String upid) throws Exception {
        String path = "/nodes/" + Node.name() + "/tasks/" + URLEncoder.encode(upid, StandardCharsets.UTF_8).replace("+", "%20") + "/status";
        for (int i = 0; i < 1200; i++) {
            Reply r = get(s, path);
            if (r.status() != 200) throw new AssertionError("task status: " + r.status() + " " + r.body());
            if (r.data().get("status").asText().equals("stopped")) return r.data().get("exitstatus").asText();
            Thread.sleep(100);
        }
        throw new AssertionError("task did not finish: " + upid);
    }

    @Override public void close() {
        try {
            for (int vmid : vmids) {
                try {
                    if (ct.vmids().contains(vmid)) {
                        if (ct.status(vmid).running()) ct.stop(vmid, true);
                        ct.destroy(vmid, true, true);
                    }
                } catch (RuntimeException e) {
                    System.err.println("cleanup of " + vmid + ": " + e.getMessage());
                }
            }
        } finally {
            server.close();
        }
    }
}
