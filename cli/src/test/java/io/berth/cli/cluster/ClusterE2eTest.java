package io.berth.cli.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.api.Certificates;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Three Berth nodes on one machine (each its own --root, node name, berthd and HTTPS API) in one cluster on a real
 * 3-member etcd on loopback, driven through bin/berth and the API as an admin would: create/join, status and
 * nodes, container creates spread over the nodes (ids unique cluster-wide), the API of any node acting on any
 * container (forwarded, authenticated), /cluster/resources, a CAS conflict, a node catching up after being down,
 * and lost quorum refusing writes while running containers keep running.
 */
@Tag("root")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 20, unit = TimeUnit.MINUTES)
class ClusterE2eTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int N = 3;

    private Path tmp;
    private EtcdMembers etcd;
    private Path launcher;
    private Map<String, String> env;
    private final Path[] roots = new Path[N];
    private final int[] apiPorts = new int[N];
    private String template;
    private final Map<Integer, Integer> created = new ConcurrentHashMap<>(); // vmid -> node index
    private final String prefix = "/berth-e2e-" + ProcessHandle.current().pid();

    record Result(int rc, String out, String err) {}

    @BeforeAll void startCluster() throws Exception {
        tmp = Files.createTempDirectory("berth-cluster-e2e-");
        Path source = Path.of(System.getProperty("berth.source.root", "..")).toAbsolutePath().normalize();
        Path build = Path.of(System.getProperty("berth.build.dir", "target"));
        launcher = source.resolve("bin/berth");
        // copies: another build in this tree may replace the jar while the berthds run from it
        Path jar = Files.copy(build.resolve("berth.jar"), tmp.resolve("berth.jar"));
        Path client = Files.copy(build.resolve("berth-client"), tmp.resolve("berth-client"), StandardCopyOption.COPY_ATTRIBUTES);
        env = Map.of("BERTH_JAR", jar.toString(), "BERTH_CLIENT", client.toString(), "BERTH_AOT", tmp.resolve("no-aot").toString(),
                "JAVA_HOME", System.getProperty("java.home"));
        etcd = new EtcdMembers(tmp.resolve("etcd"), N);
        for (int i = 0; i < N; i++) {
            roots[i] = tmp.resolve("node" + (i + 1));
            apiPorts[i] = 19100 + (int) (ProcessHandle.current().pid() % 30) * 5 + i;
        }
        // a user made before the cluster exists becomes the cluster's (node1 creates it)
        ok(0, "user", "add", "alice@pve", "--password", "alice-pw-1234");
        ok(0, "acl", "modify", "/", "--users", "alice@pve", "--roles", "Administrator");
        waitFor("etcd answers", Duration.ofMinutes(3), () -> run(0, List.of("cluster", "create", "--help"), Map.of()).rc() == 0
                && etcdUp());
        Result c = run(0, List.of("cluster", "create", "e2e", "--endpoints", etcd.endpoints(), "--node", "node1", "--prefix", prefix,
                "--ttl", "4", "--timeout", "20", "--api", "https://127.0.0.1:" + apiPorts[0], "--output", "json"), Map.of());
        assertThat(c.rc()).as(c.err()).isZero();
        assertThat(JSON.readTree(c.out()).path("cluster").asText()).isEqualTo("e2e");
        for (int i = 1; i < N; i++) {
            Result j = run(i, List.of("cluster", "join", "e2e", "--endpoints", etcd.endpoints(), "--node", "node" + (i + 1), "--prefix", prefix,
                    "--ttl", "4", "--timeout", "20", "--api", "https://127.0.0.1:" + apiPorts[i]), Map.of());
            assertThat(j.rc()).as(j.err()).isZero();
            assertThat(Files.readString(roots[i].resolve("etc/access/user.cfg"))).as("node%d took the cluster's users", i + 1).contains("alice@pve");
        }
        template = ok(0, "template", "build", "busybox").strip();
        for (int i = 1; i < N; i++) ok(i, "template", "build", "busybox");
        for (int i = 0; i < N; i++) ok(i, "daemon", "start", "--api-port", Integer.toString(apiPorts[i]));
        waitFor("three nodes online with their API", Duration.ofMinutes(3), () -> {
            Result r = run(0, List.of("cluster", "nodes", "--output", "json"), Map.of());
            if (r.rc() != 0) return false;
            try {
                JsonNode a = JSON.readTree(r.out());
                int on = 0;
                for (JsonNode n : a) if (n.path("online").asBoolean() && n.has("fingerprint")) on++;
                return on == N;
            } catch (IOException e) {
                return false;
            }
        });
    }

    private boolean etcdUp() {
        try {
            Process p = new ProcessBuilder("etcdctl", "--endpoints", etcd.endpoints(), "endpoint", "health").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    @AfterAll void stopCluster() throws Exception {
        try {
            if (roots[0] != null) {
                for (int i = 0; i < N; i++) run(i, List.of("daemon", "stop"), Map.of());
                // clean up on files only (the cluster may be broken if a test failed): every node leaves it first
                for (int i = 0; i < N; i++) Files.deleteIfExists(roots[i].resolve("etc/cluster.conf"));
                for (var e : created.entrySet()) {
                    run(e.getValue(), List.of("stop", e.getKey().toString()), Map.of("BERTH_NO_DAEMON", "1"));
                    run(e.getValue(), List.of("destroy", e.getKey().toString(), "--force"), Map.of("BERTH_NO_DAEMON", "1"));
                }
            }
        } finally {
            // a berthd whose start the test gave up on may have come up later; it and its HA watchdog name our root
            if (tmp != null) killProcessesNaming(tmp.toString());
            if (etcd != null) etcd.close();
            if (tmp != null) try (var w = Files.walk(tmp)) {
                w.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void killProcessesNaming(String path) {
        ProcessHandle self = ProcessHandle.current();
        ProcessHandle.allProcesses().filter(ph -> !ph.equals(self)).forEach(ph -> {
            try {
                String cmd = Files.readString(Path.of("/proc/" + ph.pid() + "/cmdline")).replace('\0', ' ');
                if (cmd.contains(path)) ph.destroyForcibly();
            } catch (IOException | RuntimeException e) {
                // gone already, or not ours to read
            }
        });
    }

    @Test @Order(1) void statusShowsThreeNodesOnlineAndQuorum() throws Exception {
        Result r = run(1, List.of("cluster", "status", "--output", "json"), Map.of());
        assertThat(r.rc()).as(r.err()).isZero();
        JsonNode s = JSON.readTree(r.out());
        assertThat(s.path("quorate").asBoolean()).isTrue();
        assertThat(s.path("node").asText()).isEqualTo("node2");
        assertThat(s.path("nodes_online").asInt()).isEqualTo(3);
        assertThat(s.path("etcd_members")).hasSize(3);
        for (JsonNode m : s.path("etcd_members")) assertThat(m.path("healthy").asBoolean()).isTrue();
        assertThat(run(0, List.of("cluster", "status"), Map.of()).out()).contains("Cluster:       e2e", "3 online of 3", "(quorate)");
    }

    @Test @Order(2) void concurrentCreatesOverTheNodesGetUniqueIds() throws Exception {
        // each picks the lowest id >= 5000 the cluster lists as free and, on "exists" (another node won), the next
        Api[] api = new Api[N];
        for (int i = 0; i < N; i++) api[i] = Api.login(roots[i], apiPorts[i], "alice@pve", "alice-pw-1234");
        List<String> failures = new CopyOnWriteArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(9);
        long t0 = System.nanoTime();
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int k = 0; k < 50; k++) {
                int n = k % N;
                fs.add(pool.submit(() -> {
                    for (int attempt = 0; attempt < 60; attempt++) {
                        int id = nextFree(api[n]);
                        Result r = run(n, List.of("create", Integer.toString(id), template, "--rootfs", "local:0", "--quiet"), Map.of());
                        if (r.rc() == 0) {
                            if (created.putIfAbsent(id, n) != null) failures.add("id " + id + " created twice");
                            return null;
                        }
                        if (r.rc() != 7) {
                            failures.add("create " + id + " on node" + (n + 1) + ": rc " + r.rc() + ": " + r.err());
                            return null;
                        }
                    }
                    failures.add("no free id after 60 attempts");
                    return null;
                }));
            }
            for (Future<?> f : fs) f.get(15, TimeUnit.MINUTES);
        } finally {
            pool.shutdownNow();
        }
        System.out.printf("50 creates over 3 nodes: %.1f s%n", (System.nanoTime() - t0) / 1e9);
        assertThat(failures).isEmpty();
        assertThat(created).hasSize(50);
        // every id on exactly the node that created it, and the cluster agrees
        for (int i = 0; i < N; i++) {
            int node = i;
            Set<Integer> local = new TreeSet<>(localIds(i));
            Set<Integer> expected = new TreeSet<>(created.entrySet().stream().filter(e -> e.getValue() == node).map(Map.Entry::getKey).toList());
            assertThat(local).as("containers of node%d", i + 1).isEqualTo(expected);
        }
        JsonNode res = api[0].get("/cluster/resources?type=vm");
        Map<Integer, String> seen = new java.util.TreeMap<>();
        for (JsonNode r : res) seen.put(r.path("vmid").asInt(), r.path("node").asText());
        for (var e : created.entrySet()) assertThat(seen).containsEntry(e.getKey(), "node" + (e.getValue() + 1));
    }

    /** The UPID of the task that created {@code vmid} on node3, as node3 lists it (creates that lost the id failed). */
    private String node3CreateTask(int vmid) {
        for (String l : ok(2, "task", "list", "--vmid", Integer.toString(vmid), "--limit", "100").split("\n"))
            if (l.startsWith("UPID:") && l.contains(":vzcreate:" + vmid + ":") && l.stripTrailing().endsWith(" OK")) { // not a lost race
                String upid = l.split("\\s+")[0];
                assertThat(upid).startsWith("UPID:node3:");
                return upid;
            }
        throw new AssertionError("no vzcreate task of " + vmid + " on node3");
    }

    /** The lowest id >= 5000 the cluster's resources do not list (another node may still take it first). */
    private static int nextFree(Api api) throws Exception {
        Set<Integer> used = new TreeSet<>();
        for (JsonNode r : api.get("/cluster/resources?type=vm")) used.add(r.path("vmid").asInt());
        for (int id = 5000; id < 6000; id++) if (!used.contains(id)) return id;
        throw new AssertionError("no free id in 5000-5999");
    }

    private List<Integer> localIds(int node) throws IOException {
        List<Integer> out = new ArrayList<>();
        Path d = roots[node].resolve("etc/lxc");
        if (!Files.isDirectory(d)) return out;
        try (var s = Files.list(d)) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d+\\.conf")).forEach(n -> out.add(Integer.parseInt(n.replace(".conf", ""))));
        }
        return out;
    }

    @Test @Order(3) void anyNodesApiActsOnAnyContainerAndDetectsCasConflicts() throws Exception {
        int onNode3 = created.entrySet().stream().filter(e -> e.getValue() == 2).findFirst().orElseThrow().getKey();
        Api a1 = Api.login(roots[0], apiPorts[0], "alice@pve", "alice-pw-1234");
        // read through node1: forwarded to node3, which checks alice's ticket itself (shared ticket key and users)
        JsonNode cfg = a1.get("/nodes/node3/lxc/" + onNode3 + "/config");
        String digest = cfg.path("digest").asText();
        // named under the wrong node (as a client with a stale view would): found on its owner all the same
        assertThat(a1.get("/nodes/node1/lxc/" + onNode3 + "/config").path("digest").asText()).isEqualTo(digest);
        assertThat(digest).hasSize(40);
        HttpResponse<String> ok = a1.raw("PUT", "/nodes/node3/lxc/" + onNode3 + "/config", "memory=300&digest=" + digest);
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(Files.readString(roots[2].resolve("etc/lxc/" + onNode3 + ".conf"))).contains("memory: 300");
        HttpResponse<String> stale = a1.raw("PUT", "/nodes/node3/lxc/" + onNode3 + "/config", "memory=400&digest=" + digest);
        assertThat(stale.statusCode()).as(stale.body()).isNotEqualTo(200);
        assertThat(stale.body()).containsIgnoringCase("digest");
        assertThat(Files.readString(roots[2].resolve("etc/lxc/" + onNode3 + ".conf"))).contains("memory: 300");
        // the CLI of node1 refuses an id that lives on node3, naming the node
        Result dup = run(0, List.of("create", Integer.toString(onNode3), template, "--rootfs", "local:0"), Map.of());
        assertThat(dup.rc()).isEqualTo(7);
        assertThat(dup.err()).contains("node3");
        // /cluster/nextid is cluster-wide: an id of node3 is taken for node1 too
        HttpResponse<String> taken = a1.raw("GET", "/cluster/nextid?vmid=" + onNode3, null);
        assertThat(taken.statusCode()).isEqualTo(400);
        assertThat(taken.body()).contains("node3");
        int next = Integer.parseInt(a1.get("/cluster/nextid").asText());
        assertThat(created).doesNotContainKey(next);
        // berth api (pvesh) on node1 acts on node3's container: forwarded to node3, as the HTTPS API forwards
        Result g = run(0, List.of("api", "get", "/nodes/node3/lxc/" + onNode3 + "/config", "--output-format", "json"), Map.of());
        assertThat(g.rc()).as(g.err()).isZero();
        assertThat(JSON.readTree(g.out()).path("memory").asInt()).isEqualTo(300);
        Result set = run(0, List.of("api", "set", "/nodes/node1/lxc/" + onNode3 + "/config", "--memory", "320"), Map.of());
        assertThat(set.rc()).as(set.err()).isZero();
        assertThat(Files.readString(roots[2].resolve("etc/lxc/" + onNode3 + ".conf"))).contains("memory: 320");
        Result st = run(0, List.of("api", "get", "/nodes/node3/lxc/" + onNode3 + "/status/current", "--output-format", "json"), Map.of());
        assertThat(st.rc()).as(st.err()).isZero();
        assertThat(JSON.readTree(st.out()).path("vmid").asInt()).isEqualTo(onNode3);
        // task ids carry the cluster node name (not the host name), so node1 finds node3's task log on node3
        String upid = node3CreateTask(onNode3);
        Result log = run(0, List.of("task", "log", upid), Map.of());
        assertThat(log.rc()).as(log.err()).isZero();
        assertThat(log.out()).contains("TASK OK");
        JsonNode viaApi = a1.get("/nodes/node3/tasks/" + URLEncoder.encode(upid, StandardCharsets.UTF_8) + "/status");
        assertThat(viaApi.path("exitstatus").asText()).isEqualTo("OK");
        // a forged node request is refused
        HttpResponse<String> forged = a1.raw("GET", "/cluster/resources", null, Map.of("X-Berth-Local", "1", "X-Berth-Node", "node2"));
        assertThat(forged.statusCode()).isEqualTo(403);
    }

    @Test @Order(4) void aNodeThatWasDownCatchesUp() throws Exception {
        int moved = created.entrySet().stream().filter(e -> e.getValue() == 0).findFirst().orElseThrow().getKey();
        String upid = node3CreateTask(created.entrySet().stream().filter(e -> e.getValue() == 2).findFirst().orElseThrow().getKey());
        ok(2, "daemon", "stop");
        etcd.stop(2);
        // meanwhile: a user is added on node1, and node1 hands a container over to node3 (as a migration does)
        ok(0, "user", "add", "bob@pve", "--password", "bob-pw-12345");
        waitFor("node1's berthd shared the new user", Duration.ofMinutes(2), () -> {
            Result r = run(1, List.of("user", "list"), Map.of("BERTH_NO_DAEMON", "1"));
            return r.out().contains("bob@pve");
        });
        Result mv = run(0, List.of("cluster", "move-config", Integer.toString(moved), "node3"), Map.of());
        assertThat(mv.rc()).as(mv.err()).isZero();
        waitFor("node1's copy gone", Duration.ofMinutes(1), () -> !Files.exists(roots[0].resolve("etc/lxc/" + moved + ".conf")));
        assertThat(Files.exists(roots[2].resolve("etc/lxc/" + moved + ".conf"))).isFalse();
        // node3's tasks are still listed (the cluster's task index is in etcd), its logs are where they were written
        Result list = run(0, List.of("task", "list", "--cluster", "--limit", "1000"), Map.of());
        assertThat(list.rc()).as(list.err()).isZero();
        assertThat(list.out()).contains(upid);
        assertThat(run(0, List.of("task", "list"), Map.of()).out()).as("node1's own list").doesNotContain("UPID:node3:");
        List<String> clusterTasks = new ArrayList<>();
        for (JsonNode t : Api.login(roots[0], apiPorts[0], "alice@pve", "alice-pw-1234").get("/cluster/tasks")) clusterTasks.add(t.path("upid").asText());
        assertThat(clusterTasks).contains(upid);
        Result offlineLog = run(0, List.of("task", "log", upid), Map.of());
        assertThat(offlineLog.rc()).isNotZero();
        assertThat(offlineLog.err()).contains("node3", "offline");
        etcd.start(2);
        ok(2, "daemon", "start", "--api-port", Integer.toString(apiPorts[2]));
        waitFor("node3 caught up", Duration.ofMinutes(3), () -> Files.exists(roots[2].resolve("etc/lxc/" + moved + ".conf"))
                && read(roots[2].resolve("etc/access/user.cfg")).contains("bob@pve"));
        created.put(moved, 2);
        waitFor("node3 online again", Duration.ofMinutes(2), () -> run(0, List.of("cluster", "status"), Map.of()).out().contains("3 online of 3"));
    }

    @Test @Order(5) void withoutQuorumWritesAreRefusedAndRunningContainersKeepRunning() throws Exception {
        int ct = created.entrySet().stream().filter(e -> e.getValue() == 0).findFirst().orElseThrow().getKey();
        ok(0, "start", Integer.toString(ct));
        etcd.stop(1);
        etcd.stop(2);
        long t0 = System.nanoTime();
        Result w = run(0, List.of("set", Integer.toString(ct), "--memory", "200"), Map.of());
        double took = (System.nanoTime() - t0) / 1e9;
        assertThat(w.rc()).as(w.err()).isNotZero();
        assertThat(w.err()).contains("quorum");
        assertThat(took).isLessThan(120);
        assertThat(Files.readString(roots[0].resolve("etc/lxc/" + ct + ".conf"))).doesNotContain("memory: 200");
        Result st = run(0, List.of("status", Integer.toString(ct)), Map.of());
        assertThat(st.rc()).as(st.err()).isZero();
        assertThat(st.out()).contains("running");
        Result cs = run(0, List.of("cluster", "status"), Map.of());
        assertThat(cs.rc()).isEqualTo(1);
        assertThat(cs.out()).contains("NOT quorate");
        etcd.start(1);
        etcd.start(2);
        waitFor("writes work again", Duration.ofMinutes(3), () -> run(0, List.of("set", Integer.toString(ct), "--memory", "200"), Map.of()).rc() == 0);
        assertThat(run(0, List.of("status", Integer.toString(ct)), Map.of()).out()).contains("running");
    }

    // ---- helpers ----

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }

    String ok(int node, String... args) {
        Result r = run(node, List.of(args), Map.of());
        assertThat(r.rc()).as("node%d: berth %s: %s", node + 1, String.join(" ", args), r.err()).isZero();
        return r.out();
    }

    Result run(int node, List<String> args, Map<String, String> extraEnv) {
        List<String> cmd = new ArrayList<>(List.of("env", "--default-signal", launcher.toString(), "--root", roots[node].toString()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("BERTH_NO_DAEMON");
        pb.environment().putAll(env);
        pb.environment().putAll(extraEnv);
        try {
            Process p = pb.start();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Thread t = Thread.ofPlatform().daemon().start(() -> {
                try (InputStream in = p.getErrorStream()) {
                    in.transferTo(err);
                } catch (IOException e) {
                    // process gone
                }
            });
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("berth " + args + " did not end in 300 s");
            }
            t.join(10_000);
            return new Result(p.exitValue(), out, err.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static void waitFor(String what, Duration max, BooleanSupplier ok) throws InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        while (!ok.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("not within " + max + ": " + what);
            Thread.sleep(200);
        }
    }

    /**
     * A logged-in API client of one node, trusting exactly that node's own certificate (api's
     * {@code Certificates.clientContext}: its self-signed key store as the only anchor, the host name checked).
     */
    record Api(HttpClient http, int port, String cookie, String csrf) {
        static Api login(Path root, int port, String user, String password) throws Exception {
            SSLContext tls = Certificates.clientContext(root.resolve("etc/access/pve-ssl.p12"), Certificates.selfSignedPassword());
            HttpClient http = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(30)).build();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/api2/json/access/ticket"))
                    .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("username=" + URLEncoder.encode(user, StandardCharsets.UTF_8) + "&password="
                            + URLEncoder.encode(password, StandardCharsets.UTF_8))).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JsonNode d = JSON.readTree(r.body()).path("data");
            return new Api(http, port, d.path("ticket").asText(), d.path("CSRFPreventionToken").asText());
        }

        JsonNode get(String path) throws Exception {
            HttpResponse<String> r = raw("GET", path, null);
            assertThat(r.statusCode()).as("GET %s: %s", path, r.body()).isEqualTo(200);
            return JSON.readTree(r.body()).path("data");
        }

        HttpResponse<String> raw(String method, String path, String form) throws Exception {
            return raw(method, path, form, Map.of());
        }

        HttpResponse<String> raw(String method, String path, String form, Map<String, String> headers) throws Exception {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/api2/json" + path)).timeout(Duration.ofSeconds(120))
                    .header("Cookie", "PVEAuthCookie=" + URLEncoder.encode(cookie, StandardCharsets.UTF_8)).header("CSRFPreventionToken", csrf)
                    .method(method, form == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(form));
            if (form != null) b.header("Content-Type", "application/x-www-form-urlencoded");
            headers.forEach(b::header);
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        }
    }
}
