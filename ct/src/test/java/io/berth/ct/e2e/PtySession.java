package io.berth.ct.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A command on a new pty (util-linux {@code script}), driven as a person at a terminal would: wait for text, type.
 * The pty is the session's controlling terminal, which {@code lxc-console} and {@code lxc-attach} need.
 */
final class PtySession implements AutoCloseable {
    private final Process process;
    private final StringBuffer output = new StringBuffer();
    private final Thread reader;
    private int consumed;

    private PtySession(Process process) {
        this.process = process;
        this.reader = Thread.ofPlatform().daemon().start(() -> {
            byte[] buf = new byte[4096];
            try (InputStream in = process.getInputStream()) {
                for (int n; (n = in.read(buf)) > 0; ) output.append(new String(buf, 0, n, StandardCharsets.UTF_8));
            } catch (IOException ignored) {
                // the process ended
            }
        });
    }

    static PtySession start(List<String> argv, Map<String, String> env) throws IOException {
        String line = argv.stream().map(a -> "'" + a.replace("'", "'\\''") + "'").collect(Collectors.joining(" "));
        // default signal dispositions: a runner started with SIGINT ignored would hand that on through the pty
        ProcessBuilder pb = new ProcessBuilder("env", "--default-signal", "script", "-qfec", line, "/dev/null")
                .redirectErrorStream(true);
        pb.environment().put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        pb.environment().put("TERM", "xterm");
        pb.environment().putAll(env);
        return new PtySession(pb.start());
    }

    /** Waits until {@code text} appears after what earlier awaits consumed; returns the output up to and including it. */
    String await(String text, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            int at = output.indexOf(text, consumed);
            if (at >= 0) {
                String seen = output.substring(consumed, at + text.length());
                consumed = at + text.length();
                return seen;
            }
            if (System.nanoTime() > end || (!process.isAlive() && !reader.isAlive() && output.indexOf(text, consumed) < 0)) {
                throw new AssertionError("'" + text + "' did not appear within " + timeout + (process.isAlive() ? "" : " (process ended)")
                        + "; output since the last match:\n" + output.substring(consumed));
            }
            Thread.sleep(50);
        }
    }

    void type(String keys) throws IOException {
        OutputStream in = process.getOutputStream();
        in.write(keys.getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    /** The exit code once the command ended, failing if it does not end in time. */
    int exitCode(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("still running after " + timeout + "; output:\n" + output);
        }
        return process.exitValue();
    }

    String all() {
        return output.toString();
    }

    @Override public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
