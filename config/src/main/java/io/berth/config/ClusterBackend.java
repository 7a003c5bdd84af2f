package io.berth.config;

import io.berth.error.HostFailureException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This node's membership in a cluster. A node is in a cluster exactly when {@code <config>/cluster.conf} exists
 * ({@link BerthRoots#clusterConf}); without it Berth works on files alone, as a single host always has. The
 * implementation (module {@code cluster}, on etcd) is found with {@link ServiceLoader}, so {@code config} and
 * {@code ct} never see etcd.
 *
 * <p>In a cluster the local files stay the node's read cache (reads are local-speed), and {@link ConfigStore}
 * writes every change through {@link #configs()} first: a create must win the cluster-wide id, a write or delete
 * must still match the cluster's digest, and without quorum the change is refused before the file is touched.
 */
public interface ClusterBackend {
    /** This node's name in the cluster. */
    String node();

    /** The cluster's copy of this node's container configs (compare-and-swap on the digest). */
    ConfigRepository configs();

    /** Cluster-wide operation locks (held across nodes, released when the holder dies). */
    Locks locks();

    /** The cluster's task index: every node's tasks, written by each node under its own name. */
    TaskIndex tasks();

    /**
     * This node's cluster name from {@code cluster.conf} (its {@code node:} line) without opening the cluster, or
     * empty for a single host: task ids carry it (Proxmox's UPID node field), so that they route to this node.
     */
    static Optional<String> nodeName(BerthRoots roots) {
        List<String> lines;
        // a single host has none: asked first, as the NoSuchFileException (a stack trace) cost more, several times per operation
        if (!Files.exists(roots.clusterConf())) return Optional.empty();
        try {
            lines = Files.readAllLines(roots.clusterConf());
        } catch (java.nio.file.NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new HostFailureException("cannot read " + roots.clusterConf() + ": " + e.getMessage(), e);
        }
        for (String l : lines) {
            String s = l.strip();
            if (s.startsWith("node:")) return Optional.of(s.substring(5).strip()).filter(n -> !n.isEmpty());
        }
        return Optional.empty();
    }

    /** Opens the backend of a node whose cluster.conf exists. Registered as a {@link ServiceLoader} service. */
    interface Provider {
        ClusterBackend open(BerthRoots roots);
    }

    /** The node's cluster, or empty for a single host; the opened backend is kept for the life of the JVM. */
    static Optional<ClusterBackend> of(BerthRoots roots) {
        Path conf = roots.clusterConf();
        long stamp;
        BasicFileAttributes a;
        try {
            // null for a single host, without a NoSuchFileException (a stack trace) on each of several calls per operation
            a = conf.getFileSystem().provider().readAttributesIfExists(conf, BasicFileAttributes.class);
        } catch (IOException e) {
            a = null;
        }
        if (a == null) {
            Holder.OPEN.remove(roots);
            return Optional.empty();
        }
        stamp = a.lastModifiedTime().toMillis() * 31 + a.size();
        Holder.Opened o = Holder.OPEN.get(roots);
        if (o != null && o.stamp == stamp) return Optional.of(o.backend);
        synchronized (Holder.OPEN) {
            o = Holder.OPEN.get(roots);
            if (o != null && o.stamp == stamp) return Optional.of(o.backend);
            Provider p = ServiceLoader.load(Provider.class, ClusterBackend.class.getClassLoader()).findFirst()
                    .orElseThrow(() -> new HostFailureException("this node is in a cluster (" + conf + " exists) but the cluster "
                            + "module is not on the class path of this program; run it through bin/berth, or remove " + conf
                            + " to work as a single host", null));
            ClusterBackend b = p.open(roots);
            Holder.OPEN.put(roots, new Holder.Opened(stamp, b));
            return Optional.of(b);
        }
    }

    /** Cluster-wide locks in a cluster, the node's file locks otherwise. */
    static Locks locks(BerthRoots roots) {
        FileLocks file = new FileLocks(roots);
        // decided per call: a long-lived service (berthd) follows a join or a leave without a restart
        return new Locks() {
            private Locks now() { return of(roots).map(ClusterBackend::locks).orElse(file); }

            @Override public Held lock(int vmid, String owner, java.time.Duration timeout) { return now().lock(vmid, owner, timeout); }

            @Override public Optional<Held> tryLock(int vmid, String owner, java.time.Duration timeout) {
                return now().tryLock(vmid, owner, timeout);
            }

            @Override public Optional<String> owner(int vmid) { return now().owner(vmid); }
        };
    }

    /** Forgets the opened backend of {@code roots} (after {@code cluster leave}). */
    static void forget(BerthRoots roots) { Holder.OPEN.remove(roots); }

    final class Holder {
        private Holder() {}

        record Opened(long stamp, ClusterBackend backend) {}

        static final Map<BerthRoots, Opened> OPEN = new ConcurrentHashMap<>();
    }
}
