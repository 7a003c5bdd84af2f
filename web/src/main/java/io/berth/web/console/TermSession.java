package io.berth.web.console;

import io.berth.sys.ProcessRunner;
import io.berth.sys.Processes;
import io.berth.sys.Pty;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * One console: {@code command} on a fresh pty. The child opens the slave after {@code setsid}, so the pty is its
 * controlling terminal (Ctrl-C reaches the foreground job, resizes send SIGWINCH). Output is pushed to the sink
 * from one platform thread (the read blocks in native code), which waits for each chunk to be sent: a slow
 * browser slows the program down instead of filling memory. Closing hangs the session up and reaps the child.
 */
public final class TermSession implements AutoCloseable {
    /** Receives output chunks; returns when the chunk is sent (or throws when the peer is gone). */
    @FunctionalInterface
    public interface Sink { void send(byte[] chunk) throws Exception; }

    private final Pty pty;
    private final ProcessRunner.Running process;
    private final Thread reader;
    private volatile boolean closed;

    private TermSession(Pty pty, ProcessRunner.Running process, Sink sink, Consumer<Integer> onExit) {
        this.pty = pty;
        this.process = process;
        this.reader = Thread.ofPlatform().daemon().name("console-" + pty.slavePath()).unstarted(() -> pump(sink, onExit));
    }

    public static TermSession start(List<String> command, int cols, int rows, Sink sink, Consumer<Integer> onExit) {
        Pty pty = Pty.open(cols, rows);
        try {
            // env --default-signal: a server started with SIGINT ignored (from a script's '&', nohup) must not hand that
            // on, or Ctrl-C typed in the console would never interrupt anything
            List<String> argv = new ArrayList<>(List.of("setsid", "env", "--default-signal", "sh", "-c",
                    "exec \"$@\" <>\"$0\" >&0 2>&0", pty.slavePath()));
            argv.addAll(command);
            String lang = System.getenv().getOrDefault("LANG", "C.UTF-8");
            ProcessRunner.Running p = ProcessRunner.pipeline(List.of(argv)).stdoutDiscarded().stderrToStdout()
                    .env("TERM", "xterm-256color").env("LANG", lang).start();
            TermSession s = new TermSession(pty, p, sink, onExit);
            s.reader.start();
            return s;
        } catch (Exception e) {
            pty.close();
            throw new IllegalStateException("starting the console " + String.join(" ", command) + " failed: " + e.getMessage(), e);
        }
    }

    private void pump(Sink sink, Consumer<Integer> onExit) {
        byte[] buf = new byte[16384];
        try {
            while (!closed) {
                int n = pty.read(buf);
                if (n < 0) break;
                sink.send(Arrays.copyOf(buf, n));
            }
        } catch (Exception e) {
            // peer gone or pty closed under us: the session ends either way
        } finally {
            close();
            pty.close();
            Integer exit = null;
            try {
                if (process.waitFor(Duration.ofSeconds(5))) exit = process.await().getFirst().exitCode();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            onExit.accept(exit);
        }
    }

    /** Handles one client message (input, resize, ping). */
    public void handle(byte[] message) {
        for (TermProtocol.Message m : TermProtocol.parse(message)) {
            if (closed) return;
            switch (m) {
                case TermProtocol.Input in -> pty.write(in.data(), 0, in.data().length);
                case TermProtocol.Resize r -> pty.resize(r.cols(), r.rows());
                case TermProtocol.Ping p -> { }
            }
        }
    }

    public boolean isAlive() { return process.alive(); }

    public long pid() { return process.pid(0); }

    /**
     * Ends the session: SIGTERM to the program (its exit hangs up the slave, which ends the reader), SIGKILL after
     * 3 s; the master is closed only after the reader is done with it, so its fd number is never reused under a
     * blocked read. Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) return;
            closed = true;
        }
        process.signal(Processes.SIGTERM);
        Thread.ofVirtual().start(() -> {
            try {
                if (!process.waitFor(Duration.ofSeconds(3))) {
                    process.close(); // SIGKILL, its children first
                    process.waitFor(Duration.ofSeconds(2));
                }
                if (Thread.currentThread() != reader) reader.join(2000);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            } finally {
                pty.close();
            }
        });
    }
}
