package io.berth.cluster;

import io.berth.config.Locks;
import java.time.Duration;
import java.util.Optional;

/**
 * A cluster node's operation lock: the cluster-wide etcd lock first (excludes every node), then the node's file
 * lock (which also holds the local config store's write lock, as code written for a single host expects).
 * Released in reverse.
 */
final class ClusterLocks implements Locks {
    private final Locks cluster;
    private final Locks local;

    ClusterLocks(Locks cluster, Locks local) {
        this.cluster = cluster;
        this.local = local;
    }

    @Override public Held lock(int vmid, String owner, Duration timeout) {
        Held c = cluster.lock(vmid, owner, timeout);
        try {
            Held l = local.lock(vmid, owner, timeout);
            return () -> {
                try {
                    l.close();
                } finally {
                    c.close();
                }
            };
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    @Override public Optional<Held> tryLock(int vmid, String owner, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Optional<Held> c = cluster.tryLock(vmid, owner, timeout);
        if (c.isEmpty()) return c;
        try {
            Optional<Held> l = local.tryLock(vmid, owner, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            if (l.isEmpty()) {
                c.get().close();
                return l;
            }
            return Optional.of(() -> {
                try {
                    l.get().close();
                } finally {
                    c.get().close();
                }
            });
        } catch (RuntimeException e) {
            c.get().close();
            throw e;
        }
    }

    @Override public Optional<String> owner(int vmid) { return cluster.owner(vmid).or(() -> local.owner(vmid)); }
}
