package io.berth.sys;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** posix_spawn on given descriptors: pipes between children, exit codes, and which process group a child is in. */
class SpawnTest {
    private static List<String> env() {
        List<String> env = new ArrayList<>();
        System.getenv().forEach((k, v) -> env.add(k + "=" + v));
        return env;
    }

    private static long pgrp(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[2]);
    }

    @Test void aPipeConnectsTwoChildrenAndExitCodesAreTheirs() throws Exception {
        Fd[] p = Spawn.pipe(), out = Spawn.pipe();
        try (Fd devNull = PathCalls.openat(Fd.CWD, "/dev/null", PathCalls.O_RDWR | PathCalls.O_CLOEXEC, 0)) {
            Spawn.Child a = Spawn.spawn(List.of("printf", "one\\ntwo\\n"), env(), Path.of("/"), new Fd[] {devNull, p[1], devNull}, false);
            p[1].close();
            Spawn.Child b = Spawn.spawn(List.of("sh", "-c", "wc -l; exit 3"), env(), Path.of("/"), new Fd[] {p[0], out[1], devNull}, false);
            p[0].close();
            out[1].close();
            try (a; b; InputStream in = FdStreams.input(out[0])) {
                assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8).strip()).isEqualTo("2");
                assertThat(Spawn.reap(a.pidfd())).isZero();
                assertThat(Spawn.reap(b.pidfd())).isEqualTo(3);
            } finally {
                out[0].close();
            }
        }
    }

    /** A tool a command runs for itself stays in its process group (a terminal's Ctrl-C reaches both); lxc-attach does not. */
    @Test void theChildIsInTheCallersProcessGroupOnlyWhenAsked() throws Exception {
        long own = pgrp(ProcessHandle.current().pid());
        try (Fd devNull = PathCalls.openat(Fd.CWD, "/dev/null", PathCalls.O_RDWR | PathCalls.O_CLOEXEC, 0)) {
            for (boolean ownGroup : new boolean[] {false, true}) {
                try (Spawn.Child c = Spawn.spawn(List.of("sleep", "30"), env(), Path.of("/"), new Fd[] {devNull, devNull, devNull}, ownGroup)) {
                    try {
                        assertThat(pgrp(c.pid())).isEqualTo(ownGroup ? c.pid() : own);
                    } finally {
                        Processes.pidfdSendSignal(c.pidfd(), Processes.SIGKILL);
                        assertThat(Spawn.reap(c.pidfd())).isEqualTo(128 + Processes.SIGKILL);
                    }
                }
            }
        }
    }
}
