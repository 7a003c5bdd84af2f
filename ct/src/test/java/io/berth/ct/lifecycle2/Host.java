package io.berth.ct.lifecycle2;

import io.berth.storage.HostCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/** Host-side helpers for the lifecycle tests: running tools, unique names, reading sysfs. */
final class Host {
    private Host() {}

    /** Runs a tool, requires exit 0 and returns its stdout. */
    static String run(String... argv) {
        return HostCommand.of(argv).run();
    }

    static HostCommand.Result tryRun(String... argv) {
        return HostCommand.of(argv).runAllowingFailure();
    }

    /**
     * A vmid unlikely to be used by any other test running at the same time: veth names ({@code veth<vmid>i0}) and
     * LXC cgroup names are host-wide even though each test has its own lxcpath.
     */
    static int vmid() {
        return ThreadLocalRandom.current().nextInt(200_000, 900_000);
    }

    static String hex(int digits) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < digits; i++) sb.append(Character.forDigit(ThreadLocalRandom.current().nextInt(16), 16));
        return sb.toString();
    }

    static boolean deviceMapperAvailable() {
        try {
            return Files.readAllLines(Path.of("/proc/misc")).stream().anyMatch(l -> l.strip().endsWith(" device-mapper"));
        } catch (IOException e) {
            return false;
        }
    }
}
