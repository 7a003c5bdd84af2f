package io.berth.sys;

import io.berth.error.HostFailureException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The one way Berth runs a host tool (mkfs, btrfs, lxc-start, tc, ...): stdin from /dev/null or given bytes,
 * stdout and stderr captured separately (bounded, the tail is kept), a timeout after which the process and its
 * descendants are killed. {@link Result#orThrow()} turns a non-zero exit into a {@link HostFailureException} that
 * names the command, the exit code and the tool's last stderr lines.
 *
 * <pre>{@code ProcessRunner.of("mkfs.ext4", "-q", dev).timeout(Duration.ofMinutes(5)).run().orThrow();}</pre>
 * Tools whose data flows from one to the next (tar into a compressor) run as a {@link #pipeline}.
 */
public final class ProcessRunner {
    /** Bytes kept per stream; tools that print more lose the beginning, which is rarely the interesting part. */
    static final int MAX_CAPTURE = 1 << 20;

    private final List<String> argv;
    private Duration timeout = Duration.ofMinutes(10);
    private byte[] input;
    private Path directory;
    private final Map<String, String> env = new LinkedHashMap<>();

    private ProcessRunner(List<String> argv) {
        if (argv.isEmpty()) throw new IllegalArgumentException("empty command");
        this.argv = List.copyOf(argv);
    }

    public static ProcessRunner of(List<String> argv) { return new ProcessRunner(argv); }

    public static ProcessRunner of(String... argv) { return new ProcessRunner(List.of(argv)); }

    public ProcessRunner timeout(Duration t) {
        this.timeout = t;
        return this;
    }

    /** For a tool whose run time grows with the data (rsync of a container): it runs until it ends or is interrupted. */
    public ProcessRunner noTimeout() {
        this.timeout = null;
        return this;
    }

    public ProcessRunner input(String stdin) {
        this.input = stdin.getBytes(StandardCharsets.UTF_8);
        return this;
    }

    public ProcessRunner directory(Path dir) {
        this.directory = dir;
        return this;
    }

    public ProcessRunner env(String name, String value) {
        env.put(name, value);
        return this;
    }

    /** What a finished command did. {@code stdout}/{@code stderr} are decoded as UTF-8. */
    public record Result(List<String> argv, int exitCode, String stdout, String stderr) {
        public boolean ok() { return exitCode == 0; }

        /** This result if the exit code is 0, else a failure naming the command, its code and its stderr. */
        public Result orThrow() {
            if (ok()) return this;
            throw new HostFailureException(String.join(" ", argv) + " failed (exit code " + exitCode + ")" + detail());
        }

        private String detail() {
            String msg = stderr.isBlank() ? stdout.strip() : stderr.strip();
            if (msg.isEmpty()) return "";
            List<String> lines = msg.lines().toList();
            return ": " + String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
        }
    }

    /**
     * Runs the command to completion. A tool that cannot be started (not installed) or does not finish within the
     * timeout is a {@link HostFailureException}; a non-zero exit is returned, not thrown (see {@link Result#orThrow()}).
     */
    public Result run() {
        ProcessBuilder pb = new ProcessBuilder(argv);
        if (directory != null) pb.directory(directory.toFile());
        pb.environment().putAll(env);
        if (input == null) pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new HostFailureException("cannot run " + argv.getFirst() + ": " + e.getMessage() + installedHint(e), e);
        }
        Capture out = Capture.start(p.getInputStream());
        Capture err = Capture.start(p.getErrorStream());
        try {
            if (input != null) {
                try (OutputStream os = p.getOutputStream()) {
                    os.write(input);
                } catch (IOException e) {
                    // the tool exited without reading all of stdin; its exit code tells the rest
                }
            }
            if (timeout == null) {
                p.waitFor();
            } else if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                throw new HostFailureException(String.join(" ", argv) + " did not finish within "
                        + timeout.toMillis() + " ms and was killed" + tail(err.text()));
            }
            return new Result(argv, p.exitValue(), out.text(), err.text());
        } catch (InterruptedException e) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new HostFailureException("interrupted while running " + String.join(" ", argv), e);
        }
    }

    /**
     * Tools connected by kernel pipes, as a shell's {@code a | b | c}: the bytes between them never pass through the
     * JVM. The first stage reads /dev/null unless given a file or the caller's stream; the last stage's output goes to
     * the caller, is discarded, or is captured like {@link #run()}'s; every stage's stderr is captured (bounded).
     * A pipeline has no timeout (backups run for hours): the caller waits ({@link Running#waitFor}) and closing it
     * kills what still runs, with its children.
     */
    public static Pipeline pipeline(List<List<String>> stages) { return new Pipeline(stages); }

    /** How a pipeline's first stage gets its input and where its last stage's output goes. */
    public static final class Pipeline {
        private final List<List<String>> stages;
        private ProcessBuilder.Redirect in = ProcessBuilder.Redirect.from(new java.io.File("/dev/null"));
        private ProcessBuilder.Redirect out = ProcessBuilder.Redirect.PIPE;
        private boolean captureOut;

        private Pipeline(List<List<String>> stages) {
            if (stages.isEmpty() || stages.stream().anyMatch(List::isEmpty)) throw new IllegalArgumentException("empty command in pipeline " + stages);
            this.stages = stages.stream().map(List::copyOf).toList();
        }

        /** The first stage reads this file itself. */
        public Pipeline stdinFrom(Path file) {
            in = ProcessBuilder.Redirect.from(file.toFile());
            return this;
        }

        /** The caller writes the first stage's input to {@link Running#stdin()} (and closes it). */
        public Pipeline stdinFromCaller() {
            in = ProcessBuilder.Redirect.PIPE;
            return this;
        }

        /** The caller reads the last stage's output from {@link Running#stdout()} (the default). */
        public Pipeline stdoutToCaller() {
            out = ProcessBuilder.Redirect.PIPE;
            captureOut = false;
            return this;
        }

        public Pipeline stdoutDiscarded() {
            out = ProcessBuilder.Redirect.DISCARD;
            captureOut = false;
            return this;
        }

        /** The last stage's output (small: a digest, a line) becomes its {@link Result#stdout()}. */
        public Pipeline stdoutCaptured() {
            out = ProcessBuilder.Redirect.PIPE;
            captureOut = true;
            return this;
        }

        /** Starts every stage; a tool that cannot be started is a {@link HostFailureException} and none is left running. */
        public Running start() {
            List<ProcessBuilder> pbs = new java.util.ArrayList<>();
            for (List<String> argv : stages) pbs.add(new ProcessBuilder(argv));
            pbs.getFirst().redirectInput(in);
            pbs.getLast().redirectOutput(out);
            List<Process> procs;
            try {
                procs = pbs.size() == 1 ? List.of(pbs.getFirst().start()) : ProcessBuilder.startPipeline(pbs);
            } catch (IOException e) {
                throw new HostFailureException("cannot run " + String.join(" | ", stages.stream().map(a -> a.getFirst()).toList()) + ": "
                        + String.valueOf(e.getMessage()).strip() + installedHint(e), e);
            }
            return new Running(stages, procs, captureOut);
        }
    }

    /** A started pipeline. */
    public static final class Running implements AutoCloseable {
        private final List<List<String>> stages;
        private final List<Process> procs;
        private final List<Capture> errs = new java.util.ArrayList<>();
        private final Capture out;

        private Running(List<List<String>> stages, List<Process> procs, boolean captureOut) {
            this.stages = stages;
            this.procs = procs;
            for (Process p : procs) errs.add(Capture.start(p.getErrorStream()));
            this.out = captureOut ? Capture.start(procs.getLast().getInputStream()) : null;
        }

        /** The process id of stage {@code i} (0 is the first). */
        public long pid(int i) { return procs.get(i).pid(); }

        /** The first stage's input, when it reads from the caller. */
        public OutputStream stdin() { return procs.getFirst().getOutputStream(); }

        /** The last stage's output, when the caller reads it. */
        public InputStream stdout() {
            if (out != null) throw new IllegalStateException("the pipeline's output is captured");
            return procs.getLast().getInputStream();
        }

        /** True when the last stage has ended within {@code d}. */
        public boolean waitFor(Duration d) throws InterruptedException {
            return procs.getLast().waitFor(d.toMillis(), TimeUnit.MILLISECONDS);
        }

        /** Waits for every stage, first to last; each one's exit code and stderr (and the last one's captured output). */
        public List<Result> await() throws InterruptedException {
            List<Result> rs = new java.util.ArrayList<>();
            for (int i = 0; i < procs.size(); i++) {
                int rc = procs.get(i).waitFor();
                String so = i == procs.size() - 1 && out != null ? out.text() : "";
                rs.add(new Result(stages.get(i), rc, so, errs.get(i).text()));
            }
            return rs;
        }

        /** Kills every stage still running, and its children. */
        @Override public void close() {
            for (Process p : procs) {
                if (!p.isAlive()) continue;
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
        }
    }

    /** ENOENT from exec (the JDK says "error=2" or "error: 2"): the tool is most likely not installed. */
    private static String installedHint(IOException e) {
        String m = e.getMessage();
        return m != null && (m.contains("error=2,") || m.contains("error: 2 ")) ? " (is it installed?)" : "";
    }

    private static String tail(String s) {
        return s.isBlank() ? "" : ": " + s.strip().lines().reduce((a, b) -> b).orElse("");
    }

    /** Reads one stream to its end on a virtual thread, keeping at most {@link #MAX_CAPTURE} trailing bytes. */
    private static final class Capture {
        private final Thread thread;
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
        private volatile IOException failure;
        private volatile boolean truncated;

        private Capture(InputStream in) {
            this.thread = Thread.ofVirtual().start(() -> {
                byte[] b = new byte[8192];
                try (in) {
                    int n;
                    while ((n = in.read(b)) > 0) {
                        synchronized (buf) {
                            if (buf.size() + n > MAX_CAPTURE) {
                                byte[] all = buf.toByteArray();
                                int keep = Math.max(0, MAX_CAPTURE / 2 - n);
                                buf.reset();
                                buf.write(all, all.length - Math.min(keep, all.length), Math.min(keep, all.length));
                                truncated = true;
                            }
                            buf.write(b, 0, n);
                        }
                    }
                } catch (IOException e) {
                    // The JDK closes a killed or exited process's pipes from its reaper thread, so a read in
                    // progress can end with "Stream closed": that is the end of the output, not a failure.
                    if (!"Stream closed".equals(e.getMessage())) failure = e;
                }
            });
        }

        static Capture start(InputStream in) { return new Capture(in); }

        /**
         * The captured text once the stream ends; a daemon the tool left behind may hold the pipe open, so after
         * the tool exited this waits at most 2 s and takes what arrived.
         */
        String text() throws InterruptedException {
            thread.join(Duration.ofSeconds(2));
            if (failure != null) throw new UncheckedIOException(failure);
            String s;
            synchronized (buf) {
                s = buf.toString(StandardCharsets.UTF_8);
            }
            return truncated ? "[...]" + s : s;
        }
    }
}
