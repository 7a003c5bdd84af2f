package io.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tasks outlive berthd: operations run by a real berthd ({@code bin/berth daemon start}, its own JVM) leave their
 * UPID, log and status on disk, readable while berthd is stopped and after it starts again, next to the tasks of
 * the new berthd.
 */
@Tag("root")
class TaskRestartTest {
    static final int VMID = 2600;
    static final Pattern UPID = Pattern.compile("UPID:[^ ]+:");
    @TempDir Path tmp;
    Path root, launcher;
    Map<String, String> env;

    record Result(int exit, String out, String err) {}

    Result run(Map<String, String> extraEnv, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("env", "--default-signal", launcher.toString(), "--root", root.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("BERTH_NO_DAEMON");
        pb.environment().putAll(env);
        pb.environment().putAll(extraEnv);
        Path out = Files.createTempFile(tmp, "out", ".txt"), err = Files.createTempFile(tmp, "err", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError("berth " + String.join(" ", args) + " did not end within 300 s");
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    String ok(String... args) throws Exception {
        Result r = run(Map.of(), args);
        assertThat(r.exit()).as("berth %s: %s", String.join(" ", args), r.err()).isZero();
        return r.out();
    }

    /** The newest task of {@code type} for the container, as {@code berth task list} shows it. */
    String newestTask(String type) throws Exception {
        for (String l : ok("task", "list", "--vmid", Integer.toString(VMID)).lines().toList()) {
            Matcher m = UPID.matcher(l);
            if (m.find() && m.group().contains(":" + type + ":" + VMID + ":")) return m.group();
        }
        throw new AssertionError("no " + type + " task of " + VMID + " listed");
    }

    long berthdPid() throws Exception {
        Matcher m = Pattern.compile("pid (\\d+)").matcher(ok("daemon", "status"));
        assertThat(m.find()).isTrue();
        return Long.parseLong(m.group(1));
    }

    @Test void aTasksLogAndStatusAreReadableAfterBerthdStopsAndStartsAgain() throws Exception {
        io.berth.cli.daemon.TestBerthd b = io.berth.cli.daemon.TestBerthd.in(tmp);
        launcher = b.launcher();
        root = b.root();
        env = b.env();
        try {
            ok("daemon", "start");
            long first = berthdPid();
            String template = ok("template", "build", "busybox").strip();
            ok("create", Integer.toString(VMID), template, "--rootfs", "local:0", "--quiet");
            ok("start", Integer.toString(VMID));
            String created = newestTask("vzcreate"), started = newestTask("vzstart");
            // berthd ran them: the UPID carries its pid (Proxmox's format, pid in hex)
            assertThat(created).contains(":%08X:".formatted(first));
            assertThat(started).contains(":%08X:".formatted(first));

            ok("daemon", "stop");
            assertThat(run(Map.of(), "daemon", "status").exit()).isEqualTo(3);
            // readable with berthd gone
            assertThat(ok("task", "status", created)).contains("status: stopped", "exitstatus: OK");
            assertThat(ok("task", "log", started).lines().toList()).last().isEqualTo("TASK OK");

            ok("daemon", "start");
            long second = berthdPid();
            assertThat(second).isNotEqualTo(first);
            assertThat(ok("task", "status", created)).contains("exitstatus: OK");
            assertThat(ok("task", "status", started)).contains("exitstatus: OK");
            assertThat(ok("task", "log", created).lines().toList()).last().isEqualTo("TASK OK");
            // the new berthd's tasks join the same list
            ok("stop", Integer.toString(VMID));
            String stopped = newestTask("vzstop");
            assertThat(stopped).contains(":%08X:".formatted(second));
            assertThat(ok("task", "list", "--vmid", Integer.toString(VMID))).contains(created, started, stopped);
        } finally {
            Map<String, String> direct = Map.of("BERTH_NO_DAEMON", "1");
            run(direct, "stop", Integer.toString(VMID));
            run(direct, "destroy", Integer.toString(VMID));
            run(Map.of(), "daemon", "stop");
        }
    }
}
