package io.berth.cluster;

import io.berth.config.Vmid;

/**
 * The key layout, as pmxcfs lays out /etc/pve: {@code /berth/nodes/NODE/lxc/VMID.conf} holds a container's
 * config on the node that owns it; {@code /berth/vmids/VMID} (value: the owning node) makes ids unique
 * cluster-wide; {@code /berth/locks/lxc/VMID} is the operation lock (bound to the holder's lease).
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
}
