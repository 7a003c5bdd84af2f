package io.berth.lxc;

import io.berth.sys.ProcessRunner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Thin wrappers around the real {@code lxc-*} programs for one lxcpath. Output is captured through temp files, not
 * pipes, because a daemonized monitor could otherwise keep a pipe open and block the reader.
 */
public final class LxcTools {
    /** LXC's log prefix, e.g. {@code lxc-start 100 20261122212140.428 ERROR    conf - ../src/lxc/conf.c:f:1 - }. */
    private static final Pattern LOG_PREFIX = Pattern.compile("^\\s*lxc-\\S+\\s+\\S+\\s+\\d+\\.\\d+\\s+");
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private final Path lxcpath;

    public LxcTools(Path lxcpath) { this.lxcpath = lxcpath; }

    public Path lxcpath() { return lxcpath; }

    /**
     * {@code lxc-start -n NAME -P LXCPATH -d -o LOG -l LEVEL}: returns once the container is RUNNING or has failed
     * (LXC waits for that in daemon mode). On failure the result carries the log lines of this start.
     */
    public ToolResult start(String name, Path logFile, String logLevel) {
        long before = sizeOf(logFile);
        ToolResult r = run(List.of("lxc-start", "-n", name, "-P", lxcpath.toString(), "-d", "-o", logFile.toString(),
                "-l", logLevel), DEFAULT_TIMEOUT);
        if (r.ok()) return r;
        return new ToolResult(r.command(), r.exitCode(), r.stdout(), r.stderr(), logSince(logFile, before));
    }

    /** {@code lxc-stop}: kill, or shutdown with a timeout and optional kill afterwards. */
    public ToolResult stop(String name, StopRequest how) {
        List<String> cmd = new ArrayList<>(List.of("lxc-stop", "-n", name, "-P", lxcpath.toString()));
        Duration limit = DEFAULT_TIMEOUT;
        switch (how) {
            case StopRequest.Kill k -> cmd.add("--kill");
            case StopRequest.Shutdown s -> {
                if (!s.killAfter()) cmd.add("--nokill");
                cmd.add("--timeout");
                cmd.add(Long.toString(s.timeout().toSeconds()));
                limit = s.timeout().plusSeconds(5);
            }
        }
        return run(cmd, limit);
    }

    /** {@code lxc-attach -- CMD} with captured output, e.g. for {@code berth exec} in scripts and tests. */
    public ToolResult attach(String name, List<String> command, Duration timeout) {
        List<String> cmd = new ArrayList<>(List.of("lxc-attach", "-n", name, "-P", lxcpath.toString(), "--"));
        cmd.addAll(command);
        return run(cmd, timeout);
    }

    /** {@code lxc-attach} sharing this process's terminal; returns the exit status. An empty command opens a shell. */
    public int attachInteractive(String name, List<String> command) {
        List<String> cmd = new ArrayList<>(List.of("lxc-attach", "-n", name, "-P", lxcpath.toString()));
        if (!command.isEmpty()) {
            cmd.add("--");
            cmd.addAll(command);
        }
        return runInteractive(cmd);
    }

    /** {@code lxc-console -t TTY} on this terminal ({@code escape} is the Ctrl+key letter, e.g. 'a'). */
    public int console(String name, int tty, char escape) {
        return runInteractive(List.of("lxc-console", "-n", name, "-P", lxcpath.toString(), "-t", Integer.toString(tty),
                "-e", "^" + escape));
    }

    public ToolResult freeze(String name) {
        return run(List.of("lxc-freeze", "-n", name, "-P", lxcpath.toString()), DEFAULT_TIMEOUT);
    }

    public ToolResult unfreeze(String name) {
        return run(List.of("lxc-unfreeze", "-n", name, "-P", lxcpath.toString()), DEFAULT_TIMEOUT);
    }

    /** {@code lxc-info -H} (raw numbers). Prefer the command socket for status; this is for humans and tests. */
    public ToolResult info(String name) {
        return run(List.of("lxc-info", "-n", name, "-P", lxcpath.toString(), "-H"), DEFAULT_TIMEOUT);
    }

    /** Runs a tool, capturing stdout/stderr; kills it after {@code timeout}. */
    static ToolResult run(List<String> cmd, Duration timeout) {
        // through memory files, not pipes: lxc-start -d leaves its monitor holding them
        try (ProcessRunner.Running p = ProcessRunner.pipeline(List.of(cmd)).stdoutCaptured().captureViaFiles().start()) {
            boolean done = p.waitFor(timeout);
            if (!done) p.close();
            ProcessRunner.Result r = p.await().getFirst();
            String se = r.stderr();
            if (!done) se = se + (se.isEmpty() ? "" : "\n") + "killed after " + timeout.toSeconds() + " s";
            return new ToolResult(cmd, done ? r.exitCode() : -1, r.stdout(), se, List.of());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new io.berth.error.HostFailureException("interrupted while running " + String.join(" ", cmd), e);
        }
    }

    private static int runInteractive(List<String> cmd) {
        try (ProcessRunner.Running p = ProcessRunner.pipeline(List.of(cmd)).inheritStdio().start()) {
            return p.await().getFirst().exitCode();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new io.berth.error.HostFailureException("interrupted while running " + String.join(" ", cmd), e);
        }
    }

    /** The log lines appended after byte offset {@code from}, without LXC's "lxc-start NAME TIMESTAMP" prefix. */
    static List<String> logSince(Path log, long from) {
        try {
            if (!Files.exists(log)) return List.of();
            byte[] all = Files.readAllBytes(log);
            int start = (int) Math.min(Math.max(0, from), all.length);
            String text = new String(all, start, all.length - start, StandardCharsets.UTF_8);
            List<String> lines = new ArrayList<>();
            for (String l : text.split("\n")) {
                String s = LOG_PREFIX.matcher(l).replaceFirst("").strip();
                if (!s.isEmpty()) lines.add(s);
            }
            return lines;
        } catch (IOException e) {
            return List.of("(cannot read " + log + ": " + e.getMessage() + ")");
        }
    }

    private static long sizeOf(Path p) {
        try {
            return Files.exists(p) ? Files.size(p) : 0;
        } catch (IOException e) {
            return 0;
        }
    }
}
