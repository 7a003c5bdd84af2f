package io.berth.cli.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.URLEncoder;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The API's process model as {@code berth daemon start} runs it (a real berthd from bin/berth and this build's jar):
 * the TLS front is its own process as www-data, the root backend listens on a socket only www-data's group reaches,
 * the backend checks credentials itself, and a client drives login, CSRF, a container's whole life, the console
 * WebSocket, an upload and the event stream through the front.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ApiFrontSplitTest {
    static final int VMID = 8101;
    static final ObjectMapper JSON = new ObjectMapper();
    static Path tmp, root, launcher;
    static Map<String, String> env;
    static int port;
    static HttpClient http;
    static String ticket, csrf, node;

    @BeforeAll static void startDaemon() throws Exception {
        Path source = Path.of(System.getProperty("berth.source.root", "..")).toAbsolutePath().normalize();
        Path build = Path.of(System.getProperty("berth.build.dir", "target")).toAbsolutePath();
        launcher = source.resolve("bin/berth");
        // www-data must reach the jar and the run dir: a world-traversable directory, not @TempDir's 0700
        tmp = Files.createTempDirectory("berth-api-split-");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        root = tmp.resolve("root");
        Path jar = Files.copy(build.resolve("berth.jar"), tmp.resolve("berth.jar"));
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
        env = Map.of("BERTH_JAR", jar.toString(), "BERTH_NO_DAEMON", "1", "BERTH_AOT", tmp.resolve("no-aot").toString(),
                "JAVA_HOME", System.getProperty("java.home"));
        ok("user", "add", "split@pve", "--password", "split-secret");
        ok("acl", "modify", "/", "--users", "split@pve", "--roles", "Administrator");
        port = 18400 + (int) (ProcessHandle.current().pid() % 50);
        ok("daemon", "start", "--api-port", Integer.toString(port));
        // trusts berthd's own certificate only (and checks the host name against it)
        SSLContext ctx = io.berth.api.Certificates.clientContext(root.resolve("etc/access/pve-ssl.p12"),
                io.berth.api.Certificates.selfSignedPassword());
        http = HttpClient.newBuilder().sslContext(ctx).connectTimeout(Duration.ofSeconds(10)).build();
    }

    @AfterAll static void cleanUp() throws Exception {
        if (root == null) return;
        try {
            run(List.of("stop", Integer.toString(VMID)));
            run(List.of("destroy", Integer.toString(VMID)));
            run(List.of("daemon", "stop"));
        } finally {
            try (Stream<Path> s = Files.walk(tmp)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    static Path apiDir() { return root.resolve("var/run/api"); }

    @Test @Order(1) void frontRunsAsWwwDataAndDaemonStatusShowsBoth() throws Exception {
        long pid = Long.parseLong(Files.readString(apiDir().resolve("front.pid")).strip());
        String status = Files.readString(Path.of("/proc/" + pid + "/status"));
        String uids = status.lines().filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow();
        String gids = status.lines().filter(l -> l.startsWith("Gid:")).findFirst().orElseThrow();
        String wwwData = idOf("-u");
        assertThat(uids.split("\\s+")).containsExactly("Uid:", wwwData, wwwData, wwwData, wwwData);
        assertThat(gids.split("\\s+")).containsExactly("Gid:", idOf("-g"), idOf("-g"), idOf("-g"), idOf("-g"));
        assertThat(status).containsPattern("CapEff:\\s+0000000000000000");
        String st = ok("daemon", "status");
        assertThat(st).contains("berthd running").contains("api front running (pid " + pid + ", user www-data)");
        // berthd's own CLI socket is no business of the front's
        assertThat(connectAs("www-data", root.resolve("var/run/berthd/berthd.sock"))).contains("Permission denied");
    }

    @Test @Order(2) void backendSocketIsReachableByTheFrontsGroupOnly() throws Exception {
        Path sock = apiDir().resolve("backend.sock");
        PosixFileAttributes a = Files.readAttributes(sock, PosixFileAttributes.class);
        assertThat(PosixFilePermissions.toString(a.permissions())).isEqualTo("rw-rw----");
        assertThat(a.owner().getName()).isEqualTo("root");
        assertThat(a.group().getName()).isEqualTo("www-data");
        PosixFileAttributes d = Files.readAttributes(apiDir(), PosixFileAttributes.class);
        assertThat(PosixFilePermissions.toString(d.permissions())).isEqualTo("rwxr-x---");
        PosixFileAttributes key = Files.readAttributes(apiDir().resolve("pve-ssl.p12"), PosixFileAttributes.class);
        assertThat(PosixFilePermissions.toString(key.permissions()) + " " + key.group().getName()).isEqualTo("rw-r----- www-data");
        assertThat(connectAs("nobody", sock)).contains("Permission denied");
        assertThat(connectAs("www-data", sock)).isEqualTo("connected");
    }

    @Test @Order(3) void backendChecksCredentialsItself() throws Exception {
        Path sock = apiDir().resolve("backend.sock");
        String forgedTicket = "PVE:split@pve:" + Long.toHexString(System.currentTimeMillis() / 1000) + "::" + "A".repeat(86);
        assertThat(rawBackend(sock, "GET /api2/json/nodes HTTP/1.1\r\nHost: x\r\nCookie: PVEAuthCookie="
                + URLEncoder.encode(forgedTicket, StandardCharsets.UTF_8) + "\r\nConnection: close\r\n\r\n")).startsWith("HTTP/1.1 401");
        assertThat(rawBackend(sock, "GET /api2/json/nodes HTTP/1.1\r\nHost: x\r\nAuthorization: PVEAPIToken=root@pam!x=00000000-0000-0000-0000-000000000000"
                + "\r\nConnection: close\r\n\r\n")).startsWith("HTTP/1.1 401");
        // a write with a real ticket but without the CSRF token is refused by the backend too
        JsonNode login = call("POST", "/access/ticket", Map.of("username", "split@pve", "password", "split-secret"), false).path("data");
        ticket = login.path("ticket").asText();
        csrf = login.path("CSRFPreventionToken").asText();
        assertThat(ticket).startsWith("PVE:split@pve:");
        assertThat(rawBackend(sock, "POST /api2/json/nodes/x/lxc HTTP/1.1\r\nHost: x\r\nCookie: PVEAuthCookie="
                + URLEncoder.encode(ticket, StandardCharsets.UTF_8) + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")).startsWith("HTTP/1.1 401");
    }

    @Test @Order(4) void containerLifeThroughTheFront() throws Exception {
        node = call("GET", "/nodes", Map.of(), true).path("data").get(0).path("node").asText();
        // by volid: a path is root@pam's only
        String template = "local:vztmpl/" + Path.of(ok("template", "build", "busybox").strip()).getFileName();
        String lxc = "/nodes/" + node + "/lxc";
        // cmode shell: the console is a shell by lxc-attach (busybox's ttys run no getty)
        waitTask(call("POST", lxc, Map.of("vmid", Integer.toString(VMID), "ostemplate", template, "rootfs", "local:0", "cmode", "shell"), true));
        waitTask(call("POST", lxc + "/" + VMID + "/status/start", Map.of(), true));
        assertThat(call("GET", lxc + "/" + VMID + "/status/current", Map.of(), true).path("data").path("status").asText()).isEqualTo("running");
        // snapshots need btrfs/lvmthin: LxcApiTest drives them through the same relay (in one JVM) on a loop btrfs
        call("PUT", lxc + "/" + VMID + "/config", Map.of("description", "through the front"), true);
        assertThat(call("GET", lxc + "/" + VMID + "/config", Map.of(), true).path("data").path("description").asText()).isEqualTo("through the front");
    }

    @Test @Order(5) void consoleWebSocketThroughTheFront() throws Exception {
        String lxc = "/nodes/" + node + "/lxc/" + VMID;
        JsonNode offer = call("POST", lxc + "/termproxy", Map.of(), true).path("data");
        StringBuilder text = new StringBuilder();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        WebSocket.Listener l = new WebSocket.Listener() {
            @Override public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                synchronized (text) { text.append(data); }
                ws.request(1);
                return null;
            }

            @Override public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
                byte[] b = new byte[data.remaining()];
                data.get(b);
                synchronized (out) { out.writeBytes(b); }
                ws.request(1);
                return null;
            }
        };
        WebSocket ws = http.newWebSocketBuilder().subprotocols("binary").header("Cookie", "PVEAuthCookie=" + URLEncoder.encode(ticket, StandardCharsets.UTF_8))
                .buildAsync(URI.create("wss://127.0.0.1:" + port + "/api2/json" + lxc + "/vncwebsocket?port=" + offer.path("port").asText()
                        + "&vncticket=" + URLEncoder.encode(offer.path("ticket").asText(), StandardCharsets.UTF_8)), l).get(60, TimeUnit.SECONDS);
        ws.sendText("split@pve:" + offer.path("ticket").asText() + "\n", true).join();
        awaitText(() -> { synchronized (text) { return text.toString(); } }, "OK");
        String cmd = "echo $((6*7))x\n";
        // the console may need a moment to show a prompt: type until the answer comes
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!console(out).contains("42x") && System.nanoTime() < end) {
            ws.sendText("0:" + cmd.length() + ":" + cmd, true).join();
            for (int i = 0; i < 40 && !console(out).contains("42x"); i++) Thread.sleep(50);
        }
        assertThat(console(out)).contains("42x");
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "").join();
    }

    @Test @Order(6) void eventStreamAndUploadThroughTheFront() throws Exception {
        HttpResponse<java.io.InputStream> sse = http.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/events"))
                .header("Cookie", "PVEAuthCookie=" + URLEncoder.encode(ticket, StandardCharsets.UTF_8)).timeout(Duration.ofSeconds(120)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(sse.statusCode()).isEqualTo(200);
        var lines = new java.io.BufferedReader(new java.io.InputStreamReader(sse.body(), StandardCharsets.UTF_8));
        assertThat(lines.readLine()).isEqualTo(": berth events");
        String lxc = "/nodes/" + node + "/lxc/" + VMID;
        // a task run now shows up on the open stream, relayed as it comes
        String upid = call("POST", lxc + "/status/stop", Map.of(), true).path("data").asText();
        String line;
        boolean seen = false;
        while (!seen && (line = lines.readLine()) != null) seen = line.contains(upid);
        assertThat(seen).isTrue();
        sse.body().close();
        waitTask(JSON.getNodeFactory().textNode(upid));

        // upload: the busybox template (a real archive, some MiB) streamed through the front into the storage
        Path archive;
        try (Stream<Path> s = Files.walk(root)) {
            archive = s.filter(p -> p.getParent().getFileName().toString().equals("cache") && p.getFileName().toString().contains(".tar."))
                    .findFirst().orElseThrow();
        }
        String ext = archive.getFileName().toString().substring(archive.getFileName().toString().indexOf(".tar."));
        String name = "split-upload" + ext;
        byte[] file = Files.readAllBytes(archive);
        String boundary = "splittest" + System.nanoTime();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (var f : Map.of("content", "vztmpl", "filename", name).entrySet()) {
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + f.getKey() + "\"\r\n\r\n" + f.getValue() + "\r\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"filename\"; filename=\"" + name + "\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(file);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> up = http.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/api2/json/nodes/" + node + "/storage/local/upload"))
                .timeout(Duration.ofSeconds(120)).header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .header("Cookie", "PVEAuthCookie=" + URLEncoder.encode(ticket, StandardCharsets.UTF_8)).header("CSRFPreventionToken", csrf)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(up.statusCode()).as(up.body()).isEqualTo(200);
        waitTask(JSON.readTree(up.body()).path("data"));
        JsonNode content = call("GET", "/nodes/" + node + "/storage/local/content", Map.of("content", "vztmpl"), true).path("data");
        assertThat(content.toString()).contains("local:vztmpl/" + name);
        Path stored;
        try (Stream<Path> s = Files.walk(root)) {
            stored = s.filter(p -> p.getFileName().toString().equals(name)).findFirst().orElseThrow();
        }
        assertThat(Files.readAllBytes(stored)).isEqualTo(file);
    }

    @Test @Order(7) void destroyThroughTheFrontAndTheFrontComesBackWhenKilled() throws Exception {
        String lxc = "/nodes/" + node + "/lxc/" + VMID;
        waitTask(call("DELETE", lxc, Map.of(), true));
        assertThat(call("GET", "/nodes/" + node + "/lxc", Map.of(), true).path("data").toString()).doesNotContain("\"vmid\":" + VMID);
        long pid = Long.parseLong(Files.readString(apiDir().resolve("front.pid")).strip());
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        long again = -1;
        while (System.nanoTime() < end) {
            try {
                again = Long.parseLong(Files.readString(apiDir().resolve("front.pid")).strip());
                if (again != pid && call("GET", "/version", Map.of(), true).path("data").has("version")) break;
            } catch (IOException | NumberFormatException notYet) {
                // restarting
            }
            Thread.sleep(200);
        }
        assertThat(again).isNotEqualTo(pid);
        assertThat(call("GET", "/version", Map.of(), true).path("data").path("version").asText()).isNotEmpty();
        ok("daemon", "stop");
        assertThat(ProcessHandle.of(again).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(run(List.of("daemon", "status")).out()).contains("berthd not running").doesNotContain("api front running");
    }

    // ---- helpers ----

    static String console(ByteArrayOutputStream out) {
        synchronized (out) { return out.toString(StandardCharsets.UTF_8); }
    }

    static void awaitText(java.util.function.Supplier<String> s, String needle) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!s.get().contains(needle) && System.nanoTime() < end) Thread.sleep(20);
        assertThat(s.get()).contains(needle);
    }

    static JsonNode call(String method, String path, Map<String, String> params, boolean auth) throws Exception {
        StringJoiner form = new StringJoiner("&");
        params.forEach((k, v) -> form.add(URLEncoder.encode(k, StandardCharsets.UTF_8) + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8)));
        boolean query = method.equals("GET") || method.equals("DELETE");
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/api2/json" + path
                + (query && form.length() > 0 ? "?" + form : ""))).timeout(Duration.ofSeconds(120));
        if (query) b.method(method, HttpRequest.BodyPublishers.noBody());
        else b.method(method, HttpRequest.BodyPublishers.ofString(form.toString())).header("Content-Type", "application/x-www-form-urlencoded");
        if (auth) b.header("Cookie", "PVEAuthCookie=" + URLEncoder.encode(ticket, StandardCharsets.UTF_8)).header("CSRFPreventionToken", csrf);
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    static void waitTask(JsonNode reply) throws Exception {
        String upid = reply.isTextual() ? reply.asText() : reply.path("data").asText();
        assertThat(upid).startsWith("UPID:");
        String path = "/nodes/" + node() + "/tasks/" + URLEncoder.encode(upid, StandardCharsets.UTF_8).replace("+", "%20") + "/status";
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        while (System.nanoTime() < end) {
            JsonNode d = call("GET", path, Map.of(), true).path("data");
            if (d.path("status").asText().equals("stopped")) {
                assertThat(d.path("exitstatus").asText()).as(upid).isEqualTo("OK");
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("task did not finish: " + upid);
    }

    static String node() throws Exception {
        if (node == null) node = call("GET", "/nodes", Map.of(), true).path("data").get(0).path("node").asText();
        return node;
    }

    /** One raw HTTP/1.1 exchange on the backend socket (as root: the socket's mode aside, the backend's own checks). */
    static String rawBackend(Path sock, String request) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(sock));
            ch.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)));
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(8192);
            while (ch.read(buf.clear()) > 0) got.write(buf.array(), 0, buf.position());
            return got.toString(StandardCharsets.UTF_8);
        }
    }

    /** Connects to a Unix socket as another user (python3, as an unprivileged client would). */
    static String connectAs(String user, Path sock) throws Exception {
        String group = user.equals("nobody") ? "nogroup" : user;
        Process p = new ProcessBuilder("setpriv", "--reuid=" + user, "--regid=" + group, "--init-groups", "/usr/bin/python3", "-c",
                "import socket,sys\ns=socket.socket(socket.AF_UNIX)\ntry:\n s.connect(sys.argv[1]); print('connected')\n"
                        + "except OSError as e:\n print(e.strerror)", sock.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        p.waitFor(60, TimeUnit.SECONDS);
        return out;
    }

    static String idOf(String flag) throws Exception {
        Process p = new ProcessBuilder("id", flag, "www-data").start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        p.waitFor();
        return out;
    }

    record Result(int exit, String out) {}

    static Result run(List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("env", "--default-signal", launcher.toString(), "--root", root.toString()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        if (args.getFirst().equals("daemon")) pb.environment().remove("BERTH_NO_DAEMON");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + cmd);
        }
        return new Result(p.exitValue(), out);
    }

    static String ok(String... args) throws Exception {
        Result r = run(List.of(args));
        assertThat(r.exit()).as(String.join(" ", args) + ": " + r.out()).isZero();
        return r.out();
    }
}
