package io.berth.lxc.host;

/** How the host mounts cgroups. LXC 5 ignores every {@code lxc.cgroup2.*} limit unless the host is {@link #UNIFIED}. */
public enum CgroupMode {
    /** Only v1 hierarchies. */
    LEGACY,
    /** v1 controllers plus an (empty or nearly empty) cgroup2 hierarchy, e.g. at /sys/fs/cgroup/unified. */
    HYBRID,
    /** Pure cgroup v2 at /sys/fs/cgroup, as on current Proxmox hosts. */
    UNIFIED
}
