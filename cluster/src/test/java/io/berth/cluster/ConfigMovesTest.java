package io.berth.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.config.ConfigDigest;
import io.berth.config.ConfigFile;
import io.berth.config.ConfigParser;
import io.berth.config.NoSuchContainerException;
import io.berth.error.DigestMismatchException;
import io.berth.error.ExistsException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/** The atomic config move and the HA store against a real 3-member etcd on loopback. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ConfigMovesTest {
    private static final Duration CALL = Duration.ofSeconds(30);
    private Path dir;
    private EtcdTestCluster cluster;

    @BeforeAll void start() throws Exception {
        dir = Files.createTempDirectory("berth-etcd-moves-");
        cluster = EtcdTestCluster.start(dir, 3, Duration.ofSeconds(180));
    }

    @AfterAll void stop() {
        if (cluster != null) cluster.close();
    }

    static ConfigFile conf(String text) {
        return ConfigParser.read("test", text.getBytes(StandardCharsets.UTF_8)).config();
    }

    @Test void moveIsOneTransactionComparingTheSourceAndRequiringAnEmptyTarget() {
        var n1 = new EtcdConfigRepository(cluster.client(), "n1", CALL);
        var n2 = new EtcdConfigRepository(cluster.client(), "n2", CALL);
        var moves = new ConfigMoves(cluster.client(), EtcdLayout.DEFAULT, CALL);
        ConfigDigest d = n1.create(6101, conf("hostname: a\nlock: migrate\nrootfs: shared:6101/vm-6101-disk-0.raw,size=1G\n"));
        ConfigFile next = conf("hostname: a\nrootfs: local:6101/vm-6101-disk-1.raw,size=1G\n");

        assertThatThrownBy(() -> moves.move(6101, "n1", "n2", next, ConfigDigest.of("x".getBytes())))
                .isInstanceOf(DigestMismatchException.class);
        assertThat(n2.exists(6101)).isFalse();

        moves.move(6101, "n1", "n2", next, d);
        assertThat(n1.exists(6101)).isFalse();
        assertThat(n2.read(6101).config()).isEqualTo(next);
        assertThat(n1.owners()).containsEntry(6101, "n2");

        // the target already has the id: nothing changes
        ConfigDigest d3 = new EtcdConfigRepository(cluster.client(), "n3", CALL).create(6102, conf("hostname: b\n"));
        var kv = cluster.client().getKVClient();
        Etcd.await(kv.put(Etcd.bytes(EtcdLayout.DEFAULT.config("n2", 6102)), Etcd.bytes("hostname: stale\n")), CALL, "plant");
        assertThatThrownBy(() -> moves.move(6102, "n3", "n2", conf("hostname: b\n"), d3)).isInstanceOf(ExistsException.class)
                .hasMessageContaining("already has a config on node n2");
        assertThat(new EtcdConfigRepository(cluster.client(), "n3", CALL).exists(6102)).isTrue();
        assertThatThrownBy(() -> moves.current(6199, "n1")).isInstanceOf(NoSuchContainerException.class);

        // HA recovery moves the bytes unchanged, and only if nobody wrote meanwhile
        var cur = moves.current(6101, "n2");
        assertThat(moves.moveUnchanged(6101, "n2", "n1", cur)).isTrue();
        assertThat(moves.moveUnchanged(6101, "n2", "n3", cur)).isFalse();
        assertThat(n1.read(6101).config()).isEqualTo(next);
    }

    @Test void haResourcesAndGroupsInProxmoxFormat() {
        var store = new HaStore(cluster.client(), EtcdLayout.DEFAULT, CALL);
        HaResource r = HaResource.of(6110, HaResource.State.STOPPED, Optional.of("prefer1"));
        assertThat(r.format()).isEqualTo("ct: 6110\n\tgroup prefer1\n\tstate stopped\n");
        assertThat(HaResource.parse(r.format())).isEqualTo(r);
        store.add(r);
        assertThatThrownBy(() -> store.add(r)).isInstanceOf(ExistsException.class);
        store.set(HaResource.of(6110, HaResource.State.STARTED, Optional.empty()));
        assertThat(store.resource(6110).orElseThrow().state()).isEqualTo(HaResource.State.STARTED);
        assertThat(store.resources()).containsKey(6110);
        store.remove(6110);
        assertThat(store.resource(6110)).isEmpty();

        HaGroup g = new HaGroup("prefer1", HaGroup.parseNodes("n1:2,n2,n3:1"), false, false);
        assertThat(HaGroup.parse(g.format())).isEqualTo(g);
        assertThat(g.candidates(Set.of("n2", "n3"))).containsExactly("n3", "n2");
        HaGroup restricted = new HaGroup("only1", Map.of("n1", 0), true, false);
        assertThat(restricted.candidates(Set.of("n2"))).isEmpty();
        assertThat(new HaGroup("any1", Map.of("n1", 0), false, false).candidates(Set.of("n3", "n2"))).containsExactly("n2", "n3");
        store.putGroup(g);
        assertThat(store.group("prefer1")).contains(g);
    }
}
