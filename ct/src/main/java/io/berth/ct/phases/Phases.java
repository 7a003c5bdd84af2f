package io.berth.ct.phases;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Where the time of one operation goes, for {@code bench/run.sh}'s per-phase breakdown of {@code berth start}. A
 * caller that wants the figures runs the operation inside {@link #record}; the operation calls {@link #mark} at the
 * end of each phase, which costs nothing when nobody records; code that goes on on another thread marks there too
 * ({@link #current}, {@link #with}).
 */
public final class Phases {
    private static final ScopedValue<Phases> CURRENT = ScopedValue.newInstance();

    /** One phase: from {@code startNs} to {@code endNs}, nanoseconds since the epoch. */
    public record Phase(String name, long startNs, long endNs) {
        public double millis() { return (endNs - startNs) / 1e6; }
    }

    private final List<Phase> phases = new ArrayList<>();
    private long last;

    private Phases(long start) {
        this.last = start;
    }

    /** The clock of every phase: nanoseconds since the epoch (microsecond resolution on Linux). */
    public static long now() {
        Instant i = Instant.now();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    /** Runs {@code body}, recording the phases it marks; returns them in order with its result. */
    public static <T> Recorded<T> record(Supplier<T> body) {
        Phases p = new Phases(now());
        T result = ScopedValue.where(CURRENT, p).call(body::get);
        return new Recorded<>(result, List.copyOf(p.phases));
    }

    /**
     * {@link #record(Supplier)} for a command berthd received at {@code receivedNs}: the first phase, {@code request},
     * is the time from then until {@code body} began (parsing, the command's own checks), and a last one,
     * {@code finish}, the time after its last mark (what the operation does after its last phase, e.g. ending its
     * task), so that the phases cover the whole request and only the client and the transport are left outside.
     */
    public static <T> Recorded<T> record(long receivedNs, Supplier<T> body) {
        long begin = now();
        Phases p = new Phases(begin);
        T result = ScopedValue.where(CURRENT, p).call(body::get);
        long end = now();
        List<Phase> all = new ArrayList<>();
        all.add(new Phase("request", Math.min(receivedNs, begin), begin));
        synchronized (p) {
            all.addAll(p.phases);
            all.add(new Phase("finish", p.last, end));
        }
        return new Recorded<>(result, List.copyOf(all));
    }

    public record Recorded<T>(T result, List<Phase> phases) {
        /** {@code name=ms} pairs, e.g. {@code lock=0.12 render=0.80}, as the bench parses them. */
        public String line() {
            StringBuilder sb = new StringBuilder();
            for (Phase p : phases) {
                if (!sb.isEmpty()) sb.append(' ');
                sb.append(p.name()).append('=').append(String.format(Locale.ROOT, "%.2f", p.millis()));
            }
            return sb.toString();
        }
    }

    /** Whether the current operation records its phases. */
    public static boolean recording() {
        return CURRENT.isBound();
    }

    /** Ends the phase {@code name}, which began at the previous mark (or when recording began). */
    public static void mark(String name) {
        if (CURRENT.isBound()) mark(CURRENT.get(), name);
    }

    /** The current recording, for code that goes on on another thread (a mount namespace's); null when none. */
    public static Phases current() {
        return CURRENT.isBound() ? CURRENT.get() : null;
    }

    /** Runs {@code body} with {@code p} (from {@link #current()}, null: none) as the current recording, e.g. on another thread. */
    public static <T> T with(Phases p, Supplier<T> body) {
        return p == null ? body.get() : ScopedValue.where(CURRENT, p).call(body::get);
    }

    /** {@link #mark(String)} on a recording taken with {@link #current()} (null: nothing). */
    public static void mark(Phases p, String name) {
        if (p == null) return;
        synchronized (p) {
            long t = now();
            p.phases.add(new Phase(name, p.last, t));
            p.last = t;
        }
    }
}
