package io.berth.ct;

import java.io.PrintStream;

/** Receives extraction progress: bytes of the (compressed) archive consumed so far. */
@FunctionalInterface
public interface Progress {
    void update(long done, long total);

    default void finish(long total) { update(total, total); }

    Progress NONE = (done, total) -> {};

    /**
     * A bar redrawn in place when {@code out} is a terminal, otherwise a plain line every 25 %.
     */
    static Progress bar(PrintStream out, boolean tty, String label) {
        return new Progress() {
            private int lastPct = -1;

            @Override public void update(long done, long total) {
                int pct = total <= 0 ? 100 : (int) Math.min(100, done * 100 / total);
                if (pct == lastPct) return;
                if (tty) {
                    int w = 40, filled = pct * w / 100;
                    out.print("\r" + label + " [" + "#".repeat(filled) + " ".repeat(w - filled) + "] " + pct + "%");
                    if (pct == 100) out.println();
                } else if (pct / 25 != lastPct / 25 || lastPct < 0) {
                    out.println(label + ": " + pct + "%");
                }
                out.flush();
                lastPct = pct;
            }
        };
    }
}
