package io.berth.cluster;

import static io.berth.cluster.Etcd.await;
import static io.berth.cluster.Etcd.bytes;

import io.berth.error.ExistsException;
import io.berth.error.NotFoundException;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The HA configuration and state in etcd, laid out like {@code /etc/pve/ha}: {@code /berth/ha/resources/VMID}
 * (a resources.cfg section), {@code /berth/ha/groups/NAME} (a groups.cfg section), {@code /berth/ha/lrm/NODE}
 * (a node's local resource manager is alive: bound to its lease; value {@code ttl=SECONDS}) and
 * {@code /berth/ha/crm} (the elected cluster resource manager: bound to its lease; value: its node).
 */
public final class HaStore {
    private final KV kv;
    private final EtcdLayout layout;
    private final Duration timeout;

    public HaStore(Client client, EtcdLayout layout, Duration timeout) {
        this.kv = client.getKVClient();
        this.layout = layout;
        this.timeout = timeout;
    }

    String resourcesDir() { return layout.prefix() + "/ha/resources/"; }

    String groupsDir() { return layout.prefix() + "/ha/groups/"; }

    String lrmDir() { return layout.prefix() + "/ha/lrm/"; }

    String crmKey() { return layout.prefix() + "/ha/crm"; }

    String serviceDir() { return layout.prefix() + "/ha/service/"; }

    /**
     * The HA stack's state of one resource (Proxmox's per-service manager status): failed starts on its current
     * node, relocations since its last successful start, the nodes where it could not be started, a pending
     * relocation (to that node: after failed starts, or a failback), and the error state (both policies exhausted;
     * left alone until the resource is disabled). {@code revision} is the etcd mod revision it was read at (0: none).
     */
    public record Service(int failures, int relocations, java.util.SortedSet<String> failedNodes, Optional<String> relocateTo, boolean error,
                          long revision) {
        public static final Service NONE = new Service(0, 0, new java.util.TreeSet<>(), Optional.empty(), false, 0);

        public Service {
            failedNodes = java.util.Collections.unmodifiableSortedSet(new java.util.TreeSet<>(failedNodes));
        }

        String format() {
            return "failures=" + failures + " relocations=" + relocations + " failed=" + String.join(",", failedNodes)
                    + " relocate=" + relocateTo.orElse("") + " error=" + (error ? 1 : 0);
        }

        static Service parse(String text, long revision) {
            int failures = 0, relocations = 0;
            java.util.SortedSet<String> failed = new java.util.TreeSet<>();
            Optional<String> relocate = Optional.empty();
            boolean error = false;
            for (String p : text.split("\\s+")) {
                int eq = p.indexOf('=');
                if (eq < 0) continue;
                String k = p.substring(0, eq), v = p.substring(eq + 1);
                switch (k) {
                    case "failures" -> failures = Integer.parseInt(v);
                    case "relocations" -> relocations = Integer.parseInt(v);
                    case "failed" -> { for (String n : v.split(",")) if (!n.isEmpty()) failed.add(n); }
                    case "relocate" -> relocate = v.isEmpty() ? Optional.empty() : Optional.of(v);
                    case "error" -> error = v.equals("1");
                    default -> { } // written by a newer Berth
                }
            }
            return new Service(failures, relocations, failed, relocate, error, revision);
        }

        public Service withRelocateTo(Optional<String> n) { return new Service(failures, relocations, failedNodes, n, error, revision); }
    }

    /** The state of every resource that has one. */
    public Map<Integer, Service> services() {
        Map<Integer, Service> m = new TreeMap<>();
        prefix(serviceDir(), "the HA service states").forEach((k, v) -> {
            if (k.matches("[1-9][0-9]*")) m.put(Integer.parseInt(k), Service.parse(text(v), v.getModRevision()));
        });
        return m;
    }

    /** Writes {@code next} if the state is still {@code read} (compare-and-swap on its revision); false if it changed. */
    public boolean putService(int vmid, Service next, Service read) {
        var key = bytes(serviceDir() + vmid);
        Cmp cmp = read.revision() == 0 ? new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(0))
                : new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(read.revision()));
        return await(kv.txn().If(cmp).Then(Op.put(key, bytes(next.format()), PutOption.DEFAULT)).commit(), timeout,
                "write the HA state of ct:" + vmid).isSucceeded();
    }

    /** Forgets the state (counts, error) of a resource: when it is disabled or removed. */
    public void clearService(int vmid) {
        await(kv.delete(bytes(serviceDir() + vmid)), timeout, "clear the HA state of ct:" + vmid);
    }

    private Map<String, KeyValue> prefix(String dir, String what) {
        var r = await(kv.get(bytes(dir), GetOption.builder().isPrefix(true).build()), timeout, "read " + what);
        Map<String, KeyValue> m = new TreeMap<>();
        for (KeyValue k : r.getKvs()) m.put(k.getKey().toString(StandardCharsets.UTF_8).substring(dir.length()), k);
        return m;
    }

    private static String text(KeyValue k) { return k.getValue().toString(StandardCharsets.UTF_8); }

    /** All HA resources by vmid. */
    public Map<Integer, HaResource> resources() {
        Map<Integer, HaResource> m = new TreeMap<>();
        prefix(resourcesDir(), "the HA resources").forEach((k, v) -> {
            if (k.matches("[1-9][0-9]*")) m.put(Integer.parseInt(k), HaResource.parse(text(v)));
        });
        return m;
    }

    public Optional<HaResource> resource(int vmid) {
        return await(kv.get(bytes(resourcesDir() + vmid)), timeout, "read HA resource ct:" + vmid).getKvs().stream()
                .findFirst().map(k -> HaResource.parse(text(k)));
    }

    /** Adds a resource; {@link ExistsException} if the container is already managed. */
    public void add(HaResource r) {
        var key = bytes(resourcesDir() + r.vmid());
        TxnResponse t = await(kv.txn().If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                .Then(Op.put(key, bytes(r.format()), PutOption.DEFAULT)).commit(), timeout, "add HA resource " + r.sid());
        if (!t.isSucceeded()) throw new ExistsException("HA resource " + r.sid() + " already exists; change it with: berth ha set " + r.vmid());
    }

    /** Replaces an existing resource's settings. */
    public void set(HaResource r) {
        var key = bytes(resourcesDir() + r.vmid());
        TxnResponse t = await(kv.txn().If(new Cmp(key, Cmp.Op.GREATER, CmpTarget.createRevision(0)))
                .Then(Op.put(key, bytes(r.format()), PutOption.DEFAULT)).commit(), timeout, "change HA resource " + r.sid());
        if (!t.isSucceeded()) throw new NotFoundException("no HA resource " + r.sid() + "; add it with: berth ha add " + r.vmid());
    }

    public void remove(int vmid) {
        long n = await(kv.delete(bytes(resourcesDir() + vmid)), timeout, "remove HA resource ct:" + vmid).getDeleted();
        if (n == 0) throw new NotFoundException("no HA resource ct:" + vmid);
    }

    public Map<String, HaGroup> groups() {
        Map<String, HaGroup> m = new TreeMap<>();
        prefix(groupsDir(), "the HA groups").forEach((k, v) -> m.put(k, HaGroup.parse(text(v))));
        return m;
    }

    public Optional<HaGroup> group(String name) {
        return await(kv.get(bytes(groupsDir() + HaGroup.checkName(name))), timeout, "read HA group " + name).getKvs().stream()
                .findFirst().map(k -> HaGroup.parse(text(k)));
    }

    public void putGroup(HaGroup g) {
        await(kv.put(bytes(groupsDir() + g.name()), bytes(g.format())), timeout, "write HA group " + g.name());
    }

    public void removeGroup(String name) {
        long used = resources().values().stream().filter(r -> r.group().filter(name::equals).isPresent()).count();
        if (used > 0) throw new io.berth.error.StateException("HA group '" + name + "' is used by " + used + " resource(s)");
        if (await(kv.delete(bytes(groupsDir() + HaGroup.checkName(name)), DeleteOption.DEFAULT), timeout, "remove HA group " + name)
                .getDeleted() == 0) throw new NotFoundException("no HA group '" + name + "'");
    }

    /** A live LRM: its node and the lease TTL it runs with (the CRM waits that long again before recovering). */
    public record Lrm(String node, long ttlSeconds, long leaseId) {}

    /** The nodes whose LRM holds its lease now. */
    public Map<String, Lrm> lrms() {
        Map<String, Lrm> m = new TreeMap<>();
        prefix(lrmDir(), "the HA LRM states").forEach((k, v) -> {
            long ttl = 10;
            for (String p : text(v).split("\\s+")) if (p.startsWith("ttl=")) ttl = Long.parseLong(p.substring(4));
            m.put(k, new Lrm(k, ttl, v.getLease()));
        });
        return m;
    }

    /** The node of the CRM now, if one is elected. */
    public Optional<String> crm() {
        return await(kv.get(bytes(crmKey())), timeout, "read the HA manager").getKvs().stream().findFirst().map(HaStore::text);
    }

    /** Which node each container is on ({@code /berth/vmids/}). */
    public Map<Integer, String> owners() {
        Map<Integer, String> m = new TreeMap<>();
        prefix(layout.vmidsDir(), "the container ids").forEach((k, v) -> {
            if (k.matches("[1-9][0-9]*")) m.put(Integer.parseInt(k), text(v));
        });
        return m;
    }

    KV kv() { return kv; }

    Duration timeout() { return timeout; }
}
