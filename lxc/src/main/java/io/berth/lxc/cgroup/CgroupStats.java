package io.berth.lxc.cgroup;

/**
 * Resource figures of one running container, read from its cgroups and from /proc (no process spawned).
 * Limits are {@link #UNLIMITED} when the cgroup has none; figures the host does not account (e.g. swap without
 * swap accounting) are 0.
 *
 * @param cpuUsageNanos    total cpu time used by the container's cgroup
 * @param memoryUsageBytes the kernel's memory usage counter (includes page cache)
 * @param memoryCacheBytes page cache part of that usage (v1 {@code total_cache}, v2 {@code file})
 * @param memoryLimitBytes memory limit
 * @param swapUsageBytes   swap in use
 * @param swapLimitBytes   swap limit (v1: memsw limit minus memory limit)
 * @param ioReadBytes      bytes read from block devices
 * @param ioWriteBytes     bytes written to block devices
 * @param pids             tasks in the cgroup
 * @param netInBytes       bytes received by the container's interfaces (without lo)
 * @param netOutBytes      bytes sent by the container's interfaces (without lo)
 * @param uptimeMillis     time since the container's init started
 */
public record CgroupStats(long cpuUsageNanos, long memoryUsageBytes, long memoryCacheBytes, long memoryLimitBytes,
                          long swapUsageBytes, long swapLimitBytes, long ioReadBytes, long ioWriteBytes, long pids,
                          long netInBytes, long netOutBytes, long uptimeMillis) {
    public static final long UNLIMITED = -1;

    /** Memory as Proxmox shows it: usage without page cache. */
    public long memoryBytes() { return Math.max(0, memoryUsageBytes - memoryCacheBytes); }
}
