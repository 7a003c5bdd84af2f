package io.berth.cluster;

import static io.berth.cluster.Etcd.await;
import static io.berth.cluster.Etcd.bytes;

import io.berth.config.BerthRoots;
import io.berth.config.ClusterBackend;
import io.berth.config.ConfigRepository;
import io.berth.config.ConfigStore;
import io.berth.config.FileLocks;
import io.berth.config.Locks;
import io.berth.error.HostFailureException;
import io.berth.error.NotFoundException;
import io.etcd.jetcd.Client;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/**
 * This node as a member of its cluster: the etcd client of {@code cluster.conf} and what is built on it (the
 * etcd config repository of this node, cluster-wide locks, the node registry, node-to-node auth and calls, the
 * read cache). One per root and JVM, opened through {@link ClusterBackend#of} (the {@link Provider} below is the
 * {@link java.util.ServiceLoader} service), so ct, berthd and the CLI share it.
 */
public final class ClusterNode implements ClusterBackend, AutoCloseable {
    private final BerthRoots roots;
    private final ClusterConf conf;
    private final Client client;
    private final EtcdConfigRepository configs;
    private final Locks locks;
    private final NodeRegistry registry;
    private final ConfigMirror mirror;
    private final SharedFiles files;
    private final EtcdTaskIndex tasks;
    private volatile NodeAuth auth;

    /** The {@link ClusterBackend} service: opens the node of a root whose cluster.conf exists. */
    public static final class Provider implements ClusterBackend.Provider {
        @Override public ClusterBackend open(BerthRoots roots) { return ClusterNode.open(roots, ClusterConf.read(roots)); }
    }

    private ClusterNode(BerthRoots roots, ClusterConf conf, Client client) {
        this.roots = roots;
        this.conf = conf;
        this.client = client;
        EtcdLayout layout = conf.layout();
        this.configs = new EtcdConfigRepository(client, conf.node(), layout, conf.timeout());
        this.locks = new ClusterLocks(new EtcdLocks(client, layout, conf.ttl(), conf.timeout()), new FileLocks(roots));
        this.registry = new NodeRegistry(client, layout, conf.timeout());
        this.mirror = new ConfigMirror(client, layout, conf.node(), new ConfigStore(roots), conf.timeout());
        this.files = new SharedFiles(client, roots, layout, conf.timeout());
        // a task's end must not wait the full timeout for a cluster without quorum: the node's own index has it
        this.tasks = new EtcdTaskIndex(client, layout, conf.node(), conf.timeout().compareTo(Duration.ofSeconds(3)) < 0 ? conf.timeout() : Duration.ofSeconds(3));
    }

    /** Opens the node of {@code conf} (not cached: use {@link #of} for the shared one). */
    public static ClusterNode open(BerthRoots roots, ClusterConf conf) {
        return new ClusterNode(roots, conf, EtcdClients.open(conf));
    }

    /** The shared node of {@code roots}; {@link NotFoundException} for a host that is in no cluster. */
    public static ClusterNode of(BerthRoots roots) {
        return ClusterBackend.of(roots).map(b -> (ClusterNode) b).orElseThrow(() -> new NotFoundException("this node is not in a cluster ("
                + roots.clusterConf() + " does not exist); create one with: berth cluster create NAME, or join one with: berth cluster join"));
    }

    @Override public String node() { return conf.node(); }

    @Override public ConfigRepository configs() { return configs; }

    /** The etcd repository of this node's configs (cluster-wide owners of every id: {@link EtcdConfigRepository#owners}). */
    public EtcdConfigRepository etcdConfigs() { return configs; }

    /** The etcd repository of another node's configs (read-only use: forwarding, cluster resources). */
    public EtcdConfigRepository configsOf(String node) {
        return node.equals(conf.node()) ? configs : new EtcdConfigRepository(client, node, conf.layout(), conf.timeout());
    }

    @Override public Locks locks() { return locks; }

    @Override public EtcdTaskIndex tasks() { return tasks; }

    /**
     * The lowest container id at or above {@code from} that no node uses (as {@code /cluster/nextid}); a create
     * with it can still lose to a concurrent one (create is create-if-absent cluster-wide): take the next then.
     */
    public int nextId(int from) {
        java.util.Set<Integer> used = configs.owners().keySet();
        for (int id = Math.max(100, from); id <= 999_999_999; id++) if (!used.contains(id)) return id;
        throw new io.berth.error.HostFailureException("no free container id at or above " + from);
    }

    public BerthRoots roots() { return roots; }

    public ClusterConf conf() { return conf; }

    public Client client() { return client; }

    public EtcdLayout layout() { return conf.layout(); }

    public NodeRegistry registry() { return registry; }

    public ConfigMirror mirror() { return mirror; }

    /** storage.cfg and the access files, shared by every node. */
    public SharedFiles files() { return files; }

    /** Signs and checks node-to-node requests with the cluster's secret (read from etcd once). */
    public NodeAuth auth() {
        NodeAuth a = auth;
        if (a != null) return a;
        String s = await(client.getKVClient().get(bytes(layout().secret())), conf.timeout(), "read the cluster's node key").getKvs().stream()
                .findFirst().map(k -> k.getValue().toString(StandardCharsets.UTF_8))
                .orElseThrow(() -> new HostFailureException("the cluster has no node key (" + layout().secret() + "): was it made by berth cluster create?"));
        auth = a = new NodeAuth(Base64.getDecoder().decode(s));
        return a;
    }

    /** Calls other nodes' API servers as this node. */
    public NodeClient nodes() { return new NodeClient(conf.node(), registry, auth(), conf.timeout()); }

    /** The etcd members, their health and the quorum. */
    public ClusterStatus storeStatus() { return ClusterStatus.of(client, conf.timeout()); }

    @Override public void close() {
        mirror.close();
        files.close();
        client.close();
    }
}
