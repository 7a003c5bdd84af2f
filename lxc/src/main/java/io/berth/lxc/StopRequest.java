package io.berth.lxc;

import java.time.Duration;

/** How {@link LxcTools#stop} stops a container. */
public sealed interface StopRequest {
    /** Kill at once ({@code lxc-stop -k}). */
    record Kill() implements StopRequest {}

    /** Ask init to shut down (SIGPWR) and wait {@code timeout}; then kill if {@code killAfter}, else give up. */
    record Shutdown(Duration timeout, boolean killAfter) implements StopRequest {
        public Shutdown {
            if (timeout.isNegative()) throw new IllegalArgumentException("shutdown timeout " + timeout + " is negative");
        }
    }
}
