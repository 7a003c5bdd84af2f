package io.berth.ct.phases;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Where the time of one operation goes, for {@code bench/run.sh}'s per-phase breakdown of {@code berth start}. A
 * caller that wants the figures runs the operation inside {@link #record}; the operation calls {@link #mark} at the
 * end of each phase, which costs nothing when nobody records. Times are wall-clock, so that a hook that runs in
 * another request (or, without berthd, another process) can report its phases through a file
 * ({@link #appendTo}/{@link #readFrom}) and they line up with the caller's.
 */
public final class Phases {
    private static final ScopedValue<Phases> CURRENT = ScopedValue.newInstance();
    /** In the container's dir: the pre-start hook's phases, while a recorded start runs. */
    public static final String HOOK_FILE = "start-phases";

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

    /** {@link #mark(String)} on a recording taken with {@link #current()} (null: nothing). */
    public static void mark(Phases p, String name) {
        if (p == null) return;
        synchronized (p) {
            long t = now();
            p.phases.add(new Phase(name, p.last, t));
            p.last = t;
        }
    }

    /**
     * Ends the phase {@code name} like {@link #mark}, but splits it around {@code inner} phases that ran in another
     * request during it (the pre-start hook during lxc-start): {@code name.before-hook}, the inner ones,
     * {@code name.after-hook}. Phase names have no spaces.
     */
    public static void markAround(String name, List<Phase> inner) {
        if (!CURRENT.isBound()) return;
        Phases p = CURRENT.get();
        long t = now();
        List<Phase> in = inner.stream().filter(i -> i.startNs() >= p.last && i.endNs() <= t)
                .sorted(java.util.Comparator.comparingLong(Phase::startNs)).toList();
        if (in.isEmpty()) {
            mark(name);
            return;
        }
        p.phases.add(new Phase(name + ".before-hook", p.last, in.getFirst().startNs()));
        p.phases.addAll(in);
        p.phases.add(new Phase(name + ".after-hook", in.getLast().endNs(), t));
        p.last = t;
    }

    /** Appends phases to {@code file} if it exists (the recording side created it); one line each. */
    public static void appendTo(Path file, List<Phase> phases) {
        if (!Files.exists(file)) return;
        StringBuilder sb = new StringBuilder();
        for (Phase ph : phases) sb.append(ph.name().replace(' ', '_')).append(' ').append(ph.startNs()).append(' ').append(ph.endNs()).append('\n');
        try {
            Files.writeString(file, sb, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            // figures for a benchmark: never worth failing the hook
        }
    }

    /** The phases {@link #appendTo} wrote; an unreadable or missing file gives none. */
    public static List<Phase> readFrom(Path file) {
        List<Phase> out = new ArrayList<>();
        try {
            for (String l : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String[] f = l.split(" ");
                if (f.length == 3) out.add(new Phase(f[0].replace('_', ' '), Long.parseLong(f[1]), Long.parseLong(f[2])));
            }
        } catch (IOException | NumberFormatException e) {
            // no figures
        }
        return out;
    }

    /** Records phases locally for code that reports them elsewhere (the hook): {@link #lap} ends each. */
    public static final class Laps {
        private final List<Phase> phases = new ArrayList<>();
        private long last = now();

        public void lap(String name) {
            long t = now();
            phases.add(new Phase(name, last, t));
            last = t;
        }

        public List<Phase> phases() { return List.copyOf(phases); }
    }
}
