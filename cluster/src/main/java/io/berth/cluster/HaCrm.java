package io.berth.cluster;

import static io.berth.cluster.Etcd.await;
import static io.berth.cluster.Etcd.bytes;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The cluster resource manager (Proxmox's pve-ha-crm): every node runs a candidate; the one that creates
 * {@code /berth/ha/crm} on its lease is the master until its lease lapses. The master recovers the HA containers of
 * a node whose LRM lease expired: it waits that node's lease TTL again from when it saw the lease gone (by then the
 * node's watchdog has fenced them: {@link HaWatchdog}), then moves each config to an online node (its group's best
 * member, else the node with the fewest HA containers) in one etcd transaction ({@link ConfigMoves}); that node's
 * LRM starts it. Moves compare the config's revision, so a stale master can never move a container twice.
 */
public final class HaCrm implements AutoCloseable {
    private final Lease leases;
    private final HaStore store;
    private final ConfigMoves moves;
    private final String node;
    private final Duration ttl;
    private final Consumer<String> log;
    private final Thread thread;
    private final Map<String, Long> deadSince = new HashMap<>();
    private final Map<String, Long> lastTtl = new HashMap<>();
    private volatile boolean closed;
    private volatile boolean master;
    private long leaseId;

    public HaCrm(Client client, HaStore store, ConfigMoves moves, String node, Duration ttl, Consumer<String> log) {
        this.leases = client.getLeaseClient();
        this.store = store;
        this.moves = moves;
        this.node = EtcdLayout.checkNode(node);
        this.ttl = ttl;
        this.log = log;
        this.thread = Thread.ofPlatform().daemon().name("ha-crm").start(this::loop);
    }

    public boolean master() { return master; }

    private void loop() {
        while (!closed) {
            try {
                elect();
                if (master) work();
            } catch (RuntimeException e) {
                if (master) log.accept("ha crm " + node + ": " + e.getMessage());
                lose();
            }
            try {
                Thread.sleep(Math.max(200, Math.min(1000, ttl.toMillis() / 5)));
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void lose() {
        if (master) log.accept("ha crm " + node + ": no longer master");
        master = false;
        leaseId = 0;
        deadSince.clear();
    }

    private void elect() {
        Duration t = Duration.ofMillis(Math.min(store.timeout().toMillis(), ttl.toMillis() / 3));
        if (master) {
            if (await(leases.keepAliveOnce(leaseId), t, "renew the HA manager lease").getTTL() > 0) return;
            lose();
        }
        if (leaseId == 0) leaseId = await(leases.grant(Math.max(1, ttl.toSeconds())), t, "grant the HA manager lease").getID();
        var key = bytes(store.crmKey());
        TxnResponse r = await(store.kv().txn().If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                .Then(Op.put(key, bytes(node), PutOption.builder().withLeaseId(leaseId).build())).commit(), t, "elect the HA manager");
        if (r.isSucceeded()) {
            master = true;
            log.accept("ha crm " + node + ": became master");
        } else {
            await(leases.keepAliveOnce(leaseId), t, "keep the HA manager candidate lease"); // reuse it next round
        }
    }

    private void work() {
        Map<String, HaStore.Lrm> lrms = store.lrms();
        long now = System.nanoTime();
        lrms.forEach((n, l) -> {
            lastTtl.put(n, l.ttlSeconds());
            deadSince.remove(n);
        });
        Map<Integer, HaResource> resources = store.resources();
        Map<Integer, String> owners = store.owners();
        Map<String, Integer> load = new HashMap<>();
        for (HaResource r : resources.values()) {
            String o = owners.get(r.vmid());
            if (o != null) load.merge(o, 1, Integer::sum);
        }
        Map<Integer, HaStore.Service> services = store.services();
        failback(resources, owners, lrms, load, services);
        for (HaResource r : resources.values()) {
            String owner = owners.get(r.vmid());
            if (owner == null || lrms.containsKey(owner)) continue;
            if (r.state() == HaResource.State.IGNORED || r.state() == HaResource.State.DISABLED) continue;
            long since = deadSince.computeIfAbsent(owner, n -> {
                log.accept("ha crm " + node + ": node " + n + " lost its HA lease; its HA containers are fenced there, recovery in "
                        + fenceWait(n).toSeconds() + " s");
                return now;
            });
            if (now - since < fenceWait(owner).toNanos()) continue;
            Optional<HaGroup> group = r.group().flatMap(store::group);
            java.util.Set<String> failed = services.getOrDefault(r.vmid(), HaStore.Service.NONE).failedNodes();
            Optional<String> target = HaGroup.place(group, lrms.keySet(), load, failed)
                    .or(() -> HaGroup.place(group, lrms.keySet(), load, java.util.Set.of()));
            if (target.isEmpty()) {
                log.accept("ha crm " + node + ": cannot recover " + r.sid() + " from " + owner + ": no online node"
                        + (group.isPresent() ? " in group " + group.get().name() : ""));
                continue;
            }
            KeyValue cur;
            try {
                cur = moves.current(r.vmid(), owner);
            } catch (io.berth.error.NotFoundException e) {
                continue;
            }
            if (moves.moveUnchanged(r.vmid(), owner, target.get(), cur)) {
                load.merge(target.get(), 1, Integer::sum);
                load.merge(owner, -1, Integer::sum);
                log.accept("ha crm " + node + ": recovered " + r.sid() + " from fenced node " + owner + " to " + target.get());
            }
        }
    }

    /**
     * Failback (groups without {@code nofailback}): a started or stopped resource on a node of lower priority than
     * an online member of its group (one where it did not fail to start) is relocated there: the CRM asks, the LRM
     * of its node shuts it down and moves its config, the target's LRM starts it.
     */
    private void failback(Map<Integer, HaResource> resources, Map<Integer, String> owners, Map<String, HaStore.Lrm> lrms,
                          Map<String, Integer> load, Map<Integer, HaStore.Service> services) {
        for (HaResource r : resources.values()) {
            if (r.state() != HaResource.State.STARTED && r.state() != HaResource.State.STOPPED) continue;
            String owner = owners.get(r.vmid());
            if (owner == null || !lrms.containsKey(owner)) continue;
            Optional<HaGroup> group = r.group().flatMap(store::group);
            if (group.isEmpty() || group.get().nofailback()) continue;
            HaStore.Service sv = services.getOrDefault(r.vmid(), HaStore.Service.NONE);
            if (sv.error() || sv.relocateTo().filter(t -> !t.equals(owner)).isPresent()) continue;
            Optional<String> best = HaGroup.place(group, lrms.keySet(), load, sv.failedNodes());
            if (best.isEmpty() || best.get().equals(owner) || group.get().priority(best.get()) <= group.get().priority(owner)) continue;
            if (store.putService(r.vmid(), sv.withRelocateTo(best), sv))
                log.accept("ha crm " + node + ": failback of " + r.sid() + " from " + owner + " to " + best.get()
                        + " (priority " + group.get().priority(best.get()) + " in group " + group.get().name() + ")");
        }
    }

    /** How long after seeing a node's lease gone its containers are surely fenced: its TTL again, plus a second. */
    private Duration fenceWait(String n) {
        return Duration.ofSeconds(Math.max(ttl.toSeconds(), lastTtl.getOrDefault(n, 0L)) + 1);
    }

    @Override public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(ttl.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (leaseId != 0) {
            try {
                await(leases.revoke(leaseId), store.timeout(), "revoke the HA manager lease");
            } catch (RuntimeException ignored) {
                // it lapses by itself
            }
        }
    }
}
