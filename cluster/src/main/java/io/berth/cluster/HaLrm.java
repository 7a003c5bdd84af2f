package io.berth.cluster;

import static io.berth.cluster.Etcd.await;
import static io.berth.cluster.Etcd.bytes;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.options.PutOption;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The node's local resource manager (Proxmox's pve-ha-lrm): keeps {@code /berth/ha/lrm/NODE} alive on a lease of
 * {@code ttl}, feeds the {@link HaWatchdog} after each successful renewal, and enforces the requested state of the
 * HA containers whose config is on this node (started ones are started, stopped/disabled ones stopped). Without a
 * renewed lease it does nothing and stops feeding, so the watchdog fences the node's HA containers before the
 * {@link HaCrm} recovers them elsewhere.
 */
public final class HaLrm implements AutoCloseable {
    /** What the LRM needs of this node's containers (the ct façade, given by berthd). */
    public interface Containers {
        boolean running(int vmid);

        void start(int vmid);

        void stop(int vmid);
    }

    private final Lease leases;
    private final HaStore store;
    private final ConfigMoves moves;
    private final String node;
    private final Duration ttl;
    private final Containers containers;
    private final HaWatchdog watchdog;
    private final Consumer<String> log;
    private final Thread thread;
    private final java.util.concurrent.ExecutorService worker = java.util.concurrent.Executors.newSingleThreadExecutor(
            Thread.ofPlatform().daemon().name("ha-lrm-work").factory());
    private final java.util.concurrent.atomic.AtomicBoolean busy = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile long renewed = System.nanoTime() - Duration.ofDays(1).toNanos();
    private volatile boolean closed;
    private long leaseId;
    private boolean failing;

    public HaLrm(Client client, HaStore store, ConfigMoves moves, String node, Duration ttl, Containers containers, HaWatchdog watchdog,
                 Consumer<String> log) {
        this.leases = client.getLeaseClient();
        this.store = store;
        this.moves = moves;
        this.node = EtcdLayout.checkNode(node);
        this.ttl = ttl;
        this.containers = containers;
        this.watchdog = watchdog;
        this.log = log;
        this.thread = Thread.ofPlatform().daemon().name("ha-lrm").start(this::loop);
    }

    private void loop() {
        long period = Math.max(200, ttl.toMillis() / 5);
        while (!closed) {
            try {
                round();
                if (failing) log.accept("ha lrm " + node + ": lease renewed again");
                failing = false;
            } catch (RuntimeException e) {
                if (!failing) log.accept("ha lrm " + node + ": " + e.getMessage() + " (not feeding the watchdog: HA containers here "
                        + "are fenced after " + ttl.toSeconds() + " s unless the lease is renewed)");
                failing = true;
            }
            try {
                Thread.sleep(period);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void renew() {
        Duration t = Duration.ofMillis(Math.min(store.timeout().toMillis(), ttl.toMillis() / 3));
        if (leaseId != 0) {
            long left = await(leases.keepAliveOnce(leaseId), t, "renew the HA lease of node " + node).getTTL();
            if (left > 0) return;
            leaseId = 0; // expired meanwhile: the CRM may be recovering our containers; the watchdog has fenced them
        }
        long id = await(leases.grant(Math.max(1, ttl.toSeconds())), t, "grant the HA lease of node " + node).getID();
        await(store.kv().put(bytes(store.lrmDir() + node), bytes("ttl=" + ttl.toSeconds()), PutOption.builder().withLeaseId(id).build()),
                t, "register the HA LRM of node " + node);
        leaseId = id;
    }

    private void round() {
        long sent = System.nanoTime();
        renew();
        Map<Integer, HaResource> resources = store.resources();
        Map<Integer, String> owners = store.owners();
        Map<Integer, HaStore.Service> services = store.services();
        TreeSet<Integer> armed = new TreeSet<>();
        for (HaResource r : resources.values()) {
            if (!node.equals(owners.get(r.vmid())) || r.state() == HaResource.State.IGNORED) continue;
            if (r.state() == HaResource.State.STARTED || containers.running(r.vmid())) armed.add(r.vmid());
        }
        watchdog.feed(armed); // renewed just now: these may run for one more TTL
        renewed = sent;
        // starts, shutdowns and moves take long (a shutdown up to its timeout): they run on the worker, so the lease
        // is renewed (and the watchdog fed) meanwhile; a round whose worker is still busy only renews
        if (busy.compareAndSet(false, true)) {
            try {
                worker.execute(() -> {
                    try {
                        act(resources, owners, services);
                    } finally {
                        busy.set(false);
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                busy.set(false); // closing
            }
        }
    }

    /** Holds the lease now: renewed within half a TTL (a start must not begin on a lease about to lapse). */
    private boolean leased() { return System.nanoTime() - renewed < ttl.toNanos() / 2; }

    private void act(Map<Integer, HaResource> resources, Map<Integer, String> owners, Map<Integer, HaStore.Service> services) {
        for (HaResource r : resources.values()) {
            if (closed || !leased()) return;
            if (!node.equals(owners.get(r.vmid()))) continue;
            HaStore.Service sv = services.getOrDefault(r.vmid(), HaStore.Service.NONE);
            if (r.state() == HaResource.State.IGNORED || sv.error()) continue; // error: left alone until disabled
            try {
                Optional<String> to = sv.relocateTo().filter(t -> !t.equals(node));
                if (to.isPresent() && (r.state() == HaResource.State.STARTED || r.state() == HaResource.State.STOPPED)) {
                    relocate(r, sv, to.get());
                    continue;
                }
                switch (r.state()) {
                    case STARTED -> {
                        if (!containers.running(r.vmid())) {
                            log.accept("ha lrm " + node + ": starting " + r.sid());
                            try {
                                containers.start(r.vmid());
                            } catch (RuntimeException e) {
                                startFailed(r, sv, e, owners, resources);
                                continue;
                            }
                            // a successful start resets the counts (Proxmox: the relocate count only resets then)
                            if (sv.failures() > 0 || sv.relocations() > 0 || sv.relocateTo().isPresent())
                                store.putService(r.vmid(), new HaStore.Service(0, 0, sv.failedNodes(), Optional.empty(), false, 0), sv);
                        }
                    }
                    case STOPPED, DISABLED -> {
                        if (containers.running(r.vmid())) {
                            log.accept("ha lrm " + node + ": stopping " + r.sid());
                            containers.stop(r.vmid());
                        }
                    }
                    case IGNORED -> { }
                }
            } catch (RuntimeException e) {
                log.accept("ha lrm " + node + ": " + r.sid() + ": " + e.getMessage());
            }
        }
    }

    /**
     * Proxmox's start failure policy: up to {@code max_restart} more tries on this node, then up to
     * {@code max_relocate} relocations to another node (the group's best online node where it did not fail yet),
     * then the error state, in which the HA stack leaves it alone until it is disabled.
     */
    private void startFailed(HaResource r, HaStore.Service sv, RuntimeException e, Map<Integer, String> owners, Map<Integer, HaResource> resources) {
        int failures = sv.failures() + 1;
        String why = e.getMessage();
        if (failures <= r.maxRestart()) {
            log.accept("ha lrm " + node + ": start of " + r.sid() + " failed (" + why + "); restart " + failures + " of max_restart "
                    + r.maxRestart() + " on " + node);
            store.putService(r.vmid(), new HaStore.Service(failures, sv.relocations(), sv.failedNodes(), Optional.empty(), false, 0), sv);
            return;
        }
        java.util.SortedSet<String> failed = new java.util.TreeSet<>(sv.failedNodes());
        failed.add(node);
        if (sv.relocations() < r.maxRelocate()) {
            Map<String, Integer> load = new java.util.HashMap<>();
            for (HaResource o : resources.values()) {
                String on = owners.get(o.vmid());
                if (on != null) load.merge(on, 1, Integer::sum);
            }
            Optional<String> target = HaGroup.place(r.group().flatMap(store::group), store.lrms().keySet(), load, failed);
            if (target.isPresent()) {
                log.accept("ha lrm " + node + ": start of " + r.sid() + " failed (" + why + ") after " + r.maxRestart()
                        + " restart(s); relocation " + (sv.relocations() + 1) + " of max_relocate " + r.maxRelocate() + " to " + target.get());
                store.putService(r.vmid(), new HaStore.Service(0, sv.relocations() + 1, failed, target, false, 0), sv);
                return;
            }
        }
        log.accept("ha lrm " + node + ": " + r.sid() + " is in error state: start failed (" + why + ") after " + r.maxRestart()
                + " restart(s) and " + sv.relocations() + " relocation(s) (max_relocate " + r.maxRelocate() + "); fix it, then: berth ha set "
                + r.vmid() + " --state disabled, and --state started again");
        store.putService(r.vmid(), new HaStore.Service(failures, sv.relocations(), failed, Optional.empty(), true, 0), sv);
    }

    /** Moves the resource to {@code target} (shut down here first); the target's LRM starts it if it is to run. */
    private void relocate(HaResource r, HaStore.Service sv, String target) {
        if (containers.running(r.vmid())) {
            log.accept("ha lrm " + node + ": relocating " + r.sid() + " to " + target + ": shutting it down here");
            containers.stop(r.vmid());
        }
        if (moves.moveUnchanged(r.vmid(), node, target, moves.current(r.vmid(), node))) {
            log.accept("ha lrm " + node + ": relocated " + r.sid() + " to " + target);
            store.putService(r.vmid(), sv.withRelocateTo(Optional.empty()), sv);
        }
    }

    /**
     * Clean stop (berthd stopping): the HA containers here are stopped (the CRM recovers them elsewhere once this
     * node's lease is gone), the watchdog is disarmed and the lease revoked.
     */
    @Override public void close() {
        closed = true;
        thread.interrupt();
        worker.shutdown();
        try {
            if (!worker.awaitTermination(90, java.util.concurrent.TimeUnit.SECONDS)) worker.shutdownNow(); // a shutdown in progress ends first
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            thread.join(ttl.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Map<Integer, String> owners = store.owners();
            for (HaResource r : store.resources().values())
                if (node.equals(owners.get(r.vmid())) && r.state() != HaResource.State.IGNORED && containers.running(r.vmid())) {
                    log.accept("ha lrm " + node + ": stopping " + r.sid() + " (berthd stops)");
                    containers.stop(r.vmid());
                }
            watchdog.disarm();
            if (leaseId != 0) await(leases.revoke(leaseId), store.timeout(), "revoke the HA lease of node " + node);
        } catch (RuntimeException e) {
            log.accept("ha lrm " + node + ": clean stop incomplete (" + e.getMessage() + "); the watchdog fences what is left");
        } finally {
            watchdog.close();
        }
    }
}
