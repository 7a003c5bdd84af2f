package io.berth.ct.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.error.InvalidInputException;
import io.berth.error.NotFoundException;
import io.berth.error.StateException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TasksTest {
    @TempDir Path tmp;

    @Test void upidHasProxmoxFormat() {
        Upid u = new Upid("pve1", 0x1a2b, 0x3c4d, 0x5f000000L, "vzstart", "2001", "root@pam");
        assertThat(u.toString()).isEqualTo("UPID:pve1:00001A2B:00003C4D:5F000000:vzstart:2001:root@pam:");
        // a UPID from a real Proxmox host parses
        Upid pve = Upid.parse("UPID:pve:000B2A8E:0117F2C4:6568A3B5:vzdump:101:root@pam:");
        assertThat(pve).isEqualTo(new Upid("pve", 0xB2A8E, 0x117F2C4, 0x6568A3B5L, "vzdump", "101", "root@pam"));
        assertThatThrownBy(() -> Upid.parse("UPID:pve:xyz")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("'UPID:pve:xyz' is not a task id");
    }

    @Property void upidRoundTrips(@ForAll @LongRange(max = 0xFFFFFFFFL) long pid, @ForAll @LongRange(max = 0xFFFFFFFFL) long start) {
        Upid u = new Upid("n-1", pid, pid ^ 0x5555, start, "vzcreate", "123", "root@pam");
        assertThat(Upid.parse(u.toString())).isEqualTo(u);
    }

    @Test void aTaskLogsItsEndAndIsReadableByAnotherInstanceLaterAsAfterARestart() {
        Tasks tasks = new Tasks(tmp, "node1");
        AtomicReference<Upid> seen = new AtomicReference<>();
        String r = tasks.run("vzstart", "2001", "root@pam", t -> {
            seen.set(t.upid());
            t.log("starting container 2001");
            t.progress(50, "waiting for RUNNING");
            assertThat(tasks.status(t.upid()).status()).isEqualTo(new TaskStatus.Running(50, "waiting for RUNNING"));
            return "done";
        });
        assertThat(r).isEqualTo("done");
        Upid u = seen.get();
        assertThat(u.toString()).startsWith("UPID:node1:").endsWith(":vzstart:2001:root@pam:");

        Tasks restarted = new Tasks(tmp, "node1");
        assertThat(restarted.status(u).status()).isEqualTo(new TaskStatus.Ok());
        assertThat(restarted.status(u).endtime()).isPresent();
        assertThat(restarted.log(u)).containsExactly("starting container 2001", "progress 50% waiting for RUNNING", "TASK OK");
        assertThat(Files.exists(tmp.resolve(u.subdir()).resolve(u.toString()))).isTrue();
    }

    @Test void aFailedTaskRecordsTheErrorAndRethrowsIt() {
        Tasks tasks = new Tasks(tmp, "node1");
        AtomicReference<Upid> seen = new AtomicReference<>();
        assertThatThrownBy(() -> tasks.run("vzdestroy", "2002", "root@pam", t -> {
            seen.set(t.upid());
            throw new StateException("container 2002 is running");
        })).isInstanceOf(StateException.class);
        TaskInfo ti = new Tasks(tmp, "node1").status(seen.get());
        assertThat(ti.status()).isEqualTo(new TaskStatus.Failed("container 2002 is running"));
        assertThat(new Tasks(tmp, "node1").log(seen.get())).last().isEqualTo("TASK ERROR: container 2002 is running");
    }

    @Test void warningsAreCounted() {
        Tasks tasks = new Tasks(tmp, "node1");
        Upid u = tasks.run("vzstop", "2003", "root@pam", t -> {
            t.warn("cannot unmount /data");
            t.warn("volume still busy");
            return t.upid();
        });
        assertThat(tasks.status(u).status().text()).isEqualTo("WARNINGS: 2");
    }

    @Test void twoTasksInOneSecondGetDistinctIdsAndListIsNewestFirst() throws Exception {
        Tasks tasks = new Tasks(tmp, "node1");
        Upid a = tasks.run("vzstart", "2004", "root@pam", Task::upid);
        Upid b = tasks.run("vzstart", "2004", "root@pam", Task::upid);
        assertThat(a).isNotEqualTo(b);
        assertThat(tasks.list(10)).extracting(TaskInfo::upid).containsExactly(b, a);
        assertThat(tasks.list(1)).extracting(TaskInfo::upid).containsExactly(b);
    }

    @Test void aTaskWhoseProcessDiedReadsAsUnexpectedStatus() throws Exception {
        Process p = new ProcessBuilder("true").start();
        long deadPid = p.pid();
        p.waitFor();
        Upid orphan = new Upid("node1", deadPid, 12345, System.currentTimeMillis() / 1000, "vzcreate", "2005", "root@pam");
        Files.createDirectories(tmp.resolve(orphan.subdir()));
        Files.writeString(tmp.resolve(orphan.subdir()).resolve(orphan.toString()), "extracting\n");
        Files.writeString(tmp.resolve("active"), orphan + "\n");
        Tasks tasks = new Tasks(tmp, "node1");
        assertThat(tasks.status(orphan).status()).isEqualTo(new TaskStatus.Vanished());
        assertThat(tasks.status(orphan).status().text()).isEqualTo("unexpected status");
        assertThat(tasks.list(5)).extracting(TaskInfo::upid).containsExactly(orphan);
    }

    @Test void aRunningTaskOfAnotherInstanceShowsItsProgress() throws Exception {
        Tasks tasks = new Tasks(tmp, "node1");
        CountDownLatch inside = new CountDownLatch(1), release = new CountDownLatch(1);
        AtomicReference<Upid> seen = new AtomicReference<>();
        Thread th = Thread.ofPlatform().start(() -> tasks.run("vzcreate", "2006", "root@pam", t -> {
            seen.set(t.upid());
            t.progress(30, "extracting");
            inside.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        }));
        inside.await();
        assertThat(tasks.list(5)).singleElement().satisfies(ti -> assertThat(ti.running()).isTrue());
        release.countDown();
        th.join();
        assertThat(tasks.status(seen.get()).status()).isEqualTo(new TaskStatus.Ok());
    }

    @Test void submittedTasksReturnTheirIdAtOnceAndRecordTheirEnd() throws Exception {
        Tasks tasks = new Tasks(tmp, "node1");
        CountDownLatch release = new CountDownLatch(1);
        Upid ok = tasks.submit("vzstart", "2007", "root@pam", t -> {
            release.await();
            return null;
        });
        assertThat(tasks.status(ok).running()).isTrue();
        Upid bad = tasks.submit("vzstop", "2007", "root@pam", t -> {
            throw new StateException("container 2007 is not running");
        });
        release.countDown();
        for (int i = 0; i < 500 && (tasks.status(ok).running() || tasks.status(bad).running()); i++) Thread.sleep(10);
        assertThat(tasks.status(ok).status()).isEqualTo(new TaskStatus.Ok());
        assertThat(tasks.status(bad).status()).isEqualTo(new TaskStatus.Failed("container 2007 is not running"));
    }

    /** Proxmox keeps a bounded task list: the index rotates into an archive and the archive before it is forgotten. */
    @Test void theIndexIsBoundedAndTheOldestTasksAreForgottenWithTheirLogs() throws Exception {
        long limit = 2000; // about 20 index lines
        Tasks tasks = new Tasks(tmp, "node1", limit);
        java.util.List<Upid> upids = new java.util.ArrayList<>();
        for (int i = 0; i < 150; i++) {
            upids.add(tasks.run("vzstart", "2000", "root@pam", t -> {
                t.log("step");
                return t.upid();
            }));
        }
        long lineMax = upids.getLast().toString().length() + 30;
        assertThat(Files.size(tmp.resolve("index"))).isLessThanOrEqualTo(limit + lineMax);
        assertThat(Files.size(tmp.resolve("index.1"))).isLessThanOrEqualTo(limit + lineMax);
        long logs;
        try (var walk = Files.walk(tmp)) {
            logs = walk.filter(p -> p.getFileName().toString().startsWith("UPID:")).count();
        }
        int kept = tasks.list(10_000).size();
        assertThat(kept).isLessThan(60).isGreaterThan(10);
        assertThat(logs).as("log files kept").isEqualTo(kept);
        // the newest and the archived ones stay readable; the oldest are gone, reported as not found
        assertThat(tasks.status(upids.getLast()).status()).isEqualTo(new TaskStatus.Ok());
        assertThat(tasks.log(upids.get(upids.size() - kept))).containsExactly("step", "TASK OK");
        assertThat(tasks.list(5)).extracting(TaskInfo::upid).containsExactlyElementsOf(upids.reversed().subList(0, 5));
        assertThatThrownBy(() -> tasks.status(upids.getFirst())).isInstanceOf(NotFoundException.class);
        // and each rotation left active empty of ended tasks
        assertThat(Files.readAllLines(tmp.resolve("active")).size()).isLessThan(500);
    }

    /**
     * Ended tasks leave {@code active} once it has ACTIVE_COMPACT (500) lines; a shorter file is not even read at a
     * task's end (its size says it cannot need it), and what is still running stays in either case.
     */
    /** Appends {@code n} ended vzstop tasks (started from {@code firstStart} back) to {@code active} and {@code index}. */
    void appendEnded(int n, long firstStart, long end) throws Exception {
        StringBuilder ended = new StringBuilder(), endLines = new StringBuilder();
        for (int i = 0; i < n; i++) {
            String u = new Upid("node1", 1, 1, firstStart - i, "vzstop", "2011", "root@pam").toString();
            ended.append(u).append('\n');
            endLines.append(FileTaskIndex.indexLine(u, end, "OK"));
        }
        Files.writeString(tmp.resolve("index"), endLines, java.nio.file.StandardOpenOption.APPEND);
        Files.writeString(tmp.resolve("active"), ended, java.nio.file.StandardOpenOption.APPEND);
    }

    @Test void activeIsCompactedOnceLongAndLeftAloneWhileShort() throws Exception {
        Tasks tasks = new Tasks(tmp, "node1");
        tasks.run("vzstart", "2010", "root@pam", t -> null);
        long now = System.currentTimeMillis() / 1000;
        appendEnded(20, now - 1000, now);
        CountDownLatch inside = new CountDownLatch(1), release = new CountDownLatch(1);
        Thread running = Thread.ofPlatform().start(() -> tasks.run("vzcreate", "2012", "root@pam", t -> {
            inside.countDown();
            release.await();
            return null;
        }));
        inside.await();
        // short: ended entries stay (22 lines: the first task, 20 ended ones, the running one; then the next task's)
        tasks.run("vzstart", "2010", "root@pam", t -> null);
        assertThat(Files.readAllLines(tmp.resolve("active"))).hasSize(23);
        // long: 500 lines and more, so the next task's end drops every ended one; the running task stays
        appendEnded(500, now - 5000, now);
        tasks.run("vzstart", "2010", "root@pam", t -> null);
        List<String> left = Files.readAllLines(tmp.resolve("active"));
        assertThat(left).singleElement().satisfies(u -> assertThat(u).contains(":vzcreate:2012:"));
        release.countDown();
        running.join();
        assertThat(tasks.list(1000)).hasSize(524).allSatisfy(ti -> assertThat(ti.running()).isFalse());
    }

    /** The UPID's text is Proxmox's format: 8 upper-case hex digits at least, as String.format wrote it. */
    @Test void upidTextIsTheFormatProxmoxWrites() {
        Upid u = new Upid("node1", 0x1a2b, 0x1_0000_0000L + 0xabcL, 0x6B100E5EL, "vzstart", "100", "root@pam");
        assertThat(u.toString()).isEqualTo(String.format("UPID:%s:%08X:%08X:%08X:%s:%s:%s:", "node1", 0x1a2bL, 0x1_0000_0000L + 0xabcL,
                0x6B100E5EL, "vzstart", "100", "root@pam")).isEqualTo("UPID:node1:00001A2B:100000ABC:6B100E5E:vzstart:100:root@pam:");
        assertThat(Upid.parse(u.toString())).isEqualTo(u);
        assertThat(u.subdir()).isEqualTo("E");
        assertThat(FileTaskIndex.indexLine(u.toString(), 0x5f, "OK")).isEqualTo(String.format("%s %08X %s%n", u, 0x5fL, "OK"));
        assertThatThrownBy(() -> new Upid("node1", 1, 1, 1, "vz:start", "100", "root@pam")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Upid("node1", 1, 1, 1, "vzstart", "1 00", "root@pam")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Upid("-node", 1, 1, 1, "vzstart", "100", "root@pam")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test void unknownTaskIsNotFound() {
        Tasks tasks = new Tasks(tmp, "node1");
        assertThatThrownBy(() -> tasks.status(Upid.parse("UPID:node1:00000001:00000001:00000001:vzstart:1:root@pam:")))
                .isInstanceOf(NotFoundException.class).hasMessageContaining("does not exist");
    }
}
