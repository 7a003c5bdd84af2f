package io.berth.cli.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * exec through a real berthd (its own JVM, started by {@code bin/berth daemon start}) into a running busybox
 * container: exit codes, binary output, stdin EOF, Ctrl-C with and without a terminal, a pty's window size, and a
 * berthd killed in the middle of an exec. The terminal cases run under util-linux {@code script}, which gives the
 * client a pty of its own.
 */
@Tag("root")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DaemonExecTest {
    static final int VMID = 3101;
    @TempDir static Path tmp;
    static Path root, launcher;
    static Map<String, String> env;

    @BeforeAll static void startBerthdAndAContainer() throws Exception {
        TestBerthd b = TestBerthd.in(tmp);
        launcher = b.launcher();
        root = b.root();
        env = b.env();
        ok("daemon", "start");
        String template = ok("template", "build", "busybox").strip();
        ok("create", Integer.toString(VMID), template, "--rootfs", "local:0", "--quiet");
        ok("start", Integer.toString(VMID));
    }

    @AfterAll static void cleanUp() throws Exception {
        if (root == null) return;
        run(List.of("stop", Integer.toString(VMID)), Map.of("BERTH_NO_DAEMON", "1"), null);
        run(List.of("destroy", Integer.toString(VMID)), Map.of("BERTH_NO_DAEMON", "1"), null);
        run(List.of("daemon", "stop"), Map.of(), null);
    }

    @Test @Order(1) void exitCodesAndBinaryOutputPassThrough() throws Exception {
        assertThat(exec(null, "sh", "-c", "exit 42").exit()).isEqualTo(42);
        assertThat(exec(null, "true").exit()).isZero();
        Result bin = exec(null, "sh", "-c", "printf '\\000\\377\\376a\\r\\nb'; printf 'err\\000' >&2");
        assertThat(bin.out()).containsExactly(0, 0xff, 0xfe, 'a', '\r', '\n', 'b');
        assertThat(bin.err()).containsExactly('e', 'r', 'r', 0);
        // a whole binary, byte for byte as lxc-attach gives it
        byte[] viaBerth = exec(null, "cat", "/bin/busybox").out();
        Process raw = new ProcessBuilder("lxc-attach", "-P", root.resolve("var/lxc").toString(), "-n", Integer.toString(VMID),
                "--", "cat", "/bin/busybox").start();
        byte[] direct = raw.getInputStream().readAllBytes();
        raw.waitFor();
        assertThat(viaBerth.length).isGreaterThan(500_000);
        assertThat(Arrays.equals(viaBerth, direct)).isTrue();
    }

    @Test @Order(2) void stdinReachesTheProcessUpToEndOfFile() throws Exception {
        Result r = exec("line1\nline2\n".getBytes(StandardCharsets.UTF_8), "sh", "-c", "cat; echo done");
        assertThat(r.exit()).isZero();
        assertThat(new String(r.out(), StandardCharsets.UTF_8)).isEqualTo("line1\nline2\ndone\n");
    }

    /** pct's enter/exec keep the caller's environment unless --keep-env 0; through berthd and without it alike. */
    @Test @Order(2) void theCallersEnvironmentPassesInUnlessKeepEnvIsZero() throws Exception {
        String vmid = Integer.toString(VMID);
        for (Map<String, String> how : List.of(Map.of("BERTH_T", "v1"), Map.of("BERTH_T", "v1", "BERTH_NO_DAEMON", "1"))) {
            Result kept = run(List.of("exec", vmid, "--", "sh", "-c", "echo t=$BERTH_T home=$HOME"), how, null);
            assertThat(kept.exit()).as(new String(kept.err(), StandardCharsets.UTF_8)).isZero();
            assertThat(new String(kept.out(), StandardCharsets.UTF_8)).isEqualTo("t=v1 home=" + System.getenv("HOME") + "\n");
            Result cleared = run(List.of("exec", vmid, "--keep-env", "0", "--", "sh", "-c", "echo t=$BERTH_T home=$HOME"), how, null);
            assertThat(cleared.exit()).isZero();
            assertThat(new String(cleared.out(), StandardCharsets.UTF_8)).isEqualTo("t= home=/root\n");
        }
    }

    @Test @Order(3) void sigintToTheClientReachesTheProcessInside() throws Exception {
        Process p = start(List.of("exec", Integer.toString(VMID), "--", "sh", "-c",
                "trap 'echo got-INT; exit 7' INT; echo ready; while :; do sleep 1; done"));
        Reader out = new Reader(p.getInputStream());
        out.await(s -> s.contains("ready"));
        awaitReadyForSigint(p.pid());
        // SIGINT to the client alone (as `kill -INT` of the berth command): it forwards it to lxc-attach's process group
        new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "exec did not end after SIGINT");
        assertThat(out.finish()).contains("got-INT");
        assertThat(p.exitValue()).isEqualTo(7);
    }

    @Test @Order(4) void onAPtyTheWindowSizeFollowsAndCtrlCIsSigintInside() throws Exception {
        Path ttyName = tmp.resolve("tty-name");
        String inner = "echo ready; while read x; do [ \"$x\" = q ] && break; stty size; done; "
                + "trap 'echo got-INT; exit 9' INT; echo armed; sleep 60";
        Process p = underScript("tty > " + ttyName + "; exec " + command(List.of("exec", Integer.toString(VMID), "--",
                "sh", "-c", inner)));
        Reader out = new Reader(p.getInputStream());
        OutputStream in = p.getOutputStream();
        out.await(s -> s.contains("ready"));
        String pts = Files.readString(ttyName).strip();
        assertThat(new ProcessBuilder("stty", "-F", pts, "rows", "50", "cols", "132").start().waitFor()).isZero();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!out.text().contains("50 132") && System.nanoTime() < deadline) {
            in.write('\r');
            in.flush();
            Thread.sleep(200);
        }
        assertThat(out.text()).contains("50 132");
        in.write("q\r".getBytes(StandardCharsets.US_ASCII));
        in.flush();
        out.await(s -> s.contains("armed"));
        awaitDescendant(p.pid(), "sleep"); // the shell has reached its `sleep 60`
        in.write(3); // Ctrl-C
        in.flush();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "exec did not end after Ctrl-C: " + out.text());
        assertThat(out.finish()).contains("got-INT");
        assertThat(p.exitValue()).isEqualTo(9);
    }

    @Test @Order(5) void killingBerthdMidExecLeavesNoStuckTerminalAndNoStrayProcess() throws Exception {
        // on a terminal: lxc-attach runs in the client's place (it needs the terminal as its controlling one), so a
        // berthd killed meanwhile changes nothing: the command finishes and lxc-attach restores the terminal
        Path ttyName = tmp.resolve("tty-name2"), after = tmp.resolve("stty-after");
        Process p = underScript("tty > " + ttyName + "; " + command(List.of("exec", Integer.toString(VMID), "--",
                "sh", "-c", "echo ready; sleep 2; echo finished")) + "; echo rc=$?; stty -a > " + after);
        Reader out = new Reader(p.getInputStream());
        out.await(s -> s.contains("ready"));
        String pts = Files.readString(ttyName).strip();
        assertThat(stty(pts)).contains("-icanon").contains("-echo "); // lxc-attach's raw mode, while it runs
        killBerthd();
        assertTrue(p.waitFor(15, TimeUnit.SECONDS), "exec did not finish: " + out.text());
        assertThat(out.finish()).contains("finished").contains("rc=0");
        assertThat(Files.readString(after)).contains(" icanon").contains(" echo ").doesNotContain("-icanon");

        // without a terminal the client runs it too (as its child, forwarding signals): berthd's death changes nothing
        // either, and nothing is left behind
        ok("daemon", "start");
        Process q = start(List.of("exec", Integer.toString(VMID), "--", "sh", "-c", "echo ready; sleep 2; echo finished; exit 3"));
        Reader qout = new Reader(q.getInputStream());
        qout.await(s -> s.contains("ready"));
        killBerthd();
        assertTrue(q.waitFor(15, TimeUnit.SECONDS), "exec did not finish: " + qout.text());
        assertThat(qout.finish()).as("exit %d", q.exitValue()).contains("finished").doesNotContain("berthd went away");
        assertThat(q.exitValue()).isEqualTo(3);
        String left = "?";
        for (int i = 0; i < 50 && !left.isEmpty(); i++) { // the container's side of lxc-attach may take a moment to go
            Process ps = new ProcessBuilder("pgrep", "-f", "lxc-attach -P " + root).start();
            left = new String(ps.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            ps.waitFor();
            if (!left.isEmpty()) Thread.sleep(100);
        }
        if (!left.isEmpty()) {
            Process ps = new ProcessBuilder("ps", "-o", "pid,ppid,pgid,stat,lstart,args", "-p", left.strip().replace('\n', ',')).start();
            left += new String(ps.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(left).as("lxc-attach left behind").isEmpty();
        // with berthd gone the stale socket stays, and commands run in their own JVM
        assertThat(run(List.of("config", Integer.toString(VMID)), Map.of(), null).exit()).isZero();
    }

    @Test @Order(6) void startallAndStopallRunInBerthdInStartupOrder() throws Exception {
        if (!DaemonCommand.answers(root.resolve("var/run/berthd/berthd.sock"))) ok("daemon", "start");
        String template = ok("template", "build", "busybox").strip();
        // created stopped; order=1 must start before order=2 and stop after it
        ok("create", "3102", template, "--rootfs", "local:0", "--quiet", "--onboot", "1", "--startup", "order=2");
        ok("create", "3103", template, "--rootfs", "local:0", "--quiet", "--onboot", "1", "--startup", "order=1");
        try {
            // the client's cold path cannot run (no jar): a success proves berthd served the command
            Map<String, String> noCold = Map.of("BERTH_JAR", tmp.resolve("no-such.jar").toString());
            Result start = run(List.of("startall"), noCold, null);
            String out = new String(start.out(), StandardCharsets.UTF_8);
            assertThat(start.exit()).as(out + new String(start.err(), StandardCharsets.UTF_8)).isZero();
            assertThat(out).contains("CT 3103: starting (order 1)").contains("CT 3102: starting (order 2)");
            assertThat(out.indexOf("CT 3103: starting")).isLessThan(out.indexOf("CT 3102: starting"));
            for (String id : List.of("3102", "3103")) assertThat(ok("status", id)).contains("running");
            Result stop = run(List.of("stopall", "--timeout", "5", "--vms", "3102,3103"), noCold, null);
            String stopOut = new String(stop.out(), StandardCharsets.UTF_8);
            assertThat(stop.exit()).as(stopOut + new String(stop.err(), StandardCharsets.UTF_8)).isZero();
            assertThat(stopOut.indexOf("CT 3102: shutting down")).isNotNegative().isLessThan(stopOut.indexOf("CT 3103: shutting down"));
            for (String id : List.of("3102", "3103")) assertThat(ok("status", id)).contains("stopped");
        } finally {
            for (String id : List.of("3102", "3103")) {
                run(List.of("stop", id), Map.of("BERTH_NO_DAEMON", "1"), null);
                run(List.of("destroy", id, "--purge"), Map.of("BERTH_NO_DAEMON", "1"), null);
            }
        }
    }

    /**
     * Waits until a SIGINT sent to the client can only end as the test expects: every {@code lxc-attach} under the
     * client ignores SIGINT, as it does while it waits for the process inside (a SIGINT before that kills lxc-attach,
     * which takes the process inside with it, as when lxc-attach is run by hand), and a process under it (the shell
     * inside the container, seen through its host pid) has its trap installed (SIGINT caught). The whole tree is
     * watched: client, lxc-attach, the shell inside and its {@code sleep}. On a loaded machine these can come well
     * after the process inside printed its first line.
     */
    static void awaitReadyForSigint(long clientPid) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        String seen = "";
        while (System.nanoTime() < deadline) {
            List<ProcessHandle> tree = ProcessHandle.of(clientPid).map(h -> h.descendants().toList()).orElse(List.of());
            int attach = 0, attachIgnoring = 0;
            boolean trapped = false;
            StringBuilder sb = new StringBuilder();
            for (ProcessHandle h : tree) {
                long ign = sigMask(h.pid(), "SigIgn:"), cgt = sigMask(h.pid(), "SigCgt:");
                String cmd = argv0(h.pid());
                sb.append(h.pid()).append(' ').append(cmd).append(" ign=").append(Long.toHexString(ign)).append(" cgt=")
                        .append(Long.toHexString(cgt)).append("; ");
                // lxc-attach re-executes itself from a memfd: its argv[0] stays, its exe link does not
                boolean isAttach = cmd.equals("lxc-attach") || cmd.endsWith("/lxc-attach");
                if (isAttach) {
                    attach++;
                    if (ign >= 0 && (ign & SIGINT_BIT) != 0) attachIgnoring++;
                } else if (cgt >= 0 && (cgt & SIGINT_BIT) != 0) {
                    trapped = true;
                }
            }
            if (attach > 0 && attachIgnoring == attach && trapped) return;
            seen = sb.toString();
            Thread.sleep(20);
        }
        throw new AssertionError("the client's lxc-attach did not come to ignore SIGINT with the trap set inside: " + seen);
    }

    static final long SIGINT_BIT = 1L << 1;

    /** Waits until a process named {@code argv0} runs somewhere under {@code pid} (30 s at most). */
    static void awaitDescendant(long pid, String argv0) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            List<ProcessHandle> tree = ProcessHandle.of(pid).map(h -> h.descendants().toList()).orElse(List.of());
            for (ProcessHandle h : tree) if (argv0(h.pid()).equals(argv0)) return;
            Thread.sleep(20);
        }
        throw new AssertionError("no " + argv0 + " under process " + pid);
    }

    static String argv0(long pid) {
        try {
            String c = Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"));
            int nul = c.indexOf('\0');
            return nul < 0 ? c : c.substring(0, nul);
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    /** A signal mask line of /proc/PID/status ({@code SigIgn:}, {@code SigCgt:}); -1 when the process is gone. */
    static long sigMask(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith(field)) return Long.parseLong(line.substring(field.length()).strip(), 16);
            }
        } catch (IOException | RuntimeException e) {
            // gone meanwhile
        }
        return -1;
    }

    /** SIGKILL to berthd, found by its pid file and checked to be this test's berthd before anything is killed. */
    static void killBerthd() throws Exception {
        long pid = berthdPid();
        assertThat(new ProcessBuilder("kill", "-KILL", Long.toString(pid)).start().waitFor()).isZero();
        ProcessHandle.of(pid).ifPresent(h -> h.onExit().join());
    }

    /** The pid in berthd's pid file, once it names a live {@code daemon run} of this test's root (30 s at most). */
    static long berthdPid() throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        String last = "";
        while (System.nanoTime() < deadline) {
            try {
                long pid = Long.parseLong(Files.readString(root.resolve("var/run/berthd.pid")).strip());
                String cmdline = Files.readString(Path.of("/proc", Long.toString(pid), "cmdline")).replace('\0', ' ');
                if (cmdline.contains(" " + root + " daemon run")) return pid;
                last = pid + ": " + cmdline;
            } catch (IOException | NumberFormatException e) {
                last = e.toString();
            }
            Thread.sleep(20);
        }
        throw new AssertionError("berthd's pid file names no berthd of " + root + ": " + last);
    }

    // ---- helpers ----

    record Result(int exit, byte[] out, byte[] err) {}

    static Result exec(byte[] stdin, String... cmd) throws Exception {
        List<String> args = new ArrayList<>(List.of("exec", Integer.toString(VMID), "--"));
        args.addAll(List.of(cmd));
        return run(args, Map.of(), stdin);
    }

    static String ok(String... args) throws Exception {
        Result r = run(List.of(args), Map.of(), null);
        assertThat(r.exit()).as("berth %s: %s", String.join(" ", args), new String(r.err(), StandardCharsets.UTF_8)).isZero();
        return new String(r.out(), StandardCharsets.UTF_8);
    }

    static Result run(List<String> args, Map<String, String> extraEnv, byte[] stdin) throws Exception {
        ProcessBuilder pb = builder(args);
        pb.environment().putAll(extraEnv);
        Process p = pb.start();
        Reader err = new Reader(p.getErrorStream());
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) in.write(stdin);
        }
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "berth " + args + " did not end");
        err.thread.join(5000);
        return new Result(p.exitValue(), out, err.bytes());
    }

    static Process start(List<String> args) throws IOException {
        return builder(args).redirectErrorStream(true).start();
    }

    static ProcessBuilder builder(List<String> args) {
        // default signal dispositions: a test runner started in the background (SIGINT ignored) or under nohup
        // (SIGHUP ignored) would hand those on to the client and through lxc-attach into the container
        List<String> cmd = new ArrayList<>(List.of("env", "--default-signal", launcher.toString(), "--root", root.toString()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("BERTH_NO_DAEMON");
        pb.environment().putAll(env);
        return pb;
    }

    static String command(List<String> args) {
        List<String> all = new ArrayList<>(List.of(launcher.toString(), "--root", root.toString()));
        all.addAll(args);
        StringBuilder sb = new StringBuilder();
        for (String a : all) sb.append(" '").append(a.replace("'", "'\\''")).append('\'');
        return sb.toString().strip();
    }

    /** {@code script} runs the shell command on a new pty (its session's controlling terminal). */
    static Process underScript(String shellCommand) throws IOException {
        ProcessBuilder pb = new ProcessBuilder("env", "--default-signal", "script", "-qfec", shellCommand, "/dev/null").redirectErrorStream(true);
        pb.environment().remove("BERTH_NO_DAEMON");
        pb.environment().putAll(env);
        pb.environment().put("TERM", "xterm");
        return pb.start();
    }

    static String stty(String pts) throws Exception {
        Process p = new ProcessBuilder("stty", "-F", pts, "-a").redirectErrorStream(true).start();
        String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return s;
    }

    /** Collects a stream on a thread, so a test can wait for some output while the process runs. */
    static final class Reader {
        final ByteArrayOutputStream buf = new ByteArrayOutputStream();
        final Thread thread;

        Reader(InputStream in) {
            thread = Thread.ofPlatform().daemon().start(() -> {
                byte[] b = new byte[4096];
                try (in) {
                    for (int n; (n = in.read(b)) > 0; ) {
                        synchronized (buf) {
                            buf.write(b, 0, n);
                        }
                    }
                } catch (IOException ignored) {
                    // the process ended
                }
            });
        }

        byte[] bytes() {
            synchronized (buf) {
                return buf.toByteArray();
            }
        }

        String text() {
            return new String(bytes(), StandardCharsets.UTF_8);
        }

        /**
         * All of the output, once the process has ended: the reader thread may not have taken the last bytes from the
         * pipe yet when waitFor returns (on a loaded machine it often has not), so wait for its end of stream.
         */
        String finish() throws InterruptedException {
            thread.join(20_000);
            return text();
        }

        void await(Predicate<String> p) throws InterruptedException {
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (!p.test(text())) {
                if (System.nanoTime() > deadline) throw new AssertionError("timed out; output so far: " + text());
                Thread.sleep(20);
            }
        }
    }
}
