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
        // the listing's cache too: parsing and validating the config (and hashing it) was a quarter of berthd's CPU
        // for a status of one container; a config that is missing or does not parse is read (and reported) as before
        Path file = roots.containerConfig(io.berth.config.Vmid.check(vmid));
        FileKey key = FileKey.of(file);
        StatusInput in = cachedOrRead(vmid, key);
        if (key != null && key.settled()) inputs.put(vmid, new Cached(key, in));
        return reader().read(in, initPid(vmid));
    }

    /** The config's status figures from the cache while its file is unchanged (same key), else read from it. */
    private StatusInput cachedOrRead(int vmid, FileKey key) {
        Cached c = key == null ? null : inputs.get(vmid);
        return c != null && c.key().equals(key) ? c.input() : statusInput(vmid, configs.read(vmid).main());
    }

    public List<ContainerStatus> list() {
        Map<Integer, StatusInput> byId = new TreeMap<>();
        Map<Integer, Cached> seen = new java.util.HashMap<>();
        for (int vmid : vmids()) {
            Path file = roots.containerConfig(vmid);
            FileKey key = FileKey.of(file);
            StatusInput in;
            try {
                in = cachedOrRead(vmid, key);
            } catch (RuntimeException e) {
                // a config that no longer parses still shows up, by id
                in = new StatusInput(vmid, "CT" + vmid, 0, 512 * MIB, 512 * MIB, 0, Optional.empty(), false);
            }
            if (key != null && key.settled()) seen.put(vmid, new Cached(key, in));
            byId.put(vmid, in);
        }
        // only the containers that exist now: a destroyed one leaves the cache with this listing
        inputs.keySet().retainAll(byId.keySet());
        inputs.putAll(seen);
        return reader().read(new ArrayList<>(byId.values()), this::initPid);
    }

    /**
     * What a listing read from each config, kept while the file is unchanged: a status of 100 containers parsed and
     * validated all 100 configs (and hashed each for its digest) on every call. Changed means another inode (every
     * write is a rename of a new file), size, mtime or ctime.
     */
    private final Map<Integer, Cached> inputs = new java.util.concurrent.ConcurrentHashMap<>();

    private record Cached(FileKey key, StatusInput input) {}

    /**
     * A config file's identity and times. Kept only once {@link #settled}: a file written within the last second
     * could be written again within the filesystem's timestamp granularity with the same size (and, after a
     * deletion, a reused inode number), so it is read again until its times are clearly in the past (as git treats
     * "racily clean" files).
     */
    private record FileKey(Object inode, long size, long mtimeNanos, long ctimeNanos) {
        static FileKey of(Path p) {
            try {
                Map<String, Object> a = Files.readAttributes(p, "unix:ino,size,lastModifiedTime,ctime", java.nio.file.LinkOption.NOFOLLOW_LINKS);
                return new FileKey(a.get("ino"), (Long) a.get("size"), nanos(a.get("lastModifiedTime")), nanos(a.get("ctime")));
            } catch (IOException | RuntimeException e) {
                return null; // read it the usual way, which reports what is wrong
            }
        }

        private static long nanos(Object t) {
            java.time.Instant i = ((java.nio.file.attribute.FileTime) t).toInstant();
            return i.getEpochSecond() * 1_000_000_000L + i.getNano();
        }

        boolean settled() {
            long now = System.currentTimeMillis() * 1_000_000L;
            return now - Math.max(mtimeNanos, ctimeNanos) > 1_000_000_000L;
        }
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
