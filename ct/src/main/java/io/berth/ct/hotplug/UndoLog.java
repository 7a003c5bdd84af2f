package io.berth.ct.hotplug;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Steps of one live change that must be reverted if a later step fails. {@link #rollback} runs them in
 * reverse order and keeps going when one fails, attaching that failure to the original error.
 */
public final class UndoLog {
    @FunctionalInterface
    public interface Step {
        void run() throws Exception;
    }

    private record Entry(String what, Step step) {}

    private final Deque<Entry> steps = new ArrayDeque<>();

    /** Registers how to undo the step that just succeeded. */
    public void push(String what, Step undo) {
        steps.push(new Entry(what, undo));
    }

    /** Undoes everything in reverse order; failures are added to {@code cause} as suppressed. */
    public void rollback(Throwable cause) {
        while (!steps.isEmpty()) {
            Entry e = steps.pop();
            try {
                e.step.run();
            } catch (Exception | Error ex) {
                cause.addSuppressed(new HotplugException("undo '" + e.what + "' failed: " + ex.getMessage(), ex));
            }
        }
    }

    /** Forgets the undo steps once the whole change succeeded. */
    public void commit() {
        steps.clear();
    }
}
