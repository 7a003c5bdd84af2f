package io.berth.ct.hotplug;

import io.berth.sys.Reverter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import io.berth.lxc.host.HostFacts;

/**
 * Writes the container's resource limits into its live cgroup, as LXC would have at start
 * (seed 000, {@code update_lxc_config}): cgroup v1 {@code memory.limit_in_bytes},
 * {@code memory.memsw.limit_in_bytes}, {@code cpu.cfs_quota_us}/{@code cfs_period_us}, {@code cpu.shares},
 * {@code cpuset.cpus}; cgroup v2 {@code memory.max}, {@code memory.swap.max}, {@code cpu.max},
 * {@code cpu.weight}, {@code cpuset.cpus}. Every write records the old file content in the undo log.
 */
public final class CgroupLimits {
    private CgroupLimits() {}

    static final long PERIOD_US = 100_000;
    private static final long MIB = 1024 * 1024;

    /**
     * The values after the change, defaults already applied.
     *
     * @param memoryMiB memory limit
     * @param swapMiB   swap on top of memory
     * @param cpulimit  cpus worth of time, 0 for no limit
     * @param cpuunits  relative weight; empty for the cgroup default
     * @param cores     number of cpus the container may run on, 0 for all
     */
    public record Limits(long memoryMiB, long swapMiB, double cpulimit, OptionalLong cpuunits, int cores) {}

    /** The memory+swap pair (they share one constraint on v1). */
    public static void setMemory(ContainerCgroup cg, long memoryMiB, long swapMiB, Reverter undo) {
        long mem = memoryMiB * MIB;
        long swap = swapMiB * MIB;
        if (cg.isV1("memory")) {
            Path dir = cg.v1().get("memory");
            Path memFile = dir.resolve("memory.limit_in_bytes");
            Path swFile = dir.resolve("memory.memsw.limit_in_bytes");
            if (!Files.exists(swFile)) {
                if (swapMiB != 0) throw new HotplugException("swap: the host has no swap accounting (" + swFile + " is missing)");
                write(memFile, Long.toString(mem), undo);
                return;
            }
            long curMem = readLong(memFile);
            // the kernel demands limit <= memsw at every moment: raise memsw first unless it would drop
            // below the current memory limit, in which case lower memory first
            if (mem + swap >= curMem) {
                write(swFile, Long.toString(mem + swap), undo);
                write(memFile, Long.toString(mem), undo);
            } else {
                write(memFile, Long.toString(mem), undo);
                write(swFile, Long.toString(mem + swap), undo);
            }
            return;
        }
        Path v2 = cg.v2().filter(d -> Files.exists(d.resolve("memory.max")))
                .orElseThrow(() -> new HotplugException("memory: no memory controller for the container's cgroup"));
        write(v2.resolve("memory.max"), Long.toString(mem), undo);
        Path swFile = v2.resolve("memory.swap.max");
        if (Files.exists(swFile)) {
            write(swFile, Long.toString(swap), undo);
        } else if (swapMiB != 0) {
            throw new HotplugException("swap: the host has no swap accounting (" + swFile + " is missing)");
        }
    }

    public static void setCpuLimit(ContainerCgroup cg, double cpulimit, Reverter undo) {
        long quota = cpulimit <= 0 ? -1 : (long) (PERIOD_US * cpulimit);
        if (cg.isV1("cpu")) {
            Path dir = cg.v1().get("cpu");
            write(dir.resolve("cpu.cfs_period_us"), Long.toString(PERIOD_US), undo);
            write(dir.resolve("cpu.cfs_quota_us"), Long.toString(quota), undo);
            return;
        }
        Path f = v2File(cg, "cpu.max", "cpulimit");
        write(f, (quota < 0 ? "max" : Long.toString(quota)) + " " + PERIOD_US, undo);
    }

    /** Proxmox's clamping: v1 shares 2..262144 (default 1024), v2 weight 1..10000 (default 100). */
    public static void setCpuUnits(ContainerCgroup cg, OptionalLong units, Reverter undo) {
        if (cg.isV1("cpu")) {
            long shares = Math.clamp(units.orElse(1024), 2, 262144);
            write(cg.v1().get("cpu").resolve("cpu.shares"), Long.toString(shares), undo);
            return;
        }
        long weight = Math.clamp(units.orElse(100), 1, 10000);
        write(v2File(cg, "cpu.weight", "cpuunits"), Long.toString(weight), undo);
    }

    /** Restricts the container to the first {@code cores} cpus its parent cgroup allows (all when 0). */
    public static void setCores(ContainerCgroup cg, int cores, Reverter undo) {
        Path file;
        Path parentEffective;
        if (cg.isV1("cpuset")) {
            Path dir = cg.v1().get("cpuset");
            file = dir.resolve("cpuset.cpus");
            parentEffective = dir.getParent().resolve("cpuset.effective_cpus");
        } else {
            file = v2File(cg, "cpuset.cpus", "cores");
            parentEffective = file.getParent().getParent().resolve("cpuset.cpus.effective");
        }
        List<Integer> available = HostFacts.parseCpuList(read(parentEffective));
        if (available.isEmpty()) throw new HotplugException("cores: no cpus listed in " + parentEffective);
        List<Integer> chosen = cores <= 0 || cores >= available.size() ? available : available.subList(0, cores);
        write(file, cpuList(chosen), undo);
    }

    /** Renders cpus as a kernel cpu list, e.g. {@code 0-2,5}. */
    static String cpuList(List<Integer> cpus) {
        List<String> parts = new ArrayList<>();
        int i = 0;
        while (i < cpus.size()) {
            int j = i;
            while (j + 1 < cpus.size() && cpus.get(j + 1) == cpus.get(j) + 1) j++;
            parts.add(i == j ? cpus.get(i).toString() : cpus.get(i) + "-" + cpus.get(j));
            i = j + 1;
        }
        return String.join(",", parts);
    }

    private static Path v2File(ContainerCgroup cg, String file, String key) {
        Optional<Path> f = cg.v2().map(d -> d.resolve(file)).filter(Files::exists);
        return f.orElseThrow(() -> new HotplugException(key + ": the container's cgroup has no " + file
                + " (controller not enabled for it)"));
    }

    /** Writes a cgroup file, first recording its current value for the undo log. */
    static void write(Path file, String value, Reverter undo) {
        String old = read(file);
        try {
            Files.writeString(file, value);
        } catch (IOException e) {
            throw new HotplugException("cannot write '" + value + "' to " + file + ": " + e.getMessage(), e);
        }
        undo.push("restore " + file + " to " + old, () -> Files.writeString(file, old));
    }

    static String read(Path file) {
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            throw new HotplugException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    static long readLong(Path file) {
        String s = read(file);
        return s.equals("max") ? Long.MAX_VALUE : Long.parseLong(s);
    }
}
