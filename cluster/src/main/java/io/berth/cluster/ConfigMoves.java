package io.berth.cluster;

import static io.berth.cluster.Etcd.await;
import static io.berth.cluster.Etcd.bytes;

import io.berth.config.ConfigDigest;
import io.berth.config.ConfigFile;
import io.berth.config.ConfigPrinter;
import io.berth.config.NoSuchContainerException;
import io.berth.error.DigestMismatchException;
import io.berth.error.ExistsException;
import io.etcd.jetcd.ByteSequence;
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
import java.util.Optional;

/**
 * Moves a container's config from one node to another in one etcd transaction, as renaming
 * {@code /etc/pve/nodes/SRC/lxc/VMID.conf} into {@code nodes/DST} does on pmxcfs: the source key is deleted (if its
 * mod revision is still the one read), the target key is created (if absent) and {@code /vmids/VMID} names the
 * target. So the container is on exactly one node at every revision, whoever reads. Used by migration (the config
 * rewritten for the target) and by HA recovery (the bytes unchanged).
 */
public final class ConfigMoves {
    private final KV kv;
    private final EtcdLayout layout;
    private final Duration timeout;

    public ConfigMoves(Client client, EtcdLayout layout, Duration timeout) {
        this.kv = client.getKVClient();
        this.layout = layout;
        this.timeout = timeout;
    }

    /** Moves with the config replaced by {@code next}, if the source's bytes still hash to {@code expected}. */
    public void move(int vmid, String from, String to, ConfigFile next, ConfigDigest expected) {
        KeyValue cur = current(vmid, from);
        ConfigDigest actual = ConfigDigest.of(cur.getValue().getBytes());
        if (!actual.equals(expected))
            throw new DigestMismatchException("the config of container " + vmid + " on node " + from, expected.hex(), actual.hex());
        txn(vmid, from, to, cur.getModRevision(), ConfigPrinter.print(next).getBytes(StandardCharsets.UTF_8));
    }

    /** Moves the config unchanged (HA recovery) if it is still at {@code modRevision}; false if it changed meanwhile. */
    public boolean moveUnchanged(int vmid, String from, String to, KeyValue cur) {
        try {
            txn(vmid, from, to, cur.getModRevision(), cur.getValue().getBytes());
            return true;
        } catch (DigestMismatchException | NoSuchContainerException e) {
            return false;
        }
    }

    /** The source key as it is now. */
    public KeyValue current(int vmid, String from) {
        return get(layout.config(from, vmid)).orElseThrow(() -> new NoSuchContainerException(vmid, "etcd " + layout.config(from, vmid)));
    }

    private Optional<KeyValue> get(String key) {
        return await(kv.get(bytes(key)), timeout, "read " + key).getKvs().stream().findFirst();
    }

    private void txn(int vmid, String from, String to, long modRevision, byte[] value) {
        ByteSequence src = bytes(layout.config(from, vmid)), dst = bytes(layout.config(to, vmid)), id = bytes(layout.vmid(vmid));
        TxnResponse r = await(kv.txn()
                .If(new Cmp(src, Cmp.Op.EQUAL, CmpTarget.modRevision(modRevision)), new Cmp(dst, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                .Then(Op.delete(src, DeleteOption.DEFAULT), Op.put(dst, bytes(value), PutOption.DEFAULT), Op.put(id, bytes(to), PutOption.DEFAULT))
                .Else(Op.get(dst, GetOption.DEFAULT), Op.get(src, GetOption.DEFAULT))
                .commit(), timeout, "move the config of container " + vmid + " from node " + from + " to node " + to);
        if (r.isSucceeded()) return;
        var gets = r.getGetResponses();
        if (!gets.get(0).getKvs().isEmpty())
            throw new ExistsException("container " + vmid + " already has a config on node " + to + " (" + layout.config(to, vmid) + ")");
        if (gets.get(1).getKvs().isEmpty()) throw new NoSuchContainerException(vmid, "etcd " + layout.config(from, vmid));
        throw new DigestMismatchException("the config of container " + vmid + " on node " + from, "revision " + modRevision,
                "revision " + gets.get(1).getKvs().get(0).getModRevision());
    }
}
