package io.berth.cluster;

import static io.berth.cluster.Etcd.await;
import static io.berth.cluster.Etcd.bytes;

import io.berth.config.BerthRoots;
import io.berth.config.ClusterBackend;
import io.berth.config.ConfigDigest;
import io.berth.config.ConfigStore;
import io.berth.error.ExistsException;
import io.berth.error.NotFoundException;
import io.berth.error.StateException;
import io.berth.sys.Reverter;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code berth cluster create|join|leave}, as {@code pvecm create|add|delnode}. A node brings its containers into
 * the cluster (their ids must be free cluster-wide: a join that would clash is refused before anything is
 * written) and takes them out again when it leaves, becoming a single host on files as before.
 */
public final class ClusterAdmin {
    private ClusterAdmin() {}

    /** What create/join did. */
    public record Joined(ClusterConf conf, List<Integer> imported) {}

    /** Creates the cluster {@code conf.cluster()} in an etcd that holds none under the prefix, with this node as first member. */
    public static Joined create(BerthRoots roots, ClusterConf conf) {
        notInCluster(roots);
        try (Client c = EtcdClients.open(conf)) {
            KV kv = c.getKVClient();
            EtcdLayout l = conf.layout();
            TxnResponse r = await(kv.txn().If(new Cmp(bytes(l.clusterName()), Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                    .Then(Op.put(bytes(l.clusterName()), bytes(conf.cluster()), PutOption.DEFAULT),
                            Op.put(bytes(l.secret()), bytes(NodeAuth.newSecret()), PutOption.DEFAULT))
                    .Else(Op.get(bytes(l.clusterName()), GetOption.DEFAULT)).commit(), conf.timeout(), "create the cluster");
            if (!r.isSucceeded()) {
                String other = r.getGetResponses().get(0).getKvs().get(0).getValue().toString(StandardCharsets.UTF_8);
                throw new ExistsException("etcd at " + conf.endpoints() + " already holds cluster '" + other + "' (prefix " + conf.prefix()
                        + "); join it with: berth cluster join --endpoints ...");
            }
            try (Reverter undo = new Reverter()) {
                undo.push("remove cluster " + conf.cluster(), () -> await(kv.delete(bytes(conf.prefix() + "/"),
                        DeleteOption.builder().isPrefix(true).build()), conf.timeout(), "remove the cluster"));
                Joined j = enter(roots, conf, c, undo);
                new SharedFiles(c, roots, conf.layout(), conf.timeout()).publish();
                undo.commit();
                return j;
            }
        }
    }

    /** Joins the cluster found at {@code conf.endpoints()} as node {@code conf.node()}. */
    public static Joined join(BerthRoots roots, ClusterConf conf) {
        notInCluster(roots);
        try (Client c = EtcdClients.open(conf)) {
            EtcdLayout l = conf.layout();
            String name = await(c.getKVClient().get(bytes(l.clusterName())), conf.timeout(), "read the cluster's name").getKvs().stream()
                    .findFirst().map(k -> k.getValue().toString(StandardCharsets.UTF_8))
                    .orElseThrow(() -> new NotFoundException("etcd at " + conf.endpoints() + " holds no cluster (prefix " + conf.prefix()
                            + "); make one with: berth cluster create NAME --endpoints ..."));
            if (!name.equals(conf.cluster()))
                throw new StateException("etcd at " + conf.endpoints() + " holds cluster '" + name + "', not '" + conf.cluster() + "'");
            NodeRegistry reg = new NodeRegistry(c, l, conf.timeout());
            if (reg.member(conf.node()).isPresent())
                throw new ExistsException("node name '" + conf.node() + "' is taken in cluster " + name + "; choose another with --node,"
                        + " or take the old node out first: berth cluster leave (on it)");
            Joined j;
            try (Reverter undo = new Reverter()) {
                j = enter(roots, conf, c, undo);
                undo.commit();
            }
            // as pvecm add: the node takes the cluster's storage.cfg, users, ACLs, tokens and ticket key
            new SharedFiles(c, roots, conf.layout(), conf.timeout()).pull();
            return j;
        }
    }

    /** Registers the node, brings its configs into the cluster and writes cluster.conf; undone by {@code undo} on failure. */
    private static Joined enter(BerthRoots roots, ClusterConf conf, Client c, Reverter undo) {
        EtcdLayout l = conf.layout();
        NodeRegistry reg = new NodeRegistry(c, l, conf.timeout());
        EtcdConfigRepository repo = new EtcdConfigRepository(c, conf.node(), l, conf.timeout());
        ConfigStore store = new ConfigStore(roots);
        List<Integer> local = store.list();
        Map<Integer, String> owners = repo.owners();
        List<String> clashes = new ArrayList<>();
        for (int id : local) if (owners.containsKey(id)) clashes.add(id + " (on node " + owners.get(id) + ")");
        if (!clashes.isEmpty())
            throw new ExistsException("cannot join: container ids of this node are in use in the cluster: " + String.join(", ", clashes)
                    + "; move them to free ids first (berth clone ID NEWID --full, then destroy), or back them up and restore under new ids");
        reg.put(new NodeRegistry.Member(conf.node(), conf.api(), Optional.empty(), Instant.now()));
        undo.push("unregister node " + conf.node(), () -> reg.remove(conf.node()));
        List<Integer> imported = new ArrayList<>();
        for (int id : local) {
            byte[] raw;
            try {
                raw = Files.readAllBytes(roots.containerConfig(id));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + roots.containerConfig(id) + ": " + e.getMessage(), e);
            }
            ConfigDigest d = repo.createRaw(id, raw);
            undo.push("remove container " + id + " from the cluster", () -> repo.delete(id, d));
            imported.add(id);
        }
        conf.write(roots);
        undo.push("remove " + roots.clusterConf(), () -> Files.deleteIfExists(roots.clusterConf()));
        ClusterBackend.forget(roots);
        return new Joined(conf, imported);
    }

    /**
     * Takes this node out of its cluster: its containers' configs and ids leave the cluster store (the files stay:
     * the node goes on as a single host with them), its entry, heartbeat and tasks are removed, cluster.conf goes.
     */
    public static List<Integer> leave(BerthRoots roots) {
        ClusterConf conf = ClusterConf.read(roots);
        List<Integer> removed = new ArrayList<>();
        try (Client c = EtcdClients.open(conf)) {
            EtcdConfigRepository repo = new EtcdConfigRepository(c, conf.node(), conf.layout(), conf.timeout());
            for (int id : repo.list()) {
                repo.delete(id, repo.read(id).digest());
                removed.add(id);
            }
            new NodeRegistry(c, conf.layout(), conf.timeout()).remove(conf.node());
            EtcdTaskIndex.forget(c.getKVClient(), conf.layout(), conf.node(), conf.timeout());
        }
        try {
            Files.deleteIfExists(roots.clusterConf());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + roots.clusterConf() + ": " + e.getMessage(), e);
        }
        ClusterBackend.forget(roots);
        return removed;
    }

    /**
     * {@code berth cluster move-config VMID NODE}: hands a container's config to another node in one etcd
     * transaction (the config, and the id's owner), as moving {@code /etc/pve/nodes/A/lxc/VMID.conf} to node B is
     * Proxmox's manual recovery when A is dead. Only the config moves: its volumes must be reachable from the target
     * (shared storage), and the container must not run on its old node. The read caches of both nodes follow by
     * watch. Returns the node it came from.
     */
    public static String moveConfig(ClusterNode node, int vmid, String target) {
        EtcdLayout l = node.layout();
        Map<Integer, String> owners = node.etcdConfigs().owners();
        String from = owners.get(vmid);
        if (from == null) throw new io.berth.config.NoSuchContainerException(vmid, "cluster " + node.conf().cluster());
        if (from.equals(target)) throw new StateException("container " + vmid + " is on node " + target + " already");
        node.registry().require(target);
        KV kv = node.client().getKVClient();
        var src = await(kv.get(bytes(l.config(from, vmid))), node.conf().timeout(), "read the config of container " + vmid).getKvs();
        if (src.isEmpty()) throw new io.berth.config.NoSuchContainerException(vmid, "etcd " + l.config(from, vmid));
        var kvSrc = src.get(0);
        TxnResponse r = await(kv.txn()
                .If(new Cmp(bytes(l.config(from, vmid)), Cmp.Op.EQUAL, CmpTarget.modRevision(kvSrc.getModRevision())),
                        new Cmp(bytes(l.config(target, vmid)), Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                .Then(Op.delete(bytes(l.config(from, vmid)), DeleteOption.DEFAULT),
                        Op.put(bytes(l.config(target, vmid)), kvSrc.getValue(), PutOption.DEFAULT),
                        Op.put(bytes(l.vmid(vmid)), bytes(target), PutOption.DEFAULT))
                .commit(), node.conf().timeout(), "move the config of container " + vmid);
        if (!r.isSucceeded())
            throw new io.berth.error.DigestMismatchException("the config of container " + vmid + " (changed while moving)", "", "");
        return from;
    }

    private static void notInCluster(BerthRoots roots) {
        if (Files.exists(roots.clusterConf()))
            throw new StateException("this node is in a cluster already (" + roots.clusterConf() + "); leave it first: berth cluster leave");
    }
}
