package io.berth.ct.status;

import io.berth.lxc.cgroup.CgroupReader;
import io.berth.lxc.cgroup.CgroupStats;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;

/**
 * Builds {@link ContainerStatus} from cgroup files, /proc and statvfs of the container's root seen through
 * {@code /proc/<pid>/root}, without spawning a process. The cpu share is the delta since the previous reading of
 * the same container by this reader (a long-running API keeps one reader); on a first reading it is the average
 * since the container started.
 */
public final class StatusReader {
    private final CgroupReader cgroups;
    private final Map<Integer, Sample> lastCpu = new ConcurrentHashMap<>();

    private record Sample(long atNanos, long cpuNanos, int pid) {}

    public StatusReader() throws IOException { this.cgroups = new CgroupReader(); }

    /**
     * @param initPid the container's init pid when it runs (from LXC's command socket), empty when it is stopped
     */
    public synchronized List<ContainerStatus> read(List<StatusInput> inputs, IntFunction<OptionalInt> initPid) {
        List<ContainerStatus> out = new ArrayList<>(inputs.size());
        for (StatusInput in : inputs) out.add(read(in, initPid.apply(in.vmid())));
        return out;
    }

    public synchronized ContainerStatus read(StatusInput in, OptionalInt initPid) {
        if (initPid.isPresent()) {
            int pid = initPid.getAsInt();
            try {
                CgroupStats s = cgroups.read(Integer.toString(in.vmid()), pid);
                return running(in, pid, s);
            } catch (IOException e) {
                // the container stopped between the socket query and the cgroup read: report it stopped
            }
        }
        lastCpu.remove(in.vmid());
        return new ContainerStatus(in.vmid(), in.name(), ContainerStatus.State.STOPPED, Optional.empty(), 0, 0,
                in.cpus(), 0, in.maxmem(), 0, in.maxswap(), 0, in.maxdisk(), 0, 0, 0, 0, in.lock(), in.template());
    }

    private ContainerStatus running(StatusInput in, int pid, CgroupStats s) {
        long now = System.nanoTime();
        double cpus = in.cpus() > 0 ? in.cpus() : Runtime.getRuntime().availableProcessors();
        Sample prev = lastCpu.get(in.vmid());
        double cpu;
        if (prev != null && prev.pid() == pid && now - prev.atNanos() > 0) {
            cpu = (double) (s.cpuUsageNanos() - prev.cpuNanos()) / (now - prev.atNanos()) / cpus;
        } else {
            cpu = s.uptimeMillis() <= 0 ? 0 : s.cpuUsageNanos() / (s.uptimeMillis() * 1e6) / cpus;
        }
        lastCpu.put(in.vmid(), new Sample(now, s.cpuUsageNanos(), pid));
        long disk = 0, maxdisk = in.maxdisk();
        try {
            FileStore fs = Files.getFileStore(Path.of("/proc", Integer.toString(pid), "root"));
            maxdisk = fs.getTotalSpace();
            disk = maxdisk - fs.getUnallocatedSpace();
        } catch (IOException e) {
            // the container ended a moment ago; keep the configured size
        }
        long maxmem = s.memoryLimitBytes() == CgroupStats.UNLIMITED ? in.maxmem() : s.memoryLimitBytes();
        long maxswap = s.swapLimitBytes() == CgroupStats.UNLIMITED ? in.maxswap() : s.swapLimitBytes();
        return new ContainerStatus(in.vmid(), in.name(), ContainerStatus.State.RUNNING, Optional.of(pid),
                s.uptimeMillis() / 1000, Math.max(0, cpu), cpus, s.memoryBytes(), maxmem, s.swapUsageBytes(), maxswap,
                disk, maxdisk, s.ioReadBytes(), s.ioWriteBytes(), s.netInBytes(), s.netOutBytes(), in.lock(),
                in.template());
    }
}
