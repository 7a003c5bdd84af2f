package io.berth.ct.lifecycle;

import io.berth.ct.phases.Phases;
import io.berth.ct.CtException;
import io.berth.lxc.LxcState;
import io.berth.lxc.socket.LxcCommandClient;
import io.berth.sys.Fd;
import io.berth.sys.ProcessRunner;
import io.berth.sys.Processes;
import io.berth.sys.SysException;
import io.berth.sys.UnixSockets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * Drives one container through the real LXC: {@code lxc-start}/{@code lxc-stop}/{@code lxc-attach} for what needs
 * LXC's own process set-up, and the command socket for state, init pid, hard stop and waiting until the monitor
 * (and with it the post-stop hook) is gone.
 */
public final class LxcRuntime {
    private final CtPaths paths;
    private final LxcCommandClient client;

    public LxcRuntime(CtPaths paths) {
        this.paths = paths;
        this.client = new LxcCommandClient(paths.lxcPath().toString(), paths.name());
    }

    public LxcState state() { return client.state(); }

    public boolean isRunning() { return client.isRunning(); }

    public OptionalInt initPid() { return client.initPid(); }

    /**
     * Starts the container daemonized and waits for RUNNING. On failure the exception carries LXC's error lines of
     * this start attempt and what our hooks wrote.
     *
     * <p>{@code preStartHooks}, when given, replace the rendered config's {@code lxc.hook.pre-start} list for this
     * start ({@code -s lxc.hook.pre-start=} empties it, each further {@code -s} appends one): {@code berth start}
     * did our pre-start work itself, so lxc-start runs no hook process for it, only the raw config's own hooks.
     * lxc-start is spawned on the calling thread, so its monitor copies that thread's mount namespace.
     */
    public void start(Duration timeout, boolean debug, Optional<List<String>> preStartHooks) {
        try {
            Files.deleteIfExists(paths.log());
        } catch (IOException e) {
            throw new CtException("cannot reset LXC log " + paths.log() + ": " + e.getMessage(), e);
        }
        List<String> cmd = new ArrayList<>(List.of("lxc-start", "-d", "-P", paths.lxcPath().toString(), "-n", paths.name(),
                // WARN: what errorReport reads (ERROR lines, hook WARN lines); INFO would cost a log write per set-up step
                "-o", paths.log().toString(), "-l", debug ? "DEBUG" : "WARN"));
        if (preStartHooks.isPresent()) {
            cmd.addAll(List.of("-s", "lxc.hook.pre-start="));
            for (String h : preStartHooks.get()) cmd.addAll(List.of("-s", "lxc.hook.pre-start=" + h));
        }
        Result r;
        try {
            // on this thread: no watcher thread per start (it would be started in this thread's namespace)
            ProcessRunner.Result pr = ProcessRunner.runOnThisThread(cmd, timeout.plusSeconds(5));
            r = new Result(pr.exitCode(), pr.stdout());
        } catch (io.berth.error.HostFailureException e) {
            throw new CtException(e.getMessage(), e);
        }
        Phases.mark("lxc-start");
        Optional<LxcState> reached = r.exit() == 0
                ? client.awaitState(EnumSet.of(LxcState.RUNNING, LxcState.STOPPED, LxcState.ABORTING), timeout)
                : Optional.of(LxcState.STOPPED);
        Phases.mark("wait-running");
        if (reached.isPresent() && reached.get() == LxcState.RUNNING) return;
        // make sure nothing is left of a half-started container before reporting
        if (client.isRunning()) stopAndWait(Duration.ofSeconds(10));
        String why = reached.map(s -> "it reached state " + s).orElse("it did not reach RUNNING within " + timeout.toSeconds() + " s");
        throw new CtException("container " + paths.name() + " failed to start: " + why + errorReport(r.output()));
    }

    /**
     * A start whose pre-start work failed before lxc-start ran: the same report as when our pre-start hook fails
     * inside lxc-start (the hook's line, as its error file gives it).
     */
    public CtException preStartFailed(RuntimeException e) {
        return new CtException("container " + paths.name() + " failed to start: it reached state " + LxcState.STOPPED
                + "\n  hook failed: " + e.getMessage(), e);
    }

    /** LXC's error lines of the last start, and our hook's error file, as an indented block. */
    String errorReport(String lxcStartOutput) {
        List<String> lines = new ArrayList<>();
        try {
            if (Files.exists(paths.hookError())) lines.addAll(Files.readAllLines(paths.hookError(), StandardCharsets.UTF_8));
            if (Files.exists(paths.log())) {
                for (String l : Files.readAllLines(paths.log(), StandardCharsets.UTF_8)) {
                    if (l.contains(" ERROR ") || l.contains(" WARN ") && l.contains("hook")) lines.add(l.strip());
                }
            }
        } catch (IOException e) {
            lines.add("(cannot read " + paths.log() + ": " + e.getMessage() + ")");
        }
        for (String l : lxcStartOutput.split("\n")) if (!l.isBlank()) lines.add(l.strip());
        return lines.isEmpty() ? "" : "\n  " + String.join("\n  ", lines);
    }

    /** Hard stop: the monitor kills init; returns once the monitor has exited (post-stop hooks done). */
    public void stopAndWait(Duration timeout) {
        Optional<LxcCommandClient.Connection> conn = client.open();
        if (conn.isEmpty()) return;
        Optional<Fd> monitor = pinMonitor();
        try (LxcCommandClient.Connection c = conn.get()) {
            long deadline = System.nanoTime() + timeout.toNanos();
            Phases.mark("connect+pin-monitor");
            client.stop();
            Phases.mark("kill");
            boolean hungUp = c.awaitHangup(timeout);
            Phases.mark("until-socket-closed");
            if (!hungUp || !awaitExit(monitor, deadline)) {
                throw new CtException("container " + paths.name() + " did not stop within " + timeout.toSeconds() + " s");
            }
            Phases.mark("until-monitor-exit");
        } finally {
            monitor.ifPresent(Fd::close);
        }
    }

    /**
     * Clean shutdown through the container's halt signal; after {@code timeout} it is killed when
     * {@code forceStop}, otherwise the failure is reported and the container keeps running.
     */
    public void shutdown(Duration timeout, boolean forceStop) {
        Optional<LxcCommandClient.Connection> conn = client.open();
        if (conn.isEmpty()) return;
        Optional<Fd> monitor = pinMonitor();
        try (LxcCommandClient.Connection c = conn.get()) {
            List<String> cmd = new ArrayList<>(List.of("lxc-stop", "-P", paths.lxcPath().toString(), "-n", paths.name(),
                    "--timeout", Long.toString(timeout.toSeconds())));
            if (!forceStop) cmd.add("--nokill");
            Result r = run(cmd, timeout.plusSeconds(10));
            Duration grace = Duration.ofSeconds(r.exit() == 0 ? 30 : 1);
            if (c.awaitHangup(grace) && awaitExit(monitor, System.nanoTime() + grace.toNanos())) return;
            throw new CtException("container " + paths.name() + " did not shut down within " + timeout.toSeconds()
                    + " s" + (forceStop ? "" : " (use --force-stop to kill it after the timeout)")
                    + (r.output().isBlank() ? "" : ": " + r.output().strip()));
        } finally {
            monitor.ifPresent(Fd::close);
        }
    }

    /**
     * The container's LXC monitor (its init's parent), pinned by a pidfd. LXC closes the command socket and reports
     * STOPPED before it runs the post-stop hooks, so a stop is only complete when the monitor itself has exited:
     * until then our post-stop hook may still be unmounting volumes.
     */
    private Optional<Fd> pinMonitor() {
        OptionalInt init = client.initPid();
        if (init.isEmpty()) return Optional.empty();
        Fd fd = null;
        try {
            fd = Processes.pidfdOpen(Processes.parentPid(init.getAsInt()));
            // the parent was read while init still ran under this monitor, so the pidfd is not of a reused pid
            if (client.initPid().equals(init)) return Optional.of(fd);
        } catch (SysException | IllegalStateException e) {
            // init or monitor already gone: nothing to wait for
        }
        if (fd != null) fd.close();
        return Optional.empty();
    }

    /** Waits until the pinned process has exited (its pidfd turns readable); false on timeout. */
    private static boolean awaitExit(Optional<Fd> pidfd, long deadlineNanos) {
        if (pidfd.isEmpty()) return true;
        long ms = Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
        return (UnixSockets.poll(pidfd.get(), UnixSockets.POLLIN, (int) Math.min(ms, Integer.MAX_VALUE)) & UnixSockets.POLLIN) != 0;
    }

    public void freeze() { simpleTool("lxc-freeze", List.of()); }

    public void unfreeze() { simpleTool("lxc-unfreeze", List.of()); }

    private void simpleTool(String tool, List<String> extra) {
        List<String> cmd = new ArrayList<>(List.of(tool, "-P", paths.lxcPath().toString(), "-n", paths.name()));
        cmd.addAll(extra);
        Result r = run(cmd, Duration.ofSeconds(60));
        if (r.exit() != 0) throw new CtException(tool + " " + paths.name() + " failed (exit " + r.exit() + "): " + r.output().strip());
    }

    /** The {@code lxc-attach} command line that runs {@code command} (or a login shell if empty), environment cleared. */
    public List<String> attachCommand(List<String> command) {
        return attachCommand(command, false);
    }

    /**
     * With {@code keepEnv} ({@code --keep-env}, pct's default for enter/exec) lxc-attach passes its own environment
     * in: whoever runs this command line gives it the caller's (the berthd client execs it, or berthd spawns it with
     * the client's environment), so no variable is ever put on a command line where {@code ps} would show it.
     * Without it the environment is cleared, but TERM is kept and HOME and PATH are set, as a login would (issue
     * 10.16: HOME was unset).
     */
    public List<String> attachCommand(List<String> command, boolean keepEnv) {
        List<String> cmd = new ArrayList<>(List.of("lxc-attach", "-P", paths.lxcPath().toString(), "-n", paths.name()));
        if (keepEnv) {
            cmd.add("--keep-env");
        } else {
            cmd.addAll(List.of("--clear-env", "--keep-var", "TERM", "-v", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                    "-v", "HOME=/root"));
        }
        if (!command.isEmpty()) {
            cmd.add("--");
            cmd.addAll(command);
        }
        return cmd;
    }

    public List<String> consoleCommand() {
        return consoleCommand("tty", java.util.Optional.empty());
    }

    /**
     * Proxmox's {@code get_console_command}: {@code cmode} console attaches to /dev/console ({@code -t 0}), tty to a
     * free tty, shell runs a shell by lxc-attach; {@code escape} is lxc-console's escape prefix (e.g. {@code ^b}).
     */
    public List<String> consoleCommand(String cmode, java.util.Optional<String> escape) {
        List<String> cmd = new ArrayList<>();
        switch (cmode) {
            case "console" -> cmd.addAll(List.of("lxc-console", "-P", paths.lxcPath().toString(), "-n", paths.name(), "-t", "0"));
            case "tty" -> cmd.addAll(List.of("lxc-console", "-P", paths.lxcPath().toString(), "-n", paths.name()));
            case "shell" -> {
                return attachCommand(List.of());
            }
            default -> throw new io.berth.error.InvalidInputException("cmode", "'" + cmode + "' is invalid; allowed: shell, console, tty");
        }
        escape.ifPresent(e -> cmd.addAll(List.of("-e", e)));
        return cmd;
    }

    record Result(int exit, String output) {}

    static Result run(List<String> cmd, Duration timeout) {
        // output through memory files, not pipes: a daemonizing lxc-start's monitor inherits them and holds them open
        // for the container's life, and a file has no such reader to wait for
        try (ProcessRunner.Running p = ProcessRunner.pipeline(List.of(cmd)).stdoutCaptured().stderrToStdout().captureViaFiles().start()) {
            if (!p.waitFor(timeout)) {
                p.close();
                return new Result(124, String.join(" ", cmd) + ": timed out after " + timeout.toSeconds() + " s");
            }
            ProcessRunner.Result r = p.await().getFirst();
            return new Result(r.exitCode(), r.stdout());
        } catch (io.berth.error.HostFailureException e) {
            throw new CtException(e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CtException(cmd.get(0) + " interrupted", e);
        }
    }

    static Path lxcPathOf(CtPaths p) { return p.lxcPath(); }
}
