package io.berth.ct.status;

import java.util.Optional;

/**
 * What status needs from a container's config: the display name, cpu count for the cpu share, and the configured
 * maxima shown while the container is stopped.
 */
public record StatusInput(int vmid, String name, double cpus, long maxmem, long maxswap, long maxdisk,
                          Optional<String> lock, boolean template) {}
