package io.berth.ct.lifecycle2;

import java.util.ArrayDeque;
import java.util.Deque;

/** Teardown steps that run in reverse order of registration, each even when an earlier one failed. */
final class Undo implements AutoCloseable {
    @FunctionalInterface
    interface Step {
        void run() throws Exception;
    }

    private final Deque<Step> steps = new ArrayDeque<>();

    void push(Step s) {
        steps.push(s);
    }

    @Override
    public void close() {
        RuntimeException first = null;
        while (!steps.isEmpty()) {
            try {
                steps.pop().run();
            } catch (Exception e) {
                RuntimeException r = e instanceof RuntimeException re ? re : new IllegalStateException(e);
                if (first == null) first = r;
                else first.addSuppressed(r);
            }
        }
        if (first != null) throw first;
    }
}
