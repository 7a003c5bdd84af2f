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
