package io.berth.cluster;

import io.berth.config.Vmid;

/**
 * The key layout, as pmxcfs lays out /etc/pve: {@code /berth/nodes/NODE/lxc/VMID.conf} holds a container's
 * config on the node that owns it; {@code /berth/vmids/VMID} (value: the owning node) makes ids unique
 * cluster-wide; {@code /berth/locks/lxc/VMID} is the operation lock (bound to the holder's lease);
 * {@code /berth/cluster/...} holds the membership (members, heartbeats, the node-to-node key).
 */
public record EtcdLayout(String prefix) {
    public static final EtcdLayout DEFAULT = new EtcdLayout("/berth");

    public EtcdLayout {
        if (prefix == null || !prefix.startsWith("/") || prefix.endsWith("/"))
            throw new IllegalArgumentException("prefix must start and not end with '/': " + prefix);
    }

    public static String checkNode(String node) {
        if (node == null || !node.matches("[a-zA-Z0-9]([a-zA-Z0-9-]{0,62})"))
            throw new io.berth.error.InvalidInputException("node", "'" + node + "' is not a valid node name");
        return node;
    }

    public String nodeDir(String node) { return prefix + "/nodes/" + checkNode(node) + "/lxc/"; }

    public String config(String node, int vmid) { return nodeDir(node) + Vmid.check(vmid) + ".conf"; }

    public String vmidsDir() { return prefix + "/vmids/"; }

    public String vmid(int vmid) { return vmidsDir() + Vmid.check(vmid); }

    public String lock(int vmid) { return prefix + "/locks/lxc/" + Vmid.check(vmid); }

    /** Every node's config dir: {@code /berth/nodes/}. */
    public String nodesDir() { return prefix + "/nodes/"; }

    /** {@code /berth/cluster/name}: the cluster's name, written once by {@code cluster create}. */
    public String clusterName() { return prefix + "/cluster/name"; }

    /** {@code /berth/cluster/secret}: the key that signs node-to-node requests. */
    public String secret() { return prefix + "/cluster/secret"; }

    /** {@code /berth/cluster/members/NODE}: a member node (JSON: API address, certificate fingerprint); no lease. */
    public String membersDir() { return prefix + "/cluster/members/"; }

    public String member(String node) { return membersDir() + checkNode(node); }

    /** {@code /berth/cluster/alive/NODE}: the node's heartbeat, bound to a lease its berthd keeps alive. */
    public String aliveDir() { return prefix + "/cluster/alive/"; }

    public String alive(String node) { return aliveDir() + checkNode(node); }

    /** {@code /berth/tasks/}: the cluster's task index, {@code NODE/active/UPID} and {@code NODE/index/UPID} ({@link EtcdTaskIndex}). */
    public String tasksDir() { return prefix + "/tasks/"; }
}
