package io.berth.ct.lifecycle;

import java.nio.file.Path;

/**
 * Where LXC and the hooks keep a container's runtime files, under the lxcpath: {@code <lxcpath>/<vmid>/config},
 * the (empty) {@code rootfs} mount dir the pre-start hook mounts onto, the LXC log and the warnings file.
 */
public record CtPaths(Path lxcPath, int vmid) {
    public String name() { return Integer.toString(vmid); }

    public Path dir() { return lxcPath.resolve(name()); }

    public Path lxcConfig() { return dir().resolve("config"); }

    public Path rootfsMount() { return dir().resolve("rootfs"); }

    public Path log() { return dir().resolve("console-start.log"); }

    /** Warnings of the last pre-start hook, printed by {@code berth start}. */
    public Path warnings() { return dir().resolve("start-warnings"); }

    /** Written by the pre-start hook when it failed, so {@code berth start} can show the reason. */
    public Path hookError() { return dir().resolve("hook-error"); }

    /** Present while a start runs with {@code --skiplock}, so the hooks skip the lock check too. */
    public Path skiplockFlag() { return dir().resolve("skiplock"); }

    /**
     * Where pre-start makes the devN nodes (a tmpfs in the monitor's mount namespace) for autodev to bind-mount into
     * the container's /dev: an unprivileged container's autodev hook runs in its user namespace and cannot mknod.
     */
    public Path passthroughDir() { return dir().resolve("passthrough"); }

    /** The devN container paths of the current start, one per line, from pre-start for autodev. */
    public Path devicesFile() { return dir().resolve("devices"); }

    /** What the pre-start hook mounted, so post-stop can release exactly that (loop devices, volumes). */
    public Path mountState() { return dir().resolve("mounted"); }
}
