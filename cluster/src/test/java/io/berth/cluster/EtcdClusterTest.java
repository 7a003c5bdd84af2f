package io.berth.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.config.ConfigDigest;
import io.berth.config.ConfigFile;
import io.berth.config.ConfigParser;
import io.berth.config.ConfigPrinter;
import io.berth.config.Locks;
import io.berth.config.VersionedConfig;
import io.berth.error.DigestMismatchException;
import io.berth.error.ExistsException;
import io.berth.error.HostFailureException;
import io.etcd.jetcd.Client;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The etcd repository and locks against a real 3-member etcd cluster on loopback. Ordered: the last test stops two
 * members (quorum lost). Timeouts are generous: the test machine is heavily loaded.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class EtcdClusterTest {
    private static final Duration CALL = Duration.ofSeconds(30);

    private Path dir;
    private EtcdTestCluster cluster;
    private final List<EtcdConfigRepository> nodes = new ArrayList<>();

    @BeforeAll void startCluster() throws Exception {
        dir = Files.createTempDirectory("berth-etcd-");
        cluster = EtcdTestCluster.start(dir, 3, Duration.ofSeconds(180));
        for (int i = 1; i <= 3; i++) nodes.add(new EtcdConfigRepository(cluster.client(), "node" + i, CALL));
    }

    @AfterAll void stopCluster() throws Exception {
        try {
            if (cluster != null) cluster.close();
        } finally {
            if (dir != null) try (var w = Files.walk(dir)) {
                w.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static ConfigFile conf(String hostname) {
        return ConfigParser.parse("test", "arch: amd64\nhostname: " + hostname + "\nmemory: 512\n");
    }

    @Test @Order(1) void concurrentCreatesOnThreeNodesGiveExactlyOneWinnerPerId() throws Exception {
        Random rnd = new Random(17);
        int[] ids = new int[50];
        for (int i = 0; i < ids.length; i++) ids[i] = 1000 + rnd.nextInt(20); // 20 ids for 50 creates: many collisions
        Map<Integer, List<String>> winners = new ConcurrentHashMap<>();
        List<Throwable> unexpected = new CopyOnWriteArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < ids.length; i++) {
                int id = ids[i], n = i % 3;
                String who = "node" + (n + 1) + "-create" + i;
                fs.add(pool.submit(() -> {
                    go.await();
                    try {
                        ConfigDigest d = nodes.get(n).create(id, conf("ct" + i(who)));
                        assertThat(d).isEqualTo(ConfigDigest.of(ConfigPrinter.print(conf("ct" + i(who))).getBytes(StandardCharsets.UTF_8)));
                        winners.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>()).add(who);
                    } catch (ExistsException e) {
                        // lost the race: fine
                    } catch (Throwable t) {
                        unexpected.add(t);
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : fs) f.get(4, TimeUnit.MINUTES);
        } finally {
            pool.shutdownNow();
        }
        assertThat(unexpected).isEmpty();
        java.util.Set<Integer> distinct = new java.util.TreeSet<>();
        for (int id : ids) distinct.add(id);
        assertThat(winners.keySet()).containsExactlyInAnyOrderElementsOf(distinct);
        winners.forEach((id, w) -> assertThat(w).as("winners of %d", id).hasSize(1));
        Map<Integer, String> owners = nodes.get(0).owners();
        List<Integer> all = new ArrayList<>();
        for (int n = 0; n < 3; n++) {
            EtcdConfigRepository repo = nodes.get(n);
            for (int id : repo.list()) {
                all.add(id);
                String winner = winners.get(id).get(0);
                assertThat(winner).startsWith(repo.node() + "-");
                assertThat(owners.get(id)).isEqualTo(repo.node());
                assertThat(repo.read(id).config().main().get("hostname")).contains("ct" + i(winner));
            }
        }
        assertThat(all).as("every id on exactly one node").doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(distinct);
        // a create on another node of an existing id names the owner
        int taken = distinct.iterator().next();
        assertThatThrownBy(() -> nodes.get(0).create(taken, conf("again")).hex()).isInstanceOf(ExistsException.class)
                .hasMessageContaining("on node " + owners.get(taken));
    }

    private static String i(String who) { return who.substring(who.indexOf("create") + 6); }

    @Test @Order(2) void writeIfDigestDetectsAConcurrentChange() {
        EtcdConfigRepository repo = nodes.get(1);
        ConfigDigest created = repo.create(2001, conf("first"));
        VersionedConfig v = repo.read(2001);
        assertThat(v.digest()).isEqualTo(created);
        ConfigDigest second = repo.write(2001, conf("second"), v.digest());
        assertThatThrownBy(() -> repo.write(2001, conf("third"), v.digest())).isInstanceOf(DigestMismatchException.class)
                .satisfies(e -> assertThat(((DigestMismatchException) e).actual()).isEqualTo(second.hex()));
        assertThatThrownBy(() -> repo.delete(2001, v.digest())).isInstanceOf(DigestMismatchException.class);
        assertThat(repo.read(2001).config().main().get("hostname")).contains("second");
        VersionedConfig u = repo.update(2001, f -> f.withMain(f.main().with("memory", "1024")));
        assertThat(repo.read(2001).digest()).isEqualTo(u.digest());
        repo.delete(2001, u.digest());
        assertThat(repo.exists(2001)).isFalse();
        assertThat(nodes.get(0).owners()).doesNotContainKey(2001);
        repo.create(2001, conf("recreated")); // the id is free again after the delete
    }

    @Test @Order(3) void aLockIsReleasedWhenItsHoldersClientDies() throws Exception {
        Client holderClient = cluster.client();
        EtcdLocks holder = new EtcdLocks(holderClient, Duration.ofSeconds(3), CALL);
        EtcdLocks other = new EtcdLocks(cluster.client(), Duration.ofSeconds(3), CALL);
        Locks.Held h = holder.lock(3001, "UPID:node1:task-A", CALL);
        try (Locks.Held again = holder.lock(3001, "UPID:node1:task-A", CALL)) { // reentrant on this thread
            assertThat(again).isNotNull();
        }
        assertThat(other.tryLock(3001, "task-B", Duration.ofMillis(300))).isEmpty();
        assertThat(other.owner(3001)).contains("UPID:node1:task-A");
        assertThatThrownBy(() -> other.lock(3001, "task-B", Duration.ofMillis(300))).isInstanceOf(io.berth.error.LockedException.class)
                .hasMessageContaining("UPID:node1:task-A");
        holderClient.close(); // the holder dies without releasing: its lease is no longer renewed
        long t0 = System.nanoTime();
        Optional<Locks.Held> got = other.tryLock(3001, "task-B", Duration.ofSeconds(120));
        assertThat(got).as("lock taken over after the lease expired").isPresent();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(120));
        assertThat(other.owner(3001)).contains("task-B");
        got.get().close();
        assertThat(other.owner(3001)).isEmpty();
        assertThat(h).isNotNull();
    }

    @Test @Order(0) void statusShowsThreeHealthyMembersAndQuorum() {
        // what `berth cluster status` prints below its node lines (ClusterE2eTest runs the command itself)
        ClusterStatus s = ClusterStatus.of(cluster.client(), Duration.ofSeconds(30));
        assertThat(s.render()).contains("Members:       3", "Healthy:       3", "(quorate)", "m0", "m1", "m2");
        assertThat(s.quorate()).isTrue();
        assertThat(s.members()).filteredOn(ClusterStatus.MemberStatus::leader).hasSize(1);
    }

    @Test @Order(4) void losingQuorumRefusesWritesWithATypedErrorInBoundedTime() throws Exception {
        EtcdConfigRepository survivor = new EtcdConfigRepository(cluster.client(0), "node1", Duration.ofSeconds(5));
        new EtcdConfigRepository(cluster.client(0), "node1", CALL).create(4001, conf("before")); // works while the cluster is whole
        cluster.stop(1);
        cluster.stop(2);
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> survivor.create(4002, conf("after"))).isInstanceOf(ClusterUnavailableException.class)
                .isInstanceOf(HostFailureException.class).hasMessageContaining("quorum");
        VersionedConfig v = null;
        assertThatThrownBy(() -> survivor.update(4001, f -> f.withMain(f.main().with("memory", "256"))))
                .isInstanceOf(ClusterUnavailableException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(60));
        assertThat(v).isNull();
        ClusterStatus s = ClusterStatus.of(cluster.client(0), Duration.ofSeconds(10));
        assertThat(s.members()).hasSize(3);
        assertThat(s.healthyCount()).isLessThanOrEqualTo(1);
        assertThat(s.quorate()).isFalse();
        assertThat(s.render()).contains("NOT quorate", "DOWN");
    }
}
