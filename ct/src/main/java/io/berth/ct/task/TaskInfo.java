package io.berth.ct.task;

import java.util.OptionalLong;

/** One task as listed: its id, status and, when finished, its end time (epoch seconds). */
public record TaskInfo(Upid upid, TaskStatus status, OptionalLong endtime) {
    public boolean running() { return status instanceof TaskStatus.Running; }
}
