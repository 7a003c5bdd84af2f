package io.berth.ct.status;

import java.util.Optional;

/**
 * What {@code berth status}/{@code list} report about one container; figures of a stopped container are 0 except
 * the configured maxima. Sizes are bytes, times seconds, {@code cpu} is the share of the container's cpus (1.0 = all
 * of them busy).
 */
public record ContainerStatus(
        int vmid,
        String name,
        State status,
        Optional<Integer> pid,
        long uptime,
        double cpu,
        double cpus,
        long mem,
        long maxmem,
        long swap,
        long maxswap,
        long disk,
        long maxdisk,
        long diskread,
        long diskwrite,
        long netin,
        long netout,
        Optional<String> lock,
        boolean template) {

    /** The states Proxmox reports; a frozen container is {@code running} with LXC state FROZEN, as pct shows. */
    public enum State {
        RUNNING, STOPPED;

        public String key() { return name().toLowerCase(java.util.Locale.ROOT); }
    }

    public boolean running() { return status == State.RUNNING; }
}
