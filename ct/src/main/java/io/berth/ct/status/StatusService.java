package io.berth.ct.status;

import io.berth.config.BerthRoots;
import io.berth.config.ContainerConfig;
import io.berth.ct.CtException;
import io.berth.ct.lifecycle.ConfigIo;
import io.berth.ct.lifecycle.CtPaths;
import io.berth.ct.lifecycle.LxcRuntime;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * {@code pct list} and {@code pct status}: one {@link StatusReader} for the life of the service, so the cpu-usage
 * deltas between two calls (berthd, the API's polling) are real.
 */
public final class StatusService {
    private static final long MIB = 1024L * 1024;

    private final BerthRoots roots;
    private final ConfigIo configs;
    private StatusReader statusReader;

    public StatusService(BerthRoots roots, ConfigIo configs) {
        this.roots = roots;
        this.configs = configs;
    }

    /** The vmids with a config, ascending. */
    public List<Integer> vmids() {
        List<Integer> out = new ArrayList<>();
        Path dir = roots.containerConfigDir();
        if (!Files.isDirectory(dir)) return out;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.conf")) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                try {
                    out.add(Integer.parseInt(n.substring(0, n.length() - 5)));
                } catch (NumberFormatException ignored) {
                    // not a container config
                }
            }
        } catch (IOException e) {
            throw new CtException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        out.sort(null);
        return out;
    }

    public ContainerStatus status(int vmid) {
        ContainerConfig c = configs.read(vmid).main();
        return reader().read(statusInput(vmid, c), initPid(vmid));
    }

    public List<ContainerStatus> list() {
        Map<Integer, StatusInput> byId = new TreeMap<>();
        for (int vmid : vmids()) {
            try {
                byId.put(vmid, statusInput(vmid, configs.read(vmid).main()));
            } catch (RuntimeException e) {
                // a config that no longer parses still shows up, by id
                byId.put(vmid, new StatusInput(vmid, "CT" + vmid, 0, 512 * MIB, 512 * MIB, 0, Optional.empty(), false));
            }
        }
        return reader().read(new ArrayList<>(byId.values()), this::initPid);
    }

    private OptionalInt initPid(int vmid) {
        return new LxcRuntime(new CtPaths(roots.lxcPath(), vmid)).initPid();
    }

    private synchronized StatusReader reader() {
        if (statusReader == null) {
            try {
                statusReader = new StatusReader();
            } catch (IOException e) {
                throw new CtException("cannot read the cgroup mounts: " + e.getMessage(), e);
            }
        }
        return statusReader;
    }

    static StatusInput statusInput(int vmid, ContainerConfig c) {
        double cpus = c.cores().isPresent() ? c.cores().getAsInt() : c.cpulimit().isPresent() ? c.cpulimit().getAsDouble() : 0;
        long maxdisk = c.rootfs().flatMap(r -> r.sizeBytes().isPresent() ? Optional.of(r.sizeBytes().getAsLong()) : Optional.empty())
                .orElse(4L * 1024 * MIB);
        return new StatusInput(vmid, c.hostname().orElse("CT" + vmid), cpus, c.memory().orElse(512) * MIB,
                c.swap().orElse(512) * MIB, maxdisk, c.lock(), c.template());
    }
}
