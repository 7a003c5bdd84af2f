package io.berth.cluster;

import static io.berth.cluster.Etcd.await;
import static io.berth.cluster.Etcd.bytes;

import io.berth.config.ConfigDigest;
import io.berth.config.ConfigFile;
import io.berth.config.ConfigParser;
import io.berth.config.ConfigPrinter;
import io.berth.config.ConfigRepository;
import io.berth.config.NoSuchContainerException;
import io.berth.config.ParsedConfig;
import io.berth.config.VersionedConfig;
import io.berth.config.Vmid;
import io.berth.error.DigestMismatchException;
import io.berth.error.ExistsException;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Container configs in etcd, one repository per node (the node's view, like {@code /etc/pve/lxc} on a Proxmox
 * node): {@code /berth/nodes/NODE/lxc/VMID.conf} holds the raw config text, so the digest is the SHA-1 of the same
 * bytes the file implementation hashes. Every write is one etcd transaction:
 * <ul>
 * <li>create: the node's key and the cluster-wide {@code /berth/vmids/VMID} key must both be absent (create
 *     revision 0), so of concurrent creates of one id on any nodes exactly one wins ({@link ExistsException});</li>
 * <li>write/delete: the key's mod revision must still be the one whose bytes hashed to the expected digest
 *     ({@link DigestMismatchException} otherwise).</li>
 * </ul>
 * Calls wait at most {@code timeout}; an unreachable cluster or one without quorum gives
 * {@link ClusterUnavailableException}.
 */
public final class EtcdConfigRepository implements ConfigRepository {
    private final KV kv;
    private final String node;
    private final EtcdLayout layout;
    private final Duration timeout;

    public EtcdConfigRepository(Client client, String node, Duration timeout) {
        this(client, node, EtcdLayout.DEFAULT, timeout);
    }

    public EtcdConfigRepository(Client client, String node, EtcdLayout layout, Duration timeout) {
        this.kv = client.getKVClient();
        this.node = EtcdLayout.checkNode(node);
        this.layout = layout;
        this.timeout = timeout;
    }

    public String node() { return node; }

    private ByteSequence key(int vmid) { return bytes(layout.config(node, vmid)); }

    private Optional<KeyValue> get(int vmid) {
        GetResponse r = await(kv.get(key(vmid)), timeout, "read the config of container " + vmid);
        return r.getKvs().stream().findFirst();
    }

    private VersionedConfig parse(int vmid, KeyValue kv) {
        byte[] raw = kv.getValue().getBytes();
        ParsedConfig p = ConfigParser.read(layout.config(node, vmid), raw);
        return new VersionedConfig(vmid, p.config(), ConfigDigest.of(raw));
    }

    @Override public VersionedConfig read(int vmid) {
        return readIfExists(vmid).orElseThrow(() -> new NoSuchContainerException(vmid, "etcd " + layout.config(node, vmid)));
    }

    @Override public Optional<VersionedConfig> readIfExists(int vmid) {
        return get(Vmid.check(vmid)).map(k -> parse(vmid, k));
    }

    @Override public boolean exists(int vmid) { return get(Vmid.check(vmid)).isPresent(); }

    @Override public List<Integer> list() {
        String dir = layout.nodeDir(node);
        GetResponse r = await(kv.get(bytes(dir), GetOption.builder().isPrefix(true).withKeysOnly(true).build()), timeout,
                "list the containers of node " + node);
        List<Integer> ids = new ArrayList<>();
        for (KeyValue k : r.getKvs()) {
            String name = k.getKey().toString(StandardCharsets.UTF_8).substring(dir.length());
            if (name.matches("[1-9][0-9]*\\.conf")) ids.add(Integer.parseInt(name.substring(0, name.length() - 5)));
        }
        ids.sort(null);
        return ids;
    }

    /** Which node owns each container id, cluster-wide (from the {@code /berth/vmids/} keys). */
    public Map<Integer, String> owners() {
        String dir = layout.vmidsDir();
        GetResponse r = await(kv.get(bytes(dir), GetOption.builder().isPrefix(true).build()), timeout, "list the container ids");
        Map<Integer, String> m = new TreeMap<>();
        for (KeyValue k : r.getKvs()) {
            String name = k.getKey().toString(StandardCharsets.UTF_8).substring(dir.length());
            if (name.matches("[1-9][0-9]*")) m.put(Integer.parseInt(name), k.getValue().toString(StandardCharsets.UTF_8));
        }
        return m;
    }

    @Override public ConfigDigest create(int vmid, ConfigFile config) {
        return createRaw(vmid, ConfigPrinter.print(config).getBytes(StandardCharsets.UTF_8));
    }

    /** {@link #create} of bytes as they are (a node joining brings its config files in unchanged: same digest). */
    public ConfigDigest createRaw(int vmid, byte[] raw) {
        ByteSequence key = key(vmid), id = bytes(layout.vmid(vmid));
        TxnResponse r = await(kv.txn()
                .If(new Cmp(id, Cmp.Op.EQUAL, CmpTarget.createRevision(0)), new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                .Then(Op.put(id, bytes(node), PutOption.DEFAULT), Op.put(key, bytes(raw), PutOption.DEFAULT))
                .Else(Op.get(id, GetOption.DEFAULT))
                .commit(), timeout, "create container " + vmid);
        if (!r.isSucceeded()) {
            String owner = r.getGetResponses().stream().flatMap(g -> g.getKvs().stream()).findFirst()
                    .map(k -> k.getValue().toString(StandardCharsets.UTF_8)).orElse(node);
            throw new ExistsException("container " + vmid + " already exists (on node " + owner + ")");
        }
        return ConfigDigest.of(raw);
    }

    @Override public ConfigDigest write(int vmid, ConfigFile config, ConfigDigest expected) {
        byte[] raw = ConfigPrinter.print(config).getBytes(StandardCharsets.UTF_8);
        KeyValue cur = current(vmid, expected);
        TxnResponse r = await(kv.txn()
                .If(new Cmp(key(vmid), Cmp.Op.EQUAL, CmpTarget.modRevision(cur.getModRevision())))
                .Then(Op.put(key(vmid), bytes(raw), PutOption.DEFAULT))
                .commit(), timeout, "write the config of container " + vmid);
        if (!r.isSucceeded()) throw changed(vmid, expected);
        return ConfigDigest.of(raw);
    }

    @Override public void delete(int vmid, ConfigDigest expected) {
        KeyValue cur = current(vmid, expected);
        TxnResponse r = await(kv.txn()
                .If(new Cmp(key(vmid), Cmp.Op.EQUAL, CmpTarget.modRevision(cur.getModRevision())))
                .Then(Op.delete(key(vmid), DeleteOption.DEFAULT), Op.delete(bytes(layout.vmid(vmid)), DeleteOption.DEFAULT))
                .commit(), timeout, "delete the config of container " + vmid);
        if (!r.isSucceeded()) throw changed(vmid, expected);
    }

    /** The key as it is now, if its bytes still hash to {@code expected}. */
    private KeyValue current(int vmid, ConfigDigest expected) {
        KeyValue cur = get(Vmid.check(vmid)).orElseThrow(() -> new NoSuchContainerException(vmid, "etcd " + layout.config(node, vmid)));
        ConfigDigest actual = ConfigDigest.of(cur.getValue().getBytes());
        if (!actual.equals(expected))
            throw new DigestMismatchException("the config of container " + vmid, expected.hex(), actual.hex());
        return cur;
    }

    /** The compare failed: someone wrote (or deleted) between our read and our transaction. */
    private RuntimeException changed(int vmid, ConfigDigest expected) {
        Optional<KeyValue> now = get(vmid);
        if (now.isEmpty()) return new NoSuchContainerException(vmid, "etcd " + layout.config(node, vmid));
        return new DigestMismatchException("the config of container " + vmid, expected.hex(), ConfigDigest.of(now.get().getValue().getBytes()).hex());
    }
}
