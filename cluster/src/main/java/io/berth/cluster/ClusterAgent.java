package io.berth.cluster;

import io.berth.config.BerthRoots;
import io.berth.config.ClusterBackend;
import java.net.URI;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What berthd runs on a cluster node: catches the local read cache up ({@link ConfigMirror#sync}) and follows the
 * cluster's changes by watch, registers the node's API address and certificate fingerprint, and keeps the node's
 * heartbeat alive (restarting it when the lease was lost, e.g. after a time without quorum).
 */
public final class ClusterAgent implements AutoCloseable {
    private final ClusterNode node;
    private final ScheduledExecutorService timer;
    private volatile NodeRegistry.Heartbeat heartbeat;

    private ClusterAgent(ClusterNode node) {
        this.node = node;
        this.timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("berth-heartbeat").factory());
    }

    /**
     * Starts the agent if {@code roots} is a cluster node, with this node's API at {@code api} (its certificate's
     * fingerprint {@code fingerprint}); empty for a single host. Failures to reach the cluster now are retried in
     * the background: berthd must come up without quorum too (running containers keep being served).
     */
    public static Optional<ClusterAgent> start(BerthRoots roots, Optional<URI> api, Optional<String> fingerprint) {
        if (ClusterBackend.of(roots).isEmpty()) return Optional.empty();
        ClusterAgent a = new ClusterAgent(ClusterNode.of(roots));
        a.timer.execute(() -> a.connect(api, fingerprint));
        long every = Math.max(1, a.node.conf().ttl().toMillis() / 3);
        a.timer.scheduleWithFixedDelay(a::checkHeartbeat, every, every, TimeUnit.MILLISECONDS);
        return Optional.of(a);
    }

    public ClusterNode node() { return node; }

    private volatile boolean connected;

    private void connect(Optional<URI> api, Optional<String> fingerprint) {
        for (long pause = 500; !timer.isShutdown(); pause = Math.min(pause * 2, 10_000)) {
            try {
                NodeRegistry reg = node.registry();
                NodeRegistry.Member old = reg.member(node.node()).orElse(null);
                Instant joined = old == null ? Instant.now() : old.joined();
                URI a = api.or(() -> node.conf().api()).orElse(null);
                reg.put(new NodeRegistry.Member(node.node(), Optional.ofNullable(a), a == null ? Optional.empty() : fingerprint, joined));
                node.mirror().watch(node.mirror().sync());
                node.files().pull();
                node.files().watch();
                connected = true;
                checkHeartbeat();
                return;
            } catch (RuntimeException e) {
                log("cluster not reachable yet (" + e.getMessage() + "); retrying");
                try {
                    Thread.sleep(pause);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    private void checkHeartbeat() {
        if (!connected) return;
        if (ClusterBackend.of(node.roots()).isEmpty()) {
            // the node left the cluster (cluster.conf removed): no heartbeat any more
            NodeRegistry.Heartbeat h = heartbeat;
            heartbeat = null;
            connected = false;
            if (h != null) h.close();
            node.mirror().close();
            return;
        }
        try {
            node.files().pushChanged();
        } catch (RuntimeException e) {
            log("shared files: " + e.getMessage());
        }
        try {
            if (heartbeat == null || !node.registry().online().contains(node.node())) {
                if (heartbeat != null) heartbeat.close();
                heartbeat = node.registry().heartbeat(node.node(), node.conf().ttl());
            }
        } catch (RuntimeException e) {
            log("heartbeat: " + e.getMessage());
        }
    }

    private static void log(String s) {
        System.getLogger("berth.cluster").log(System.Logger.Level.WARNING, s);
    }

    @Override public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        NodeRegistry.Heartbeat h = heartbeat;
        if (h != null) h.close();
        node.mirror().close();
    }
}
