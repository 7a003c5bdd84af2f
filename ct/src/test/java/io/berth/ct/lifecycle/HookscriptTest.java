package io.berth.ct.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.ct.CtException;
import io.berth.ct.CtFixture;
import io.berth.ct.StartResult;
import io.berth.ct.status.ContainerStatus;
import io.berth.ct.task.TaskInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hookscript: STORAGE:snippets/NAME} run as Proxmox runs it ({@code SCRIPT VMID PHASE}) on real containers:
 * pre-start, post-start, pre-stop and post-stop (the last from LXC's post-stop hook), a failing pre-start aborting the
 * start with nothing left mounted or running, and the failures of the other phases as warnings.
 */
@Tag("root")
class HookscriptTest {
    @TempDir Path tmp;

    /** A second dir storage {@code snip} holding snippets, beside the default {@code local}. */
    private static Path snippetStorage(CtFixture f, Path dir) throws Exception {
        Path cfg = f.svc.roots().storageCfg();
        Files.createDirectories(cfg.getParent());
        Files.writeString(cfg, "dir: local\n\tpath " + f.svc.roots().defaultStorageDir()
                + "\n\tcontent rootdir,images,vztmpl,backup\n\ndir: snip\n\tpath " + dir + "\n\tcontent snippets\n");
        return Files.createDirectories(dir.resolve("snippets"));
    }

    private static void script(Path file, String body) throws Exception {
        Files.writeString(file, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static List<String> taskLog(CtFixture f, String type, int vmid) {
        TaskInfo t = f.svc.tasks().list(50).stream()
                .filter(i -> i.upid().type().equals(type) && i.upid().id().equals(Integer.toString(vmid)))
                .max(java.util.Comparator.comparingLong(i -> i.upid().starttime())).orElseThrow();
        return f.svc.tasks().log(t.upid());
    }

    @Test
    void theScriptRunsAtTheFourPhasesInOrder() throws Exception {
        try (CtFixture f = new CtFixture(tmp.resolve("root"))) {
            Path snippets = snippetStorage(f, tmp.resolve("snip"));
            Path log = tmp.resolve("phases.log");
            script(snippets.resolve("record.sh"), "echo \"$1 $2\" >> " + log + "\necho \"hook says $2\"\n");
            f.create(7500, Map.of("rootfs", "local:0", "hookscript", "snip:snippets/record.sh"));
            assertThat(Files.exists(log)).as("create runs no phase").isFalse();

            StartResult started = f.svc.start(7500, false, false);
            assertThat(started.warnings()).noneMatch(w -> w.contains("hookscript"));
            assertThat(Files.readAllLines(log)).containsExactly("7500 pre-start", "7500 post-start");
            assertThat(taskLog(f, "vzstart", 7500)).contains("hook says pre-start", "hook says post-start");
            assertThat(f.exec(7500, "true").exitCode()).isZero();

            f.svc.stop(7500, false);
            assertThat(f.monitorRunning(7500)).isFalse();
            assertThat(Files.readAllLines(log)).containsExactly("7500 pre-start", "7500 post-start", "7500 pre-stop", "7500 post-stop");
            assertThat(taskLog(f, "vzstop", 7500)).contains("hook says pre-stop");
        }
    }

    @Test
    void aFailingPreStartAbortsTheStartAndTheOtherPhasesOnlyWarn() throws Exception {
        try (CtFixture f = new CtFixture(tmp.resolve("root"))) {
            Path snippets = snippetStorage(f, tmp.resolve("snip"));
            Path log = tmp.resolve("phases.log");
            Path hook = snippets.resolve("fail.sh");
            script(hook, "echo \"$1 $2\" >> " + log + "\n[ \"$2\" = pre-start ] && { echo refused >&2; exit 1; }\nexit 0\n");
            f.create(7501, Map.of("rootfs", "local:1", "mp0", "local:0.1,mp=/data", "hookscript", "snip:snippets/fail.sh"));

            assertThatThrownBy(() -> f.svc.start(7501, false, false)).isInstanceOf(CtException.class)
                    .hasMessageStartingWith("hookscript error for 7501 on pre-start: command '" + hook + " 7501 pre-start' failed: exit code 1");
            assertThat(Files.readAllLines(log)).containsExactly("7501 pre-start");
            assertThat(f.monitorRunning(7501)).isFalse();
            assertThat(f.svc.status(7501).status()).isEqualTo(ContainerStatus.State.STOPPED);
            assertThat(f.mountsUnderRoot()).isEmpty();
            assertThat(f.svc.config(7501).main().lock()).isEmpty();
            assertThat(taskLog(f, "vzstart", 7501)).contains("refused")
                    .anyMatch(l -> l.startsWith("TASK ERROR: hookscript error for 7501 on pre-start"));

            // post-start and pre-stop failing: warnings; the container starts and stops
            Files.delete(log);
            script(hook, "echo \"$1 $2\" >> " + log + "\ncase \"$2\" in post-start|pre-stop|post-stop) exit 3;; esac\n");
            StartResult started = f.svc.start(7501, false, false);
            assertThat(started.warnings()).contains("hookscript error for 7501 on post-start: command '" + hook
                    + " 7501 post-start' failed: exit code 3");
            assertThat(f.svc.status(7501).status()).isEqualTo(ContainerStatus.State.RUNNING);
            assertThat(taskLog(f, "vzstart", 7501)).anyMatch(l -> l.startsWith("TASK WARNINGS: 1"));
            f.svc.stop(7501, false);
            assertThat(f.monitorRunning(7501)).isFalse();
            assertThat(f.mountsUnderRoot()).isEmpty();
            assertThat(taskLog(f, "vzstop", 7501)).contains("WARN: hookscript error for 7501 on pre-stop: command '" + hook
                    + " 7501 pre-stop' failed: exit code 3");
            assertThat(Files.readAllLines(log)).containsExactly("7501 pre-start", "7501 post-start", "7501 pre-stop", "7501 post-stop");

            // a script gone since it was set fails the start the same way
            Files.delete(hook);
            assertThatThrownBy(() -> f.svc.start(7501, false, false))
                    .hasMessageStartingWith("hookscript error for 7501 on pre-start: script 'snip:snippets/fail.sh' does not exist");
            assertThat(f.monitorRunning(7501)).isFalse();
            assertThat(f.mountsUnderRoot()).isEmpty();
        }
    }

    @Test
    void setAndCreateCheckTheScript() throws Exception {
        try (CtFixture f = new CtFixture(tmp.resolve("root"))) {
            Path snippets = snippetStorage(f, tmp.resolve("snip"));
            script(snippets.resolve("ok.sh"), "exit 0\n");
            Files.writeString(snippets.resolve("plain.sh"), "#!/bin/sh\n");
            f.create(7502, Map.of("rootfs", "local:0"));
            Map<String, String> errors = Map.of(
                    "snip:vztmpl/x.tar.gz", "'snip:vztmpl/x.tar.gz' is not in the snippets directory",
                    "snip:snippets/missing.sh", "script 'snip:snippets/missing.sh' does not exist",
                    "snip:snippets/plain.sh", "script 'snip:snippets/plain.sh' is not executable");
            for (var e : errors.entrySet()) {
                assertThatThrownBy(() -> f.svc.set(7502, Map.of("hookscript", e.getKey()), List.of(), false))
                        .isInstanceOfSatisfying(io.berth.error.InvalidInputException.class, x -> {
                            assertThat(x.paramErrors()).containsExactly(new io.berth.error.ParamError("hookscript", e.getValue()));
                            assertThat(io.berth.error.HttpStatus.of(x)).isEqualTo(400);
                        });
            }
            assertThat(f.svc.config(7502).main().hookscript()).isEmpty();
            f.svc.set(7502, Map.of("hookscript", "snip:snippets/ok.sh"), List.of(), false);
            assertThat(f.configText(7502)).contains("hookscript: snip:snippets/ok.sh\n");
            f.svc.set(7502, Map.of(), List.of("hookscript"), false);
            assertThat(f.configText(7502)).doesNotContain("hookscript");

            assertThatThrownBy(() -> f.create(7503, Map.of("rootfs", "local:0", "hookscript", "snip:snippets/missing.sh")))
                    .isInstanceOf(io.berth.error.InvalidInputException.class)
                    .hasMessageContaining("script 'snip:snippets/missing.sh' does not exist");
            assertThat(f.svc.vmids()).doesNotContain(7503);
        }
    }
}
