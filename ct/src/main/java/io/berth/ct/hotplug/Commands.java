package io.berth.ct.hotplug;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs host tools (ip, bridge, tc, nsenter) for network hotplug; the mount path never spawns processes. */
final class Commands {
    private Commands() {}

    /** Runs the command and returns stdout; a non-zero exit raises with the command line and stderr. */
    static String run(List<String> cmd) {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        try {
            Process p = pb.start();
            byte[] out = p.getInputStream().readAllBytes();
            byte[] err = p.getErrorStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new HotplugException(String.join(" ", cmd) + ": timed out");
            }
            if (p.exitValue() != 0) {
                throw new HotplugException(String.join(" ", cmd) + " failed (exit " + p.exitValue() + "): "
                        + new String(err, StandardCharsets.UTF_8).strip());
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new HotplugException(String.join(" ", cmd) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HotplugException(String.join(" ", cmd) + ": interrupted", e);
        }
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
