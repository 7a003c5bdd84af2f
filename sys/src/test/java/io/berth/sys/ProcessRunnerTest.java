package io.berth.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.error.HostFailureException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProcessRunnerTest {
    @Test void capturesStdoutAndStderrSeparately() {
        var r = ProcessRunner.of("sh", "-c", "echo out; echo err >&2; exit 3").run();
        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.stdout()).isEqualTo("out\n");
        assertThat(r.stderr()).isEqualTo("err\n");
        assertThatThrownBy(r::orThrow).isInstanceOf(HostFailureException.class)
                .hasMessage("sh -c echo out; echo err >&2; exit 3 failed (exit code 3): err");
    }

    @Test void feedsStdinAndEnvironment() {
        var r = ProcessRunner.of("sh", "-c", "cat; echo $BERTH_T").input("in\n").env("BERTH_T", "v").run().orThrow();
        assertThat(r.stdout()).isEqualTo("in\nv\n");
    }

    @Test void killsWhatOutlivesItsTimeoutWithItsChildren() {
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> ProcessRunner.of("sh", "-c", "sleep 30 & sleep 30").timeout(Duration.ofMillis(300)).run())
                .isInstanceOf(HostFailureException.class).hasMessageContaining("did not finish within 300 ms");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    }

    /** lxc-start's way: no thread started, output and stderr in one memory file a daemon it leaves may keep open. */
    @Test void runsOnTheCallingThreadWithADaemonLeftBehind() {
        int threads = Thread.getAllStackTraces().size();
        long t0 = System.nanoTime();
        var r = ProcessRunner.runOnThisThread(java.util.List.of("sh", "-c", "echo out; echo err >&2; (sleep 3 &) ; exit 5"),
                Duration.ofSeconds(10));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
        assertThat(r.exitCode()).isEqualTo(5);
        assertThat(r.stdout()).isEqualTo("out\nerr\n");
        assertThat(Thread.getAllStackTraces().size()).isLessThanOrEqualTo(threads);
        var slow = ProcessRunner.runOnThisThread(java.util.List.of("sh", "-c", "sleep 30 & sleep 30"), Duration.ofMillis(300));
        assertThat(slow.exitCode()).isEqualTo(124);
        assertThat(slow.stdout()).contains("timed out");
        assertThatThrownBy(() -> ProcessRunner.runOnThisThread(java.util.List.of("berth-no-such-tool"), Duration.ofSeconds(1)))
                .isInstanceOf(HostFailureException.class).hasMessageContaining("cannot run berth-no-such-tool");
    }

    @Test void withoutATimeoutItWaitsForTheEnd() {
        var r = ProcessRunner.of("sh", "-c", "sleep 0.3; echo done").timeout(Duration.ofMillis(1)).noTimeout().run().orThrow();
        assertThat(r.stdout()).isEqualTo("done\n");
    }

    @Test void aMissingToolIsNamed() {
        assertThatThrownBy(() -> ProcessRunner.of("berth-no-such-tool").run())
                .isInstanceOf(HostFailureException.class).hasMessageContaining("cannot run berth-no-such-tool");
    }

    @Test void keepsTheTailOfHugeOutput() {
        var r = ProcessRunner.of("sh", "-c", "head -c 3000000 /dev/zero | tr '\\0' a; echo END").run().orThrow();
        assertThat(r.stdout()).startsWith("[...]").endsWith("END\n");
        assertThat(r.stdout().length()).isLessThanOrEqualTo(ProcessRunner.MAX_CAPTURE + 10);
    }

    /** Stages connected by kernel pipes: what the first reads from a file arrives at the last, each stage's stderr apart. */
    @Test void aPipelineConnectsItsStagesAndReportsEachOne(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        java.nio.file.Path in = java.nio.file.Files.writeString(tmp.resolve("in"), "b\na\nc\n");
        try (var p = ProcessRunner.pipeline(java.util.List.of(java.util.List.of("sort"), java.util.List.of("sh", "-c", "tr a-z A-Z; echo two >&2"),
                java.util.List.of("sh", "-c", "cat; echo three >&2; exit 4"))).stdinFrom(in).stdoutCaptured().start()) {
            assertThat(p.pid(0)).isNotEqualTo(p.pid(2));
            var rs = p.await();
            assertThat(rs).extracting(ProcessRunner.Result::exitCode).containsExactly(0, 0, 4);
            assertThat(rs.getLast().stdout()).isEqualTo("A\nB\nC\n");
            assertThat(rs).extracting(ProcessRunner.Result::stderr).containsExactly("", "two\n", "three\n");
            assertThat(rs.get(1).argv()).containsExactly("sh", "-c", "tr a-z A-Z; echo two >&2");
        }
    }

    /** The caller feeds the first stage and reads the last one's output as streams (e.g. a socket into a decompressor). */
    @Test void aPipelineStreamsBetweenTheCallerAndItsEnds() throws Exception {
        byte[] data = new byte[3 << 20];
        new java.util.Random(7).nextBytes(data);
        try (var p = ProcessRunner.pipeline(java.util.List.of(java.util.List.of("gzip", "-1"), java.util.List.of("gzip", "-d")))
                .stdinFromCaller().stdoutToCaller().start()) {
            Thread feed = Thread.ofVirtual().start(() -> {
                try (var o = p.stdin()) {
                    o.write(data);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            byte[] back = p.stdout().readAllBytes();
            feed.join();
            assertThat(back).isEqualTo(data);
            assertThat(p.await()).allSatisfy(r -> assertThat(r.ok()).as(r.stderr()).isTrue());
        }
    }

    /** Closing a pipeline that still runs kills every stage and their children; waiting for it is bounded by the caller. */
    @Test void closingAPipelineKillsWhatStillRuns() throws Exception {
        var p = ProcessRunner.pipeline(java.util.List.of(java.util.List.of("sh", "-c", "sleep 30 & sleep 30"), java.util.List.of("sleep", "30")))
                .stdoutDiscarded().start();
        assertThat(p.waitFor(Duration.ofMillis(200))).isFalse();
        ProcessHandle sh = ProcessHandle.of(p.pid(0)).orElseThrow();
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (sh.descendants().count() < 2 && System.nanoTime() < until) Thread.sleep(20);
        java.util.List<ProcessHandle> children = sh.descendants().toList();
        assertThat(children).hasSize(2);
        p.close();
        assertThat(p.await()).extracting(ProcessRunner.Result::ok).containsExactly(false, false);
        for (ProcessHandle c : children) assertThat(c.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS).isAlive()).isFalse();
    }

    @Test void aPipelineWithAMissingToolNamesIt() {
        assertThatThrownBy(() -> ProcessRunner.pipeline(java.util.List.of(java.util.List.of("cat"), java.util.List.of("berth-no-such-tool"))).start())
                .isInstanceOf(HostFailureException.class).hasMessageContaining("cannot run cat | berth-no-such-tool").hasMessageContaining("is it installed?");
    }

    /** Megabytes on both streams at once while the tool also reads megabytes of stdin: nothing waits on a full pipe. */
    @Test void bigOutputOnBothStreamsAndBigInputDoNotDeadlock() {
        byte[] in = new byte[5 << 20];
        java.util.Arrays.fill(in, (byte) 'x');
        var r = ProcessRunner.of("sh", "-c", "head -c 3000000 /dev/zero >&2; wc -c; head -c 3000000 /dev/zero | tr '\\0' b; echo END")
                .input(in).run().orThrow();
        assertThat(r.stdout()).startsWith("[...]").endsWith("bEND\n");
        assertThat(r.stderr()).startsWith("[...]");
        assertThat(r.stderr().length()).isLessThanOrEqualTo(ProcessRunner.MAX_CAPTURE + 10);
        var counted = ProcessRunner.of("wc", "-c").input(in).run().orThrow();
        assertThat(counted.stdout().strip()).isEqualTo(String.valueOf(in.length));
    }

    /** A signal is reported as such (and as 128 + signal, as a shell says). */
    @Test void aKilledToolIsReportedWithItsSignal() {
        var r = ProcessRunner.of("sh", "-c", "kill -TERM $$").run();
        assertThat(r.signal()).isEqualTo(15);
        assertThat(r.exitCode()).isEqualTo(128 + 15);
        assertThatThrownBy(r::orThrow).isInstanceOf(HostFailureException.class)
                .hasMessage("sh -c kill -TERM $$ failed (killed by signal 15 (SIGTERM))");
    }

    @Test void runsInTheGivenDirectoryAndReadsAGivenFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        java.nio.file.Files.writeString(tmp.resolve("in"), "from a file\n");
        var r = ProcessRunner.of("sh", "-c", "pwd; cat").directory(tmp).stdinFrom(tmp.resolve("in")).run().orThrow();
        assertThat(r.stdout()).isEqualTo(tmp.toRealPath() + "\nfrom a file\n");
        assertThatThrownBy(() -> ProcessRunner.of("cat").stdinFrom(tmp.resolve("missing")).run())
                .isInstanceOf(HostFailureException.class).hasMessageContaining("cannot open " + tmp.resolve("missing"));
    }

    /**
     * Runs on virtual threads do not hold their carriers while the tools run: more runs than carriers, each of which
     * only ends once every one has started, all finish (with pinned carriers the later ones would never start).
     */
    @Test void runsOnVirtualThreadsDoNotPinTheirCarriers(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        int n = Runtime.getRuntime().availableProcessors() + 3;
        String script = "touch " + tmp + "/$1; while [ $(ls " + tmp + " | wc -l) -lt " + n + " ]; do sleep 0.05; done; echo ok";
        var results = new java.util.concurrent.ConcurrentLinkedQueue<String>();
        java.util.List<Thread> ts = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = "t" + i;
            ts.add(Thread.ofVirtual().start(() -> results.add(ProcessRunner.of("sh", "-c", script, "sh", id).timeout(Duration.ofMinutes(2)).run().orThrow().stdout())));
        }
        for (Thread t : ts) t.join();
        assertThat(results).hasSize(n).allMatch("ok\n"::equals);
    }

    /** Every stage's status is reported; a failing middle stage is named by its own result and in orThrow. */
    @Test void aFailingMiddleStageIsNamed() throws Exception {
        try (var p = ProcessRunner.pipeline(java.util.List.of(java.util.List.of("sh", "-c", "echo data"),
                java.util.List.of("sh", "-c", "cat >/dev/null; echo broken >&2; exit 5"), java.util.List.of("cat"))).stdoutCaptured().start()) {
            var rs = p.await();
            assertThat(rs).extracting(ProcessRunner.Result::exitCode).containsExactly(0, 5, 0);
            assertThatThrownBy(() -> rs.get(1).orThrow()).isInstanceOf(HostFailureException.class)
                    .hasMessage("sh -c cat >/dev/null; echo broken >&2; exit 5 failed (exit code 5): broken");
        }
    }

    /** A stage that stops reading ends the one writing into it by SIGPIPE, reported as that signal. */
    @Test void aWriterWhoseReaderQuitGetsSigpipe() throws Exception {
        try (var p = ProcessRunner.pipeline(java.util.List.of(java.util.List.of("yes"), java.util.List.of("head", "-c", "10"))).stdoutCaptured().start()) {
            var rs = p.await();
            assertThat(rs.getFirst().signal()).isEqualTo(13);
            assertThat(rs.getLast().stdout()).isEqualTo("y\ny\ny\ny\ny\n");
        }
    }

    /** Spawned tools get stdio and nothing else of this process's descriptors. */
    @Test void toolsInheritNoOtherDescriptor() {
        var r = ProcessRunner.of("sh", "-c", "ls /proc/self/fd").run().orThrow();
        // 0, 1, 2, and the descriptor ls opened to list the directory
        assertThat(r.stdout().lines().toList()).hasSizeLessThanOrEqualTo(4).contains("0", "1", "2");
    }

    /** A daemon the tool leaves behind holding its output: through memfds the run ends when the tool does. */
    @Test void outputThroughFilesDoesNotWaitForADaemonHoldingIt() {
        var r = ProcessRunner.of("sh", "-c", "echo started; echo warn >&2; sleep 60 & echo $!; exit 0").captureViaFiles().stderrToStdout().run().orThrow();
        java.util.List<String> lines = r.stdout().lines().toList();
        try {
            assertThat(lines).hasSize(3).startsWith("started", "warn");
        } finally {
            ProcessHandle.of(Long.parseLong(lines.getLast())).ifPresent(ProcessHandle::destroyForcibly); // the daemon we left
        }
        var sep = ProcessRunner.of("sh", "-c", "echo out; echo err >&2; exit 2").captureViaFiles().run();
        assertThat(sep.stdout()).isEqualTo("out\n");
        assertThat(sep.stderr()).isEqualTo("err\n");
    }

    /** Output into a log file (appended), stderr with it; an environment variable removed and one added. */
    @Test void outputIntoAFileAndEnvironmentChanges(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        java.nio.file.Path log = java.nio.file.Files.writeString(tmp.resolve("log"), "before\n");
        try (var p = ProcessRunner.pipeline(java.util.List.of(java.util.List.of("sh", "-c", "echo \"${HOME:-unset} $X\"; echo e >&2")))
                .stdoutTo(log, true).stderrToStdout().envRemove("HOME").env("X", "x").start()) {
            assertThat(p.await()).extracting(ProcessRunner.Result::exitCode).containsExactly(0);
        }
        assertThat(java.nio.file.Files.readString(log)).isEqualTo("before\nunset x\ne\n");
    }

    /** A long-running tool fed by the caller, stopped by a signal of the caller's choice. */
    @Test void aRunningToolCanBeSignalled() throws Exception {
        try (var p = ProcessRunner.pipeline(java.util.List.of(java.util.List.of("sh", "-c", "trap 'echo term; exit 3' TERM; while :; do sleep 0.05; done")))
                .stdinFromCaller().stdoutCaptured().start()) {
            assertThat(p.alive()).isTrue();
            long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            // the trap is set once sh runs its loop: signal until it answers
            while (!p.waitFor(Duration.ofMillis(100)) && System.nanoTime() < until) p.signal(Processes.SIGTERM);
            var r = p.await().getFirst();
            assertThat(r.exitCode()).isEqualTo(3);
            assertThat(r.stdout()).isEqualTo("term\n");
            assertThat(p.alive()).isFalse();
        }
    }
}
