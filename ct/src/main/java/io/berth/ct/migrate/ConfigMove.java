package io.berth.ct.migrate;

import io.berth.config.ConfigDigest;
import io.berth.config.ConfigFile;

/**
 * Moves a container's config from this node to another in one atomic step (on etcd: one transaction deleting
 * {@code /nodes/SRC/lxc/VMID.conf}, creating {@code /nodes/DST/lxc/VMID.conf} and re-pointing {@code /vmids/VMID}),
 * so the container is at every moment on exactly one node. Fails (changing nothing) when the source config no longer
 * has the digest {@code expected} or the target already has a config of that id.
 */
@FunctionalInterface
public interface ConfigMove {
    void move(int vmid, ConfigFile newConfig, ConfigDigest expected, String targetNode);
}
