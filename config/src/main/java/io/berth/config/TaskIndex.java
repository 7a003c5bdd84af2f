package io.berth.config;

import java.util.List;
import java.util.OptionalLong;

/**
 * Where a node's task index lives (which tasks started, which ended, when and how). Storage-agnostic, as
 * {@link ConfigRepository}: the file implementation ({@code ct.task.FileTaskIndex}, {@code <state>/tasks/active}
 * and {@code index}) is every node's own; a cluster node also writes its entries to the cluster's index
 * ({@link ClusterBackend#tasks()}, etcd, under a per-node prefix), which lists the tasks of every node, offline ones
 * included. Task ids are Proxmox UPID strings here (the parsing is the task code's).
 */
public interface TaskIndex {
    /**
     * One task: its UPID, and once it ended its end time (epoch seconds) and status ({@code OK},
     * {@code WARNINGS: n}, the error, {@code unexpected status}); {@code status} is empty while it runs.
     */
    record Entry(String upid, OptionalLong endtime, String status) {
        public boolean running() { return endtime.isEmpty(); }
    }

    /** Records that the task started (it is listed as running until {@link #finished}). */
    void started(String upid);

    /** Records the task's end. */
    void finished(String upid, long endtime, String status);

    /** Every task the index knows, in no particular order (a finished task once, as finished). */
    List<Entry> entries();
}
