package io.berth.config;

/** How a change of a key reaches a running container. */
public enum ApplyMode {
    /** Metadata with no effect on the running container (description, onboot, tags, ...): written at once. */
    METADATA,
    /** Can be applied to the running container (memory, cpu limits, networks, mount points, devices, ...). */
    HOTPLUG,
    /** Takes effect at the next start; kept pending while the container runs. */
    RESTART
}
