package io.berth.ct.hotplug;

import io.berth.error.HostFailureException;
import io.berth.sys.ProcessRunner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Runs host tools (ip, bridge, tc, nsenter) for network hotplug; the mount path never spawns processes. */
final class Commands {
    private Commands() {}

    /** Runs the command and returns stdout; a non-zero exit or a hang (30 s) raises with the command line and stderr. */
    static String run(List<String> cmd) {
        ProcessRunner.Result r;
        try {
            r = ProcessRunner.of(cmd).timeout(Duration.ofSeconds(30)).run();
        } catch (HostFailureException e) {
            throw new HotplugException(e.getMessage(), e);
        }
        if (!r.ok()) throw new HotplugException(String.join(" ", cmd) + " failed (exit " + r.exitCode() + "): " + r.stderr().strip());
        return r.stdout();
    }

    static String run(String... cmd) {
        return run(List.of(cmd));
    }

    /** The command run inside the network namespace of {@code pid}. */
    static String inNetns(long pid, String... cmd) {
        List<String> full = new ArrayList<>(List.of("nsenter", "--net=/proc/" + pid + "/ns/net", "--"));
        full.addAll(List.of(cmd));
        return run(full);
    }
}
