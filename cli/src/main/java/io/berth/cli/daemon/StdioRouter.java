package io.berth.cli.daemon;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * Sends what code writes to System.out / System.err during a daemon request to that request's
 * client instead of the daemon's log. Commands should print through picocli's writers, but code deep
 * in the service layer (or a library) may still use System.out; this keeps such output with its
 * client even when several requests run at once.
 */
final class StdioRouter {
    record Sinks(PrintWriter out, PrintWriter err) {}

    static final ScopedValue<Sinks> SINKS = ScopedValue.newInstance();

    private StdioRouter() {}

    static synchronized void install() {
        if (System.out instanceof Routed) return;
        System.setOut(new Routed(System.out, false));
        System.setErr(new Routed(System.err, true));
    }

    /**
     * Not auto-flushing: an auto-flushing PrintStream flushes after every write, i.e. every piece of a printf, and each
     * flush was a write(2) to the client (2100 syscalls for a 33-line `berth status`, ~40% of its time). Whole lines go
     * out as they end ({@link LineRouter}); a partial line on an explicit {@code flush()} (a progress bar) or when the
     * request ends.
     */
    private static final class Routed extends PrintStream {
        Routed(PrintStream fallback, boolean err) {
            super(new LineRouter(fallback, err), false, StandardCharsets.UTF_8);
        }
    }

    private static final class LineRouter extends OutputStream {
        private final PrintStream fallback;
        private final boolean err;
        private final ThreadLocal<ByteArrayOutputStream> pending = ThreadLocal.withInitial(ByteArrayOutputStream::new);

        LineRouter(PrintStream fallback, boolean err) {
            this.fallback = fallback;
            this.err = err;
        }

        @Override public void write(int b) {
            if (!SINKS.isBound()) {
                fallback.write(b);
                return;
            }
            ByteArrayOutputStream buf = pending.get();
            if (b == '\n') {
                PrintWriter w = err ? SINKS.get().err() : SINKS.get().out();
                w.println(buf.toString(StandardCharsets.UTF_8));
                buf.reset();
            } else {
                buf.write(b);
            }
        }

        /**
         * A whole buffer at once: the request's sinks and pending line are looked up once per call, not per byte (a
         * print of a long line went byte by byte through a scoped-value and a thread-local lookup each).
         */
        @Override public void write(byte[] b, int off, int len) {
            if (!SINKS.isBound()) {
                fallback.write(b, off, len);
                return;
            }
            ByteArrayOutputStream buf = pending.get();
            PrintWriter w = err ? SINKS.get().err() : SINKS.get().out();
            int start = off, end = off + len;
            for (int i = off; i < end; i++) {
                if (b[i] == '\n') {
                    buf.write(b, start, i - start);
                    w.println(buf.toString(StandardCharsets.UTF_8));
                    buf.reset();
                    start = i + 1;
                }
            }
            buf.write(b, start, end - start);
        }

        @Override public void flush() {
            if (!SINKS.isBound()) {
                fallback.flush();
                return;
            }
            ByteArrayOutputStream buf = pending.get();
            if (buf.size() > 0) {
                PrintWriter w = err ? SINKS.get().err() : SINKS.get().out();
                w.print(buf.toString(StandardCharsets.UTF_8));
                w.flush();
                buf.reset();
            }
        }
    }
}
