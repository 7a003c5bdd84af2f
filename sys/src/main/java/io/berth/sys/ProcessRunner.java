package io.berth.sys;

import io.berth.error.HostFailureException;
import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The one way Berth runs a host tool (mkfs, btrfs, tar, lxc-start, ...): stdin from /dev/null, given bytes or a file,
 * stdout and stderr captured separately (bounded, the tail is kept), a timeout after which the process and its
 * descendants are killed. {@link Result#orThrow()} turns a non-zero exit into a {@link HostFailureException} that
 * names the command, the exit code (or the signal that killed it) and the tool's last stderr lines.
 *
 * <pre>{@code ProcessRunner.of("mkfs.ext4", "-q", dev).timeout(Duration.ofMinutes(5)).run().orThrow();}</pre>
 * Tools whose data flows from one to the next (tar into a compressor) run as a {@link #pipeline}.
 *
 * <p>Children are started with {@link Spawn} (posix_spawn on descriptors set up here, no other descriptor inherited),
 * not {@link ProcessBuilder}, whose launcher execs a helper ({@code jspawnhelper}) per process (~1.5 ms each on a
 * loaded machine). They stay in this process's process group, as ProcessBuilder children do (a terminal's Ctrl-C on a
 * cold command stops its tools with it). One platform thread per run watches every child's pidfd and captured pipe
 * with poll(2): the blocking native calls never hold a virtual thread's carrier, and callers wait on latches, which a
 * virtual thread waits for unmounted. Streams handed to the caller are the JDK's own file streams on the pipe, so
 * they block as file I/O does on a virtual thread. Those streams and {@link Pipeline#captureViaFiles()} reopen the
 * descriptors through /proc/self/fd: the calling thread must see the host's /proc (the host's mount namespace or a
 * private copy of it, as every caller has; not a container's).
 */
public final class ProcessRunner {
    /** Bytes kept per stream; tools that print more lose the beginning, which is rarely the interesting part. */
    static final int MAX_CAPTURE = 1 << 20;
    /** After the last child exited, how long a pipe a daemon it left behind still holds is read. */
    private static final Duration LINGER = Duration.ofSeconds(2);

    private final List<String> argv;
    private Duration timeout = Duration.ofMinutes(10);
    private byte[] input;
    private Path stdinFile;
    private Path directory;
    private final Map<String, String> env = new LinkedHashMap<>();
    private boolean mergeStderr, viaFiles;

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
        return input(stdin.getBytes(StandardCharsets.UTF_8));
    }

    public ProcessRunner input(byte[] stdin) {
        this.input = stdin.clone();
        this.stdinFile = null;
        return this;
    }

    /** The tool reads this file as its stdin (opened here, so a missing file names the file, not the tool). */
    public ProcessRunner stdinFrom(Path file) {
        this.stdinFile = file;
        this.input = null;
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

    /** Its stderr goes into the captured stdout, interleaved as written (for tools whose messages are one log). */
    public ProcessRunner stderrToStdout() {
        mergeStderr = true;
        return this;
    }

    /** See {@link Pipeline#captureViaFiles()}: for a tool that leaves a daemon holding its stdout/stderr (lxc-start -d). */
    public ProcessRunner captureViaFiles() {
        viaFiles = true;
        return this;
    }

    /**
     * What a finished command did. {@code stdout}/{@code stderr} are decoded as UTF-8. {@code signal} is the signal
     * that killed it (0 if it exited); then {@code exitCode} is 128 + signal, as a shell reports it.
     */
    public record Result(List<String> argv, int exitCode, String stdout, String stderr, int signal) {
        public Result(List<String> argv, int exitCode, String stdout, String stderr) {
            this(argv, exitCode, stdout, stderr, 0);
        }

        public boolean ok() { return exitCode == 0; }

        /** This result if the exit code is 0, else a failure naming the command, its code and its stderr. */
        public Result orThrow() {
            if (ok()) return this;
            throw new HostFailureException(String.join(" ", argv) + " failed (" + how() + ")" + detail());
        }

        /** "exit code N", or "killed by signal N (SIGNAME)". */
        public String how() {
            return signal == 0 ? "exit code " + exitCode : "killed by signal " + signal + signalName(signal);
        }

        private String detail() {
            String msg = stderr.isBlank() ? stdout.strip() : stderr.strip();
            if (msg.isEmpty()) return "";
            List<String> lines = msg.lines().toList();
            return ": " + String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
        }
    }

    private static String signalName(int s) {
        return switch (s) {
            case 1 -> " (SIGHUP)";
            case 2 -> " (SIGINT)";
            case 6 -> " (SIGABRT)";
            case 9 -> " (SIGKILL)";
            case 11 -> " (SIGSEGV)";
            case 13 -> " (SIGPIPE)";
            case 15 -> " (SIGTERM)";
            default -> "";
        };
    }

    /**
     * Runs the command to completion. A tool that cannot be started (not installed) or does not finish within the
     * timeout is a {@link HostFailureException}; a non-zero exit is returned, not thrown (see {@link Result#orThrow()}).
     */
    public Result run() {
        Pipeline p = new Pipeline(List.of(argv)).stdoutCaptured();
        p.env.putAll(env);
        p.directory = directory;
        if (mergeStderr) p.stderrToStdout();
        if (viaFiles) p.captureViaFiles();
        if (input != null) p.stdinFromCaller();
        else if (stdinFile != null) p.stdinFrom(stdinFile);
        Running r = p.start();
        try {
            if (input != null) {
                byte[] bytes = input;
                OutputStream stdin = r.stdin();
                // on its own thread: a tool that writes much before it reads all of its stdin must not deadlock with us
                Thread.ofVirtual().name("stdin " + argv.getFirst()).start(() -> {
                    try (stdin) {
                        stdin.write(bytes);
                    } catch (IOException e) {
                        // the tool exited without reading all of stdin; its exit code tells the rest
                    }
                });
            }
            if (timeout != null && !r.waitFor(timeout)) {
                r.close();
                String err = r.awaitQuietly().map(Result::stderr).orElse("");
                throw new HostFailureException(String.join(" ", argv) + " did not finish within "
                        + timeout.toMillis() + " ms and was killed" + tail(err));
            }
            return r.await().getFirst();
        } catch (InterruptedException e) {
            r.close();
            Thread.currentThread().interrupt();
            throw new HostFailureException("interrupted while running " + String.join(" ", argv), e);
        } finally {
            r.close();
        }
    }

    /**
     * Runs one command to completion on the calling thread, without the watcher thread {@link #run()} starts: stdin
     * /dev/null, stdout and stderr together into a memory file (a daemon the command leaves behind may keep it open:
     * it is read once the command exited, nothing waits for its end), this process's environment. For the command
     * every container start runs on a namespace thread (lxc-start): a thread started there costs milliseconds under
     * load and lives in that namespace until it ends. At the timeout the command and its descendants are killed and
     * the result is exit code 124 with a message as its output.
     */
    public static Result runOnThisThread(List<String> argv, Duration timeout) {
        List<String> environment = new ArrayList<>();
        System.getenv().forEach((k, v) -> environment.add(k + "=" + v));
        Spawn.Child child;
        Capture out;
        try (Fd in = Pipeline.open("/dev/null", PathCalls.O_RDONLY, 0)) {
            Fd m = Spawn.memfd("output");
            out = new Capture(m, true);
            try {
                child = Spawn.spawn(argv, environment, null, new Fd[] {in, m, m}, false);
            } catch (SysException e) {
                m.close();
                throw new HostFailureException("cannot run " + argv.getFirst() + ": " + SysException.describe(e.errno())
                        + (e.is(Errno.ENOENT) ? " (is it installed?)" : ""), e);
            }
        }
        try (child) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                long ms = Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
                if ((UnixSockets.poll(child.pidfd(), UnixSockets.POLLIN, (int) Math.min(ms, Integer.MAX_VALUE)) & UnixSockets.POLLIN) != 0) break;
                if (ms == 0) {
                    killTree(child);
                    Spawn.reapExit(child.pidfd());
                    out.fd.close();
                    return new Result(argv, 124, String.join(" ", argv) + ": timed out after " + timeout.toSeconds() + " s", "");
                }
            }
            Spawn.Exit exit = Spawn.reapExit(child.pidfd());
            out.readFile();
            out.fd.close();
            return new Result(argv, exit.code(), out.text(), "", exit.signal());
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

    private enum In { NULL, FILE, CALLER, INHERIT }

    private enum Out { CALLER, DISCARD, CAPTURE, FILE, INHERIT }

    private enum Err { CAPTURE, DISCARD, TO_OUT, INHERIT }

    /** How a pipeline's first stage gets its input and where its last stage's output goes. */
    public static final class Pipeline {
        private final List<List<String>> stages;
        private In in = In.NULL;
        private Path inFile;
        private Out out = Out.CALLER;
        private Path outFile;
        private boolean append;
        private Err err = Err.CAPTURE;
        private boolean viaFiles;
        private Path directory;
        private final Map<String, String> env = new LinkedHashMap<>();
        private final java.util.Set<String> unset = new java.util.HashSet<>();

        private Pipeline(List<List<String>> stages) {
            if (stages.isEmpty() || stages.stream().anyMatch(List::isEmpty)) throw new IllegalArgumentException("empty command in pipeline " + stages);
            this.stages = stages.stream().map(List::copyOf).toList();
        }

        /** The first stage reads this file itself. */
        public Pipeline stdinFrom(Path file) {
            in = In.FILE;
            inFile = file;
            return this;
        }

        /** The caller writes the first stage's input to {@link Running#stdin()} (and closes it). */
        public Pipeline stdinFromCaller() {
            in = In.CALLER;
            return this;
        }

        /** The caller reads the last stage's output from {@link Running#stdout()} (the default). */
        public Pipeline stdoutToCaller() {
            out = Out.CALLER;
            return this;
        }

        public Pipeline stdoutDiscarded() {
            out = Out.DISCARD;
            return this;
        }

        /** The last stage's output (small: a digest, a line) becomes its {@link Result#stdout()}. */
        public Pipeline stdoutCaptured() {
            out = Out.CAPTURE;
            return this;
        }

        /**
         * The stages use this process's stdin, stdout and stderr (a cold command's terminal: an interactive tool); the
         * caller waits for them with {@link Running#await()}.
         */
        public Pipeline inheritStdio() {
            in = In.INHERIT;
            out = Out.INHERIT;
            err = Err.INHERIT;
            return this;
        }

        /** The last stage writes this file (created if missing; appended to, or else truncated). */
        public Pipeline stdoutTo(Path file, boolean append) {
            out = Out.FILE;
            outFile = file;
            this.append = append;
            return this;
        }

        /** Every stage's stderr goes where the last stage's output goes (a log file, the captured output). */
        public Pipeline stderrToStdout() {
            err = Err.TO_OUT;
            return this;
        }

        public Pipeline stderrDiscarded() {
            err = Err.DISCARD;
            return this;
        }

        /**
         * Captured output goes through anonymous memory files (memfd) instead of pipes, read once the tools exited: for a
         * tool that leaves a daemon behind holding its stdout/stderr (lxc-start -d), whose pipes would never end.
         */
        public Pipeline captureViaFiles() {
            viaFiles = true;
            return this;
        }

        /** Every stage's working directory (default: this process's). */
        public Pipeline directory(Path dir) {
            directory = dir;
            return this;
        }

        /** One more environment variable for every stage (which otherwise get this process's environment). */
        public Pipeline env(String name, String value) {
            env.put(name, value);
            return this;
        }

        /** An environment variable of this process the stages do not get. */
        public Pipeline envRemove(String name) {
            unset.add(name);
            env.remove(name);
            return this;
        }

        private String names() {
            return String.join(" | ", stages.stream().map(List::getFirst).toList());
        }

        /**
         * Starts every stage (on the calling thread, so in its mount namespace); a tool that cannot be started is a
         * {@link HostFailureException} and none is left running.
         */
        public Running start() {
            List<String> environment = new ArrayList<>();
            Map<String, String> all = new LinkedHashMap<>(System.getenv());
            all.keySet().removeAll(unset);
            all.putAll(env);
            all.forEach((k, v) -> environment.add(k + "=" + v));
            int n = stages.size();
            Spawn.Child[] kids = new Spawn.Child[n];
            Capture[] errs = new Capture[n];
            Capture outCap = null;
            Fd first = null, lastOut = null, callerIn = null, callerOut = null, sharedErr = null;
            boolean ok = false;
            int started = 0;
            try {
                switch (in) {
                    case NULL -> first = open("/dev/null", PathCalls.O_RDONLY, 0);
                    case FILE -> first = open(inFile.toString(), PathCalls.O_RDONLY, 0);
                    case INHERIT -> first = Fd.adopt(0).dup();
                    case CALLER -> {
                        Fd[] p = Spawn.pipe();
                        first = p[0];
                        callerIn = p[1];
                    }
                }
                switch (out) {
                    case DISCARD -> lastOut = open("/dev/null", PathCalls.O_WRONLY, 0);
                    case INHERIT -> lastOut = Fd.adopt(1).dup();
                    case FILE -> lastOut = open(outFile.toString(), PathCalls.O_WRONLY | PathCalls.O_CREAT
                            | (append ? PathCalls.O_APPEND : PathCalls.O_TRUNC), 0666);
                    case CAPTURE -> {
                        if (viaFiles) {
                            Fd m = Spawn.memfd("stdout");
                            outCap = new Capture(m, true);
                            lastOut = m.dup();
                        } else {
                            Fd[] p = Spawn.pipe();
                            outCap = new Capture(p[0], false);
                            lastOut = p[1];
                        }
                    }
                    case CALLER -> {
                        Fd[] p = Spawn.pipe();
                        callerOut = p[0];
                        lastOut = p[1];
                    }
                }
                if (err == Err.DISCARD) sharedErr = open("/dev/null", PathCalls.O_WRONLY, 0); // every stage's stderr
                if (err == Err.INHERIT) sharedErr = Fd.adopt(2).dup(); // a copy, ours to close
                Fd stdin = first;
                for (int i = 0; i < n; i++) {
                    boolean last = i == n - 1;
                    Fd[] next = last ? null : Spawn.pipe();
                    Fd errOut = null; // ours to close once the child has its copy
                    Fd errFd = switch (err) {
                        case DISCARD, INHERIT -> sharedErr;
                        case TO_OUT -> lastOut;
                        case CAPTURE -> {
                            if (viaFiles) {
                                Fd m = Spawn.memfd("stderr");
                                errs[i] = new Capture(m, true);
                                yield m;
                            }
                            Fd[] p = Spawn.pipe();
                            errs[i] = new Capture(p[0], false);
                            yield errOut = p[1];
                        }
                    };
                    try {
                        kids[i] = Spawn.spawn(stages.get(i), environment, directory, new Fd[] {stdin, last ? lastOut : next[1], errFd}, false);
                        started++;
                    } catch (SysException e) {
                        if (next != null) next[0].close();
                        throw new HostFailureException("cannot run " + names() + ": " + stages.get(i).getFirst() + ": "
                                + SysException.describe(e.errno()) + (e.is(Errno.ENOENT) ? " (is it installed?)" : ""), e);
                    } finally {
                        // the child has its copies; ours must close, or the reader downstream never sees end of file
                        if (next != null) next[1].close();
                        if (errOut != null) errOut.close();
                        if (stdin != first) stdin.close();
                    }
                    if (next != null) stdin = next[0];
                }
                Running r = new Running(stages, kids, errs, outCap, callerIn, callerOut);
                ok = true;
                return r;
            } finally {
                if (first != null) first.close();
                if (lastOut != null) lastOut.close();
                if (sharedErr != null) sharedErr.close();
                if (!ok) {
                    if (callerIn != null) callerIn.close();
                    if (callerOut != null) callerOut.close();
                    if (outCap != null) outCap.fd.close();
                    for (Capture e : errs) if (e != null) e.fd.close();
                    for (int i = 0; i < started; i++) {
                        killTree(kids[i]);
                        try {
                            Spawn.reap(kids[i].pidfd());
                        } catch (RuntimeException ignored) {
                            // nothing left to reap
                        }
                        kids[i].close();
                    }
                }
            }
        }

        private static Fd open(String path, int flags, int mode) {
            try {
                return PathCalls.openat(Fd.CWD, path, flags | PathCalls.O_CLOEXEC, mode);
            } catch (SysException e) {
                throw new HostFailureException("cannot open " + path + " as a tool's " + ((flags & 3) == 0 ? "input" : "output") + ": "
                        + SysException.describe(e.errno()), e);
            }
        }
    }

    /** Kills a child and, first, what it started (walked through /proc), so none of them runs on alone. */
    private static void killTree(Spawn.Child c) {
        ProcessHandle.of(c.pid()).ifPresent(h -> h.descendants().forEach(ProcessHandle::destroyForcibly));
        try {
            Processes.pidfdSendSignal(c.pidfd(), Processes.SIGKILL);
        } catch (RuntimeException e) {
            // exited (or reaped) already: a pidfd never names another process
        }
    }

    /** A started pipeline (or single command). */
    public static final class Running implements AutoCloseable {
        private final List<List<String>> stages;
        private final Spawn.Child[] kids;
        private final Spawn.Exit[] exits;
        private final Capture[] errs;
        private final Capture out;
        private final CountDownLatch lastExited = new CountDownLatch(1);
        private final CountDownLatch watched = new CountDownLatch(1);
        private final Object lock = new Object();
        private Fd callerIn, callerOut;
        private OutputStream stdin;
        private InputStream stdout;
        private volatile RuntimeException watchFailure;
        private boolean pidfdsClosed;

        private Running(List<List<String>> stages, Spawn.Child[] kids, Capture[] errs, Capture out, Fd callerIn, Fd callerOut) {
            this.stages = stages;
            this.kids = kids;
            this.exits = new Spawn.Exit[kids.length];
            this.errs = errs;
            this.out = out;
            this.callerOut = callerOut;
            this.callerIn = callerIn;
            Thread.ofPlatform().daemon().name("watch " + stages.getFirst().getFirst() + " " + kids[0].pid()).start(this::watch);
        }

        /** The process id of stage {@code i} (0 is the first). */
        public long pid(int i) { return kids[i].pid(); }

        /** The first stage's input, when it reads from the caller. */
        public OutputStream stdin() {
            synchronized (lock) {
                if (stdin == null) {
                    if (callerIn == null) throw new IllegalStateException("the pipeline's input is not the caller's");
                    try {
                        stdin = new FileOutputStream(reopened(callerIn));
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot reopen the pipe to " + stages.getFirst().getFirst(), e);
                    }
                    callerIn.close();
                }
                return stdin;
            }
        }

        /** The last stage's output, when the caller reads it. */
        public InputStream stdout() {
            synchronized (lock) {
                if (out != null) throw new IllegalStateException("the pipeline's output is captured");
                if (stdout == null) {
                    if (callerOut == null) throw new IllegalStateException("the pipeline's output is not the caller's");
                    try {
                        stdout = new FileInputStream(reopened(callerOut));
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot reopen the pipe from " + stages.getLast().getFirst(), e);
                    }
                    callerOut.close();
                }
                return stdout;
            }
        }

        /**
         * The JDK's file stream on the pipe end, reopened through /proc (same pipe, a new open file; close-on-exec does
         * not matter since Spawn children inherit nothing past stdio): it blocks as file I/O, which a virtual thread
         * does with its carrier compensated, where a read through a native call would pin it.
         */
        private static String reopened(Fd end) {
            return "/proc/self/fd/" + end.fd();
        }

        /** Whether a stage still runs. */
        public boolean alive() {
            synchronized (lock) {
                for (Spawn.Exit e : exits) if (e == null) return true;
                return false;
            }
        }

        /** Sends {@code signal} (e.g. SIGTERM: end cleanly) to every stage still running; not to their children. */
        public void signal(int signal) {
            synchronized (lock) {
                if (pidfdsClosed) return;
                for (int i = 0; i < kids.length; i++) {
                    if (exits[i] != null) continue;
                    try {
                        Processes.pidfdSendSignal(kids[i].pidfd(), signal);
                    } catch (RuntimeException e) {
                        // it exited meanwhile
                    }
                }
            }
        }

        /** True when the last stage has ended within {@code d}. */
        public boolean waitFor(Duration d) throws InterruptedException {
            return lastExited.await(d.toNanos(), TimeUnit.NANOSECONDS);
        }

        /**
         * Waits for every stage; each one's exit code and stderr (and the last one's captured output), first to last.
         * Output a daemon the tools left behind keeps writing is read for at most 2 s after the last stage ended.
         */
        public List<Result> await() throws InterruptedException {
            watched.await();
            if (watchFailure != null) throw new HostFailureException("watching " + String.join(" | ", stages.stream().map(List::getFirst).toList())
                    + " failed: " + watchFailure.getMessage(), watchFailure);
            List<Result> rs = new ArrayList<>();
            for (int i = 0; i < kids.length; i++) {
                String so = i == kids.length - 1 && out != null ? out.text() : "";
                rs.add(new Result(stages.get(i), exits[i].code(), so, errs[i] == null ? "" : errs[i].text(), exits[i].signal()));
            }
            return rs;
        }

        /** {@link #await()} bounded: after a kill, the children are gone within moments. */
        private java.util.Optional<Result> awaitQuietly() throws InterruptedException {
            if (!watched.await(10, TimeUnit.SECONDS) || watchFailure != null) return java.util.Optional.empty();
            return java.util.Optional.of(await().getLast());
        }

        /** Kills every stage still running, and its children; closes the streams handed to the caller. */
        @Override public void close() {
            synchronized (lock) {
                if (!pidfdsClosed) {
                    for (int i = 0; i < kids.length; i++) if (exits[i] == null) killTree(kids[i]);
                }
                closeQuietly(stdin);
                closeQuietly(stdout);
                if (callerIn != null) callerIn.close();
                if (callerOut != null) callerOut.close();
            }
        }

        private static void closeQuietly(java.io.Closeable c) {
            if (c == null) return;
            try {
                c.close();
            } catch (IOException ignored) {
                // a pipe whose reader went away
            }
        }

        /**
         * The watcher: poll(2) on every unreaped child's pidfd and every captured pipe, reaping children as they end and
         * reading what they print, until all ended and their pipes closed (or {@link #LINGER} passed after the last end).
         */
        private void watch() {
            int n = kids.length;
            List<Capture> caps = new ArrayList<>();
            for (Capture c : errs) if (c != null) caps.add(c);
            if (out != null) caps.add(out);
            byte[] buf = new byte[1 << 16];
            long lingerUntil = 0;
            try {
                while (true) {
                    List<Fd> fds = new ArrayList<>();
                    List<Object> what = new ArrayList<>();
                    boolean allExited = true;
                    for (int i = 0; i < n; i++) {
                        if (exits[i] != null) continue;
                        allExited = false;
                        fds.add(kids[i].pidfd());
                        what.add(i);
                    }
                    for (Capture c : caps) {
                        if (!c.file && c.fd.isOpen()) {
                            fds.add(c.fd);
                            what.add(c);
                        }
                    }
                    if (fds.isEmpty()) break;
                    int wait = -1;
                    if (allExited) {
                        if (lingerUntil == 0) lingerUntil = System.nanoTime() + LINGER.toNanos();
                        wait = (int) Math.max(0, (lingerUntil - System.nanoTime()) / 1_000_000);
                        if (wait == 0) break;
                    }
                    short[] ev = new short[fds.size()];
                    java.util.Arrays.fill(ev, UnixSockets.POLLIN);
                    short[] rev = UnixSockets.pollAll(fds.toArray(Fd[]::new), ev, wait);
                    for (int k = 0; k < rev.length; k++) {
                        if (rev[k] == 0) continue;
                        if (what.get(k) instanceof Integer i) {
                            synchronized (lock) { // close() must not walk a reaped pid's (maybe reused) descendants
                                exits[i] = Spawn.reapExit(kids[i].pidfd());
                            }
                            if (i == n - 1) lastExited.countDown();
                        } else if (what.get(k) instanceof Capture c) {
                            c.readSome(buf);
                        }
                    }
                }
            } catch (RuntimeException e) {
                watchFailure = e;
                synchronized (lock) {
                    for (int i = 0; i < n; i++) {
                        if (exits[i] != null) continue;
                        killTree(kids[i]);
                        try {
                            exits[i] = Spawn.reapExit(kids[i].pidfd());
                        } catch (RuntimeException ignored) {
                            exits[i] = new Spawn.Exit(-1, 0);
                        }
                    }
                }
            } finally {
                for (Capture c : caps) {
                    if (c.file) c.readFile();
                    c.fd.close();
                }
                synchronized (lock) {
                    for (Spawn.Child k : kids) k.close();
                    pidfdsClosed = true;
                }
                lastExited.countDown();
                watched.countDown();
            }
        }
    }

    private static String tail(String s) {
        return s.isBlank() ? "" : ": " + s.strip().lines().reduce((a, b) -> b).orElse("");
    }

    /** One captured pipe, read by the watcher, keeping at most {@link #MAX_CAPTURE} trailing bytes. */
    private static final class Capture {
        final Fd fd;
        /** A memfd the tool wrote, read once it exited; else a pipe read as the tool writes. */
        final boolean file;
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
        private boolean truncated;

        Capture(Fd fd, boolean file) {
            this.fd = fd;
            this.file = file;
        }

        /** The file's last {@link #MAX_CAPTURE} bytes (reopened: the tool's writes moved the offset it shares with us). */
        void readFile() {
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(Path.of("/proc/self/fd/" + fd.fd()))) {
                long size = ch.size(), from = Math.max(0, size - MAX_CAPTURE);
                java.nio.ByteBuffer bb = java.nio.ByteBuffer.allocate((int) (size - from));
                while (bb.hasRemaining() && ch.read(bb, from + bb.position()) > 0) {
                    // until the buffer is full
                }
                synchronized (buf) {
                    buf.write(bb.array(), 0, bb.position());
                    truncated = from > 0;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the output of a tool from its memfd", e);
            }
        }

        /** One read of what is there; end of file (or a read error: the writer died) closes the pipe. */
        void readSome(byte[] b) {
            int n;
            try {
                n = FdStreams.input(fd).read(b, 0, b.length);
            } catch (IOException e) {
                n = -1;
            }
            if (n <= 0) {
                fd.close();
                return;
            }
            synchronized (buf) {
                if (buf.size() + n > MAX_CAPTURE) {
                    byte[] all = buf.toByteArray();
                    int keep = Math.min(all.length, Math.max(0, MAX_CAPTURE / 2 - n));
                    buf.reset();
                    buf.write(all, all.length - keep, keep);
                    truncated = true;
                }
                buf.write(b, 0, n);
            }
        }

        /** The captured text (complete once the watcher is done). */
        String text() {
            String s;
            synchronized (buf) {
                s = buf.toString(StandardCharsets.UTF_8);
            }
            return truncated ? "[...]" + s : s;
        }
    }
}
