package io.berth.ct.hotplug;

import io.berth.lxc.cgroup.CgroupMounts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where a running container's limits live: one directory per cgroup v1 controller and/or the cgroup2
 * directory. Found through {@code /proc/<initpid>/cgroup}, so it works whatever names LXC chose, and cut
 * back to the level LXC writes limits at: LXC 5 puts the payload in {@code lxc.payload.<name>} (or the
 * {@code lxc.cgroup.dir.container} path, e.g. Proxmox's {@code lxc/<vmid>} with an inner {@code ns});
 * the container may have moved its init further down (systemd's {@code init.scope}), which is not where
 * limits belong.
 *
 * @param v1 controller name to its directory (cpu, cpuacct, cpuset, memory, devices, ...)
 * @param v2 the cgroup2 directory, when the host mounts cgroup2
 */
public record ContainerCgroup(Map<String, Path> v1, Optional<Path> v2) {
    public ContainerCgroup {
        v1 = Map.copyOf(v1);
    }

    /** Locates the limit cgroup of container {@code name} whose init process is {@code initPid}. */
    public static ContainerCgroup locate(String name, long initPid) {
        try {
            CgroupMounts cgroupMounts = CgroupMounts.read();
            Map<String, Path> mounts = cgroupMounts.v1();
            Path unified = cgroupMounts.unified().orElse(null);
            Map<String, Path> v1 = new HashMap<>();
            Path v2 = null;
            for (String line : Files.readAllLines(Path.of("/proc/" + initPid + "/cgroup"))) {
                int c1 = line.indexOf(':');
                int c2 = line.indexOf(':', c1 + 1);
                if (c1 < 0 || c2 < 0) continue;
                String ctrls = line.substring(c1 + 1, c2);
                String rel = limitLevel(name, line.substring(c2 + 1));
                if (ctrls.isEmpty()) {
                    if (unified != null) v2 = under(unified, rel);
                    continue;
                }
                for (String c : ctrls.split(",")) {
                    Path m = mounts.get(c);
                    if (m != null && !c.startsWith("name=")) v1.put(c, under(m, rel));
                }
            }
            return new ContainerCgroup(v1, Optional.ofNullable(v2));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the cgroups of container " + name + " (init pid " + initPid + ")", e);
        }
    }

    private static Path under(Path mount, String rel) {
        return rel.equals("/") ? mount : mount.resolve(rel.substring(1));
    }

    /** Cuts a cgroup path after the component LXC created for the container. */
    static String limitLevel(String name, String path) {
        return io.berth.lxc.cgroup.CgroupReader.containerLevel(name, path);
    }

    /** The directory holding {@code file} for a v1 {@code controller}, else the cgroup2 directory if it has the file. */
    public Optional<Path> file(String controller, String v1File, String v2File) {
        Path d = v1.get(controller);
        if (d != null) return Optional.of(d.resolve(v1File));
        return v2.map(p -> p.resolve(v2File)).filter(Files::exists);
    }

    public boolean isV1(String controller) {
        return v1.containsKey(controller);
    }
}
