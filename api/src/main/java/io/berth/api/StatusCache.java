package io.berth.api;

import io.berth.ct.ContainerService;
import io.berth.ct.status.ContainerStatus;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * {@code status/current} reads per container at most once per {@link #TTL_NANOS}: a reading costs a config parse,
 * a query on LXC's command socket, cgroup files and a statvfs (~0.5 ms), and a dashboard or a monitoring script asks
 * far more often than the numbers move (Proxmox's own status daemon samples every 10 s). Once a reading is older, one
 * caller reads anew while concurrent callers still get the previous one, so no request waits behind another's read.
 * A write through the API on a container, and the end of a task on it, drop its reading: the next request reads
 * afresh, so a client that started a container and waited for the task never sees it stopped.
 */
final class StatusCache {
    static final long TTL_NANOS = 1_000_000_000L;

    private record Entry(ContainerStatus status, long readAt) {}

    private final ContainerService ct;
    private final LongSupplier clock;
    private final Map<Integer, Entry> entries = new ConcurrentHashMap<>();
    private final Map<Integer, Boolean> refreshing = new ConcurrentHashMap<>();
    /** When a container's reading was last dropped: a read that started before is not kept. */
    private final Map<Integer, Long> droppedAt = new ConcurrentHashMap<>();

    StatusCache(ContainerService ct) { this(ct, System::nanoTime); }

    StatusCache(ContainerService ct, LongSupplier clock) {
        this.ct = ct;
        this.clock = clock;
    }

    ContainerStatus get(int vmid) {
        long now = clock.getAsLong();
        Entry e = entries.get(vmid);
        if (e != null && now - e.readAt() < TTL_NANOS) return e.status();
        // stale: one caller reads, the others keep answering with the previous reading meanwhile
        if (e != null && refreshing.putIfAbsent(vmid, Boolean.TRUE) != null) return e.status();
        try {
            long started = clock.getAsLong();
            ContainerStatus s;
            try {
                s = ct.status(vmid);
            } catch (RuntimeException gone) {
                entries.remove(vmid);
                throw gone;
            }
            Long dropped = droppedAt.get(vmid);
            if (dropped == null || started > dropped) entries.put(vmid, new Entry(s, started));
            return s;
        } finally {
            if (e != null) refreshing.remove(vmid);
        }
    }

    /** Forgets the reading of {@code vmid} (a change through the API, a task on it ended). */
    void drop(int vmid) {
        droppedAt.put(vmid, clock.getAsLong());
        entries.remove(vmid);
    }

    /** Number of containers with a reading (for tests). */
    int size() { return entries.size(); }
}
