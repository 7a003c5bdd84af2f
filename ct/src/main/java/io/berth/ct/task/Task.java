package io.berth.ct.task;

/** The running task as its body sees it: where to log and report progress. Thread-safe. */
public interface Task {
    Upid upid();

    /** A line for the task log (shown by {@code berth task log} and the API). */
    void log(String line);

    /** A non-fatal problem: logged, counted, and the task ends with {@code WARNINGS: n} instead of {@code OK}. */
    void warn(String line);

    /** How far the task is, 0..100, and what it is doing now. */
    void progress(int percent, String step);
}
