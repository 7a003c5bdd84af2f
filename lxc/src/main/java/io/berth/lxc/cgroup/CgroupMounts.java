package io.berth.lxc.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Where this host mounts its cgroup hierarchies, from {@code /proc/self/mountinfo}: each v1 controller's mount
 * point (first mount wins) and the cgroup2 mount, so hybrid hosts ({@code /sys/fs/cgroup/unified}) and pure v2
 * hosts look alike to callers.
 *
 * @param v1      controller (or {@code name=...} hierarchy) to its mount point
 * @param unified the cgroup2 mount point, if any
 */
public record CgroupMounts(Map<String, Path> v1, Optional<Path> unified) {
    public CgroupMounts {
        v1 = Map.copyOf(v1);
    }

    public static CgroupMounts read() throws IOException {
        return parse(Files.readAllLines(Path.of("/proc/self/mountinfo")));
    }

    static CgroupMounts parse(Iterable<String> mountinfo) {
        Map<String, Path> v1 = new HashMap<>();
        Path unified = null;
        for (String line : mountinfo) {
            // id parent maj:min root mountpoint opts [optional...] - fstype source superopts
            int sep = line.indexOf(" - ");
            if (sep < 0) continue;
            String[] head = line.substring(0, sep).split(" ");
            String[] tail = line.substring(sep + 3).split(" ");
            if (head.length < 5 || tail.length < 3) continue;
            if (tail[0].equals("cgroup2")) {
                if (unified == null) unified = Path.of(head[4]);
            } else if (tail[0].equals("cgroup")) {
                for (String opt : tail[2].split(",")) v1.putIfAbsent(opt, Path.of(head[4]));
            }
        }
        return new CgroupMounts(v1, Optional.ofNullable(unified));
    }
}
