package io.berth.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.config.BerthRoots;
import io.berth.config.ClusterBackend;
import io.berth.config.ConfigFile;
import io.berth.config.ConfigParser;
import io.berth.config.ConfigStore;
import io.berth.config.FileConfigRepository;
import io.berth.config.Locks;
import io.berth.config.TaskIndex;
import io.berth.error.DigestMismatchException;
import io.berth.error.ExistsException;
import io.berth.error.PermissionDeniedException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Three Berth nodes (each its own root) in one cluster on a real 3-member etcd on loopback: the file-based config
 * store of each node writes through to etcd ({@link ClusterBackend}), so what ct does on files becomes
 * cluster-wide; membership, the read cache, the node registry and node-to-node signatures.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class ClusterNodeTest {
    private Path dir;
    private EtcdTestCluster etcd;
    private final List<BerthRoots> roots = new ArrayList<>();

    @BeforeAll void start() throws Exception {
        dir = Files.createTempDirectory("berth-cluster-nodes-");
        etcd = EtcdTestCluster.start(dir.resolve("etcd"), 3, Duration.ofSeconds(180));
        for (int i = 1; i <= 3; i++) roots.add(BerthRoots.resolve(dir.resolve("node" + i).toString()));
    }

    @AfterAll void stop() throws Exception {
        try {
            for (BerthRoots r : roots) {
                ClusterBackend.of(r).ifPresent(b -> ((ClusterNode) b).close());
                ClusterBackend.forget(r);
            }
            if (etcd != null) etcd.close();
        } finally {
            if (dir != null) try (var w = Files.walk(dir)) {
                w.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private ClusterConf conf(int node) {
        return new ClusterConf("testcluster", "node" + node, List.of(etcd.endpoints()).stream().map(URI::create).toList(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                "/berth-test-" + ProcessHandle.current().pid(), Duration.ofSeconds(30), Duration.ofSeconds(4));
    }

    private static ConfigFile ct(String hostname) {
        return ConfigParser.parse("test", "arch: amd64\nhostname: " + hostname + "\nmemory: 512\nostype: debian\n");
    }

    private ClusterNode node(int i) { return ClusterNode.of(roots.get(i - 1)); }

    static void waitFor(String what, Duration max, BooleanSupplier ok) throws InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        while (!ok.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("not within " + max + ": " + what);
            Thread.sleep(50);
        }
    }

    @Test @Order(1) void createAndJoinBringTheNodesContainersIn() {
        // node1 had a container before the cluster existed; node2 one with a free id; node3 one whose id clashes
        new FileConfigRepository(roots.get(0)).create(5100, ct("before-cluster"));
        new FileConfigRepository(roots.get(1)).create(5101, ct("on-node2"));
        new FileConfigRepository(roots.get(2)).create(5100, ct("clash"));

        ClusterAdmin.Joined created = ClusterAdmin.create(roots.get(0), conf(1));
        assertThat(created.imported()).containsExactly(5100);
        assertThatThrownBy(() -> ClusterAdmin.create(roots.get(1), conf(2))).isInstanceOf(ExistsException.class)
                .hasMessageContaining("already holds cluster 'testcluster'");
        assertThat(ClusterAdmin.join(roots.get(1), conf(2)).imported()).containsExactly(5101);
        assertThatThrownBy(() -> ClusterAdmin.join(roots.get(2), conf(3))).isInstanceOf(ExistsException.class)
                .hasMessageContaining("5100 (on node node1)");
        assertThat(Files.exists(roots.get(2).clusterConf())).as("a refused join leaves the node alone").isFalse();
        assertThat(node(1).registry().members()).extracting(NodeRegistry.Member::name).containsExactlyInAnyOrder("node1", "node2");
        new ConfigStore(roots.get(2)).delete(5100);
        ClusterAdmin.join(roots.get(2), conf(3));
        assertThat(node(3).registry().members()).extracting(NodeRegistry.Member::name).containsExactlyInAnyOrder("node1", "node2", "node3");
        assertThat(ClusterConf.read(roots.get(2))).isEqualTo(conf(3));
        // task ids carry the cluster node name (read without opening the cluster)
        assertThat(ClusterBackend.nodeName(roots.get(2))).contains("node3");
        assertThat(node(2).etcdConfigs().owners()).containsEntry(5100, "node1").containsEntry(5101, "node2");
        assertThat(node(1).etcdConfigs().read(5100).config().main().get("hostname")).contains("before-cluster");
    }

    @Test @Order(2) void fiftyConcurrentCreatesOverThreeNodesGiveUniqueIds() throws Exception {
        // each create takes the lowest id it sees free cluster-wide and retries on a clash, as create with nextid does
        Map<Integer, String> made = new ConcurrentHashMap<>();
        List<Throwable> failed = new java.util.concurrent.CopyOnWriteArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(15);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                int n = i % 3 + 1, k = i;
                fs.add(pool.submit(() -> {
                    go.await();
                    FileConfigRepository repo = new FileConfigRepository(roots.get(n - 1));
                    for (int attempt = 0; attempt < 200; attempt++) {
                        int id = node(n).nextId(5200);
                        try {
                            repo.create(id, ct("c" + k));
                            if (made.putIfAbsent(id, "node" + n) != null) failed.add(new AssertionError("id " + id + " created twice"));
                            return null;
                        } catch (ExistsException clash) {
                            // another node took it meanwhile: next free id
                        } catch (Throwable t) {
                            failed.add(t);
                            return null;
                        }
                    }
                    failed.add(new AssertionError("create " + k + " found no free id in 200 attempts"));
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : fs) f.get(5, TimeUnit.MINUTES);
        } finally {
            pool.shutdownNow();
        }
        assertThat(failed).isEmpty();
        assertThat(made).hasSize(50);
        Map<Integer, String> owners = node(1).etcdConfigs().owners();
        made.forEach((id, n) -> {
            assertThat(owners).containsEntry(id, n);
            assertThat(Files.exists(BerthRoots.resolve(dir.resolve(n).toString()).containerConfig(id))).as("file of %d on %s", id, n).isTrue();
        });
        // and on no other node
        for (int i = 1; i <= 3; i++) {
            String n = "node" + i;
            Set<Integer> local = new TreeSet<>(new ConfigStore(roots.get(i - 1)).list());
            local.removeIf(id -> id < 5200);
            assertThat(local).isEqualTo(new TreeSet<>(made.entrySet().stream().filter(e -> e.getValue().equals(n)).map(Map.Entry::getKey).toList()));
        }
    }

    @Test @Order(3) void aStaleLocalCopyIsACasConflictNotALostUpdate() throws Exception {
        ConfigStore store2 = new ConfigStore(roots.get(1));
        // someone changes 5101 in the cluster behind this node's back (another node's berthd acting for it)
        var cur = node(1).configsOf("node2").read(5101);
        node(1).configsOf("node2").write(5101, cur.config().withMain(cur.config().main().with("memory", "1024")), cur.digest());
        // the local file is now stale (no berthd watching in this test): writing from it is refused
        try (ConfigStore.Lock l = store2.lock(5101)) {
            assertThatThrownBy(() -> store2.write(5101, ct("stale-write"))).isInstanceOf(DigestMismatchException.class);
        }
        assertThat(new String(Files.readAllBytes(roots.get(1).containerConfig(5101)), StandardCharsets.UTF_8)).contains("memory: 512");
        // the read cache catches up
        node(2).mirror().sync();
        assertThat(store2.load(5101).main().get("memory")).contains("1024");
        store2.update(5101, f -> f.withMain(f.main().with("memory", "2048")));
        assertThat(node(3).configsOf("node2").read(5101).config().main().get("memory")).contains("2048");
        // a delete (destroy) frees the id cluster-wide
        FileConfigRepository repo2 = new FileConfigRepository(roots.get(1));
        repo2.create(5103, ct("short-lived"));
        assertThat(node(1).etcdConfigs().owners()).containsEntry(5103, "node2");
        new ConfigStore(roots.get(1)).delete(5103);
        assertThat(node(1).etcdConfigs().owners()).doesNotContainKey(5103);
        assertThat(Files.exists(roots.get(1).containerConfig(5103))).isFalse();
        new FileConfigRepository(roots.get(2)).create(5103, ct("reused-on-node3"));
        new ConfigStore(roots.get(2)).delete(5103);
    }

    @Test @Order(4) void theWatchFollowsAConfigMovedToThisNode() throws Exception {
        ClusterNode n3 = node(3);
        n3.mirror().watch(n3.mirror().sync());
        // move 5100 from node1 to node3 in one transaction, as a migration does
        var from = node(1).configsOf("node1").read(5100);
        byte[] raw = Files.readAllBytes(roots.get(0).containerConfig(5100));
        assertThat(raw).isNotEmpty();
        node(1).etcdConfigs().delete(5100, from.digest());
        node(3).etcdConfigs().createRaw(5100, raw);
        waitFor("5100 mirrored to node3", Duration.ofSeconds(60), () -> Files.exists(roots.get(2).containerConfig(5100)));
        assertThat(Files.readAllBytes(roots.get(2).containerConfig(5100))).isEqualTo(raw);
        node(1).mirror().sync();
        assertThat(Files.exists(roots.get(0).containerConfig(5100))).as("gone from node1").isFalse();
        n3.mirror().close();
    }

    @Test @Order(5) void clusterLocksExcludeOtherNodesAndNameTheHolder() {
        Locks l1 = ClusterBackend.locks(roots.get(0)), l2 = ClusterBackend.locks(roots.get(1));
        try (Locks.Held h = l1.lock(5101, "task on node1", Duration.ofSeconds(30))) {
            assertThat(l2.tryLock(5101, "task on node2", Duration.ofMillis(500))).isEmpty();
            assertThat(l2.owner(5101)).contains("task on node1");
        }
        try (Locks.Held h = l2.lock(5101, "task on node2", Duration.ofSeconds(30))) {
            assertThat(h).isNotNull();
        }
    }

    @Test @Order(5) void aLockIsReleasedWhenItsHolderProcessIsKilled() throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process holder = new ProcessBuilder("env", "--default-signal", javaBin, "--sun-misc-unsafe-memory-access=allow", "-cp",
                System.getProperty("java.class.path"), LockHolderMain.class.getName(), dir.resolve("node2").toString(), "5102")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            var out = new java.io.BufferedReader(new java.io.InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            var line = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (java.io.IOException e) {
                    return null;
                }
            });
            assertThat(line.get(3, TimeUnit.MINUTES)).isEqualTo("LOCKED");
            Locks l1 = ClusterBackend.locks(roots.get(0));
            assertThat(l1.tryLock(5102, "node1", Duration.ofMillis(500))).isEmpty();
            assertThat(l1.owner(5102)).contains("holder pid " + holder.pid());
            holder.destroyForcibly(); // SIGKILL: no release, the lease just stops being renewed
            assertThat(holder.waitFor(60, TimeUnit.SECONDS)).isTrue();
            long t0 = System.nanoTime();
            Optional<Locks.Held> got = l1.tryLock(5102, "node1 after the kill", Duration.ofMinutes(2));
            double s = (System.nanoTime() - t0) / 1e9;
            System.out.printf("lock of a killed holder taken over after %.1f s (lease ttl 4 s)%n", s);
            assertThat(got).isPresent();
            assertThat(s).isLessThan(60);
            got.get().close();
        } finally {
            holder.destroyForcibly();
        }
    }

    @Test @Order(6) void heartbeatShowsANodeOnlineAndItsEndGoesOffline() throws Exception {
        NodeRegistry reg = node(1).registry();
        NodeRegistry.Heartbeat hb = node(2).registry().heartbeat("node2", Duration.ofSeconds(4));
        assertThat(reg.online()).contains("node2");
        hb.close();
        assertThat(reg.online()).doesNotContain("node2");
        assertThat(reg.states()).extracting(s -> s.member().name() + "=" + s.online()).contains("node2=false");
    }

    @Test @Order(7) void nodeRequestsAreSignedWithTheClusterSecret() {
        NodeAuth a1 = node(1).auth(), a3 = node(3).auth();
        Map<String, String> h = a1.sign("node1", "POST", "/berth-node/v1/migrate/receive?vmid=5100");
        assertThat(a3.verify("POST", "/berth-node/v1/migrate/receive?vmid=5100", k -> Optional.ofNullable(h.get(k)))).isEqualTo("node1");
        assertThatThrownBy(() -> a3.verify("POST", "/berth-node/v1/migrate/receive?vmid=5100", k -> Optional.ofNullable(h.get(k))))
                .isInstanceOf(PermissionDeniedException.class).hasMessageContaining("replayed");
        Map<String, String> h2 = a1.sign("node1", "POST", "/berth-node/v1/migrate/receive?vmid=5100");
        assertThatThrownBy(() -> a3.verify("POST", "/berth-node/v1/migrate/receive?vmid=6666", k -> Optional.ofNullable(h2.get(k))))
                .isInstanceOf(PermissionDeniedException.class).hasMessageContaining("bad signature");
        NodeAuth outsider = new NodeAuth(new byte[32]);
        Map<String, String> h3 = outsider.sign("node1", "GET", "/x");
        assertThatThrownBy(() -> a3.verify("GET", "/x", k -> Optional.ofNullable(h3.get(k)))).isInstanceOf(PermissionDeniedException.class);
    }

    @Test @Order(7) void theClusterTaskIndexListsEveryNodesTasksBounded() {
        TaskIndex n3 = node(3).tasks();
        String running = "UPID:node3:00001234:00005678:6A000001:vzstart:5101:root@pam:";
        n3.started(running);
        String done = "UPID:node3:00001234:00005678:6A000000:vzcreate:5101:root@pam:";
        n3.started(done);
        n3.finished(done, 0x6A000002L, "OK");
        // node1 sees node3's tasks: the running one as running, the finished one with its end and status
        Map<String, TaskIndex.Entry> seen = new java.util.HashMap<>();
        for (TaskIndex.Entry e : node(1).tasks().entries()) seen.put(e.upid(), e);
        assertThat(seen.get(running).running()).isTrue();
        assertThat(seen.get(done).running()).isFalse();
        assertThat(seen.get(done).endtime()).hasValue(0x6A000002L);
        assertThat(seen.get(done).status()).isEqualTo("OK");
        // bounded per node: past the limit (+ a margin) the oldest finished entries go, the running one stays
        EtcdTaskIndex small = new EtcdTaskIndex(node(2).client(), node(2).layout(), "node2", Duration.ofSeconds(30), 3);
        for (int i = 0; i < 7; i++) {
            String u = String.format("UPID:node2:00000001:00000002:%08X:vzstop:5101:root@pam:", 0x6B000000 + i);
            small.started(u);
            small.finished(u, 0x6B000000L + i, i == 6 ? "unexpected status" : "OK");
        }
        List<String> node2 = node(1).tasks().entries().stream().map(TaskIndex.Entry::upid).filter(u -> u.startsWith("UPID:node2:")).toList();
        assertThat(node2).hasSizeLessThanOrEqualTo(6).contains(String.format("UPID:node2:00000001:00000002:%08X:vzstop:5101:root@pam:", 0x6B000006))
                .doesNotContain(String.format("UPID:node2:00000001:00000002:%08X:vzstop:5101:root@pam:", 0x6B000000));
        assertThat(seen).containsKey(running);
    }

    @Test @Order(8) void leaveTakesTheNodesContainersOutAndLeavesThemOnFiles() {
        List<Integer> mine = node(3).etcdConfigs().list();
        assertThat(mine).isNotEmpty();
        List<Integer> removed = ClusterAdmin.leave(roots.get(2));
        assertThat(removed).containsExactlyElementsOf(mine);
        assertThat(ClusterBackend.of(roots.get(2))).isEmpty();
        assertThat(new ConfigStore(roots.get(2)).list()).containsAll(mine);
        assertThat(node(1).etcdConfigs().owners().keySet()).doesNotContainAnyElementsOf(mine);
        assertThat(node(1).registry().members()).extracting(NodeRegistry.Member::name).containsExactlyInAnyOrder("node1", "node2");
        assertThat(node(1).tasks().entries()).as("its tasks left the cluster's index").noneMatch(e -> e.upid().startsWith("UPID:node3:"));
        // a single host again: writes go to the file only
        new ConfigStore(roots.get(2)).update(mine.get(0), f -> f.withMain(f.main().with("memory", "64")));
        assertThat(node(1).etcdConfigs().owners()).doesNotContainKey(mine.get(0));
    }
}
