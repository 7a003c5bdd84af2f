package io.berth.sys;

import io.berth.error.HostFailureException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The one undo stack: each step that changed something pushes how to undo it; {@link #commit()} on success
 * forgets them, {@link #close()} without commit runs them in reverse. Every undo runs even when one fails; the
 * failures are reported together (as an exception suppressed into the operation's own failure by
 * try-with-resources), so a half-undone state is never silent.
 *
 * <pre>{@code
 * try (Reverter undo = new Reverter()) {
 *     Volume v = storage.alloc(...);
 *     undo.push("free " + v, () -> storage.free(v));
 *     ...
 *     undo.commit();
 * }
 * }</pre>
 */
public final class Reverter implements AutoCloseable {
    /** An undo action; may throw anything, which is collected, never propagated past the other undos. */
    @FunctionalInterface
    public interface Undo {
        void run() throws Exception;
    }

    private record Step(String what, Undo undo) {}

    private final Deque<Step> steps = new ArrayDeque<>();
    private boolean committed;

    /** Registers how to undo the step just done; {@code what} names it in the report if the undo fails. */
    public void push(String what, Undo undo) {
        if (committed) throw new IllegalStateException("Reverter already committed");
        steps.push(new Step(what, undo));
    }

    /** The operation succeeded: nothing will be undone. */
    public void commit() {
        committed = true;
        steps.clear();
    }

    /** Runs the pending undos now (newest first) and reports failed ones; afterwards the stack is empty. */
    public void revert() {
        List<Exception> failures = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        while (!steps.isEmpty()) {
            Step s = steps.pop();
            try {
                s.undo().run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failed.add(s.what() + ": interrupted");
                failures.add(e);
            } catch (Exception e) {
                failed.add(s.what() + ": " + e.getMessage());
                failures.add(e);
            }
        }
        if (!failures.isEmpty()) {
            HostFailureException e = new HostFailureException("undo incomplete, left behind: " + String.join("; ", failed));
            failures.forEach(e::addSuppressed);
            throw e;
        }
    }

    @Override public void close() {
        if (!committed) revert();
    }
}
