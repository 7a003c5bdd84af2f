package io.berth.ct.access;

import io.berth.config.ConfigFile;
import io.berth.config.ContainerConfig;
import io.berth.config.MountPoint;
import io.berth.config.MountSource;
import io.berth.ct.ContainerService;
import io.berth.ct.CtException;
import io.berth.ct.lifecycle.ConfigIo;
import io.berth.ct.lifecycle.CtMounts;
import io.berth.ct.lifecycle.LxcRuntime;
import io.berth.ct.snapshot.SnapshotConfigs;
import io.berth.mount.MountEngine;
import io.berth.mount.MountRequest;
import io.berth.mount.MountedSet;
import io.berth.storage.HostCommand;
import io.berth.storage.Storage;
import io.berth.storage.VolumeId;
import io.berth.storage.VolumePath;
import io.berth.sys.Fd;
import io.berth.sys.FsStats;
import io.berth.sys.Namespaces;
import io.berth.sys.PathCalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * pct's maintenance commands on a container's volumes: {@code mount}/{@code unmount} (on the host, under
 * {@code lock: mounted}), {@code df}, {@code fsck} (stopped, raw volumes) and {@code fstrim} (under {@code lock: fstrim}).
 * A running container's filesystems are reached through its own root ({@link ContainerRoot}); a stopped one's are
 * mounted in a private mount namespace that vanishes when the command ends.
 */
public final class Maintenance {
    private static final Duration LOCK_WAIT = Duration.ofSeconds(30);

    private final ContainerService ct;
    private final ConfigIo configs;

    public Maintenance(ContainerService ct) {
        this.ct = ct;
        this.configs = new ConfigIo(ct.roots());
    }

    // ---- mount / unmount ----

    /** Mounts the rootfs and every mount point of a stopped container at its rootfs dir on the host; returns that dir. */
    public Path mount(int vmid) {
        Path dir = ct.paths(vmid).rootfsMount();
        ConfigFile f = update(vmid, file -> {
            checkUnlocked(vmid, file.main());
            if (new LxcRuntime(ct.paths(vmid)).isRunning())
                throw new io.berth.error.StateException("container " + vmid + " is running; 'mount' is for stopped containers");
            return file.withMain(file.main().with("lock", "mounted"));
        });
        try {
            Files.createDirectories(dir);
            // the mounts must outlive this command: they go to the host's namespace, unlike every other mount here
            List<MountRequest> requests = new CtMounts(ct.storages()).requests(f.main(), false);
            new MountEngine(w -> {}).mountAll(dir, requests);
            return dir;
        } catch (IOException | RuntimeException e) {
            RuntimeException r = e instanceof RuntimeException re ? re : new CtException("cannot mount container " + vmid + ": " + e.getMessage(), e);
            try {
                update(vmid, file -> file.withMain(file.main().without("lock")));
            } catch (RuntimeException undo) {
                r.addSuppressed(undo);
            }
            throw r;
        }
    }

    /** Unmounts what {@link #mount} mounted and removes {@code lock: mounted}. */
    public int unmount(int vmid) {
        ConfigFile f = configs.read(vmid);
        if (!f.main().lock().map("mounted"::equals).orElse(false))
            throw new CtException("container " + vmid + " is not mounted (its lock is "
                    + f.main().lock().map(l -> "'" + l + "'").orElse("not set") + ", expected 'mounted')");
        int n = new MountEngine(w -> {}).unmountAll(ct.paths(vmid).rootfsMount());
        for (VolumeId v : CtMounts.volumes(f.main())) {
            try {
                ct.storages().storageOf(v).deactivate(v);
            } catch (RuntimeException ignored) {
                // volumes without activation (files) or already inactive
            }
        }
        update(vmid, file -> {
            if (!file.main().lock().map("mounted"::equals).orElse(false))
                throw new CtException("container " + vmid + ": found lock " + file.main().lock().orElse("(none)") + ", expected 'mounted'");
            return file.withMain(file.main().without("lock"));
        });
        return n;
    }

    // ---- df ----

    public record Usage(String key, String volume, long size, long used, long avail, String path) {}

    /** Size and use of each mount point's filesystem, in config order (rootfs first). */
    public List<Usage> df(int vmid) {
        ContainerConfig c = configs.read(vmid).main();
        List<MountPoint> mps = SnapshotConfigs.mountPoints(c);
        if (new LxcRuntime(ct.paths(vmid)).isRunning()) {
            try (ContainerRoot root = ContainerRoot.open(ct.paths(vmid))) {
                List<Usage> out = new ArrayList<>();
                for (MountPoint mp : mps) out.add(usage(mp, root));
                return out;
            }
        }
        try {
            return settled(c, () -> Namespaces.inNewMountNamespace(() -> withMounted(vmid, c, dir -> {
                List<Usage> out = new ArrayList<>();
                for (MountPoint mp : mps) {
                    try (Fd fd = PathCalls.openDirectory(dir.resolve(mp.target().substring(1)))) {
                        out.add(usage(mp, FsStats.of(fd)));
                    }
                }
                return out;
            })));
        } catch (IOException e) {
            throw new CtException("df of container " + vmid + " failed: " + e.getMessage(), e);
        }
    }

    private static Usage usage(MountPoint mp, ContainerRoot root) {
        Fd fd = mp.isRootfs() ? root.root().dup() : root.open(mp.key(), mp.target(), PathCalls.O_PATH | PathCalls.O_DIRECTORY, 0);
        try (fd) {
            return usage(mp, FsStats.of(fd));
        }
    }

    private static Usage usage(MountPoint mp, FsStats.Usage u) {
        return new Usage(mp.key(), mp.source().format(), u.total(), u.total() - u.free(), u.available(), mp.target());
    }

    // ---- fsck ----

    /** {@code pct fsck VMID [--device KEY] [--force]}: e2fsck a stopped container's raw volume; returns fsck's output. */
    public String fsck(int vmid, Optional<String> device, boolean force) {
        String key = device.orElse("rootfs");
        if (!io.berth.config.MountPoint.isVolumeKey(key))
            throw new io.berth.error.InvalidInputException("device", "invalid --device '" + key + "': allowed rootfs or mp0..mp255");
        ContainerConfig c = configs.read(vmid).main();
        checkUnlocked(vmid, c);
        if (new LxcRuntime(ct.paths(vmid)).isRunning())
            throw new io.berth.error.StateException("cannot run fsck on running container " + vmid + "; stop it first");
        MountPoint mp = c.mountPoint(key).orElseThrow(() -> new io.berth.error.InvalidInputException("device", "container " + vmid + " has no " + key));
        Path target;
        switch (mp.source()) {
            case MountSource.Volume v -> {
                VolumeId id = ct.storages().parseVolumeId(v.volid());
                Storage s = ct.storages().storageOf(id);
                s.activate(id);
                VolumePath p = s.path(id);
                if (p instanceof VolumePath.Directory)
                    throw new io.berth.error.InvalidInputException("device", "unable to run fsck for '" + id + "' (format == subvol): it is a directory, not a filesystem image");
                target = p.path();
            }
            case MountSource.Device d -> target = d.devicePath();
            default -> throw new io.berth.error.InvalidInputException("device", "unable to run fsck on " + key + " ('" + mp.source().format() + "'): not a volume or device");
        }
        List<String> cmd = new ArrayList<>(List.of("fsck", "-a", "-l"));
        if (force) cmd.add("-f");
        cmd.add(target.toString());
        HostCommand.Result r = HostCommand.of(cmd.toArray(String[]::new)).runAllowingFailure();
        // fsck: 0 clean, 1 errors corrected; anything else is a failure
        if (r.exitCode() > 1)
            throw new CtException("fsck of " + key + " ('" + target + "') exited " + r.exitCode() + ": " + (r.stdout() + r.stderr()).strip());
        return r.stdout() + r.stderr();
    }

    // ---- fstrim ----

    /** {@code pct fstrim VMID [--ignore-mountpoints]}: fstrim on each volume's filesystem; returns fstrim's lines. */
    public List<String> fstrim(int vmid, boolean ignoreMountpoints) {
        ConfigFile f = update(vmid, file -> {
            checkUnlocked(vmid, file.main());
            return file.withMain(file.main().with("lock", "fstrim"));
        });
        try {
            List<MountPoint> mps = SnapshotConfigs.mountPoints(f.main()).stream()
                    .filter(mp -> mp.source() instanceof MountSource.Volume)
                    .filter(mp -> !ignoreMountpoints || mp.isRootfs()).toList();
            if (new LxcRuntime(ct.paths(vmid)).isRunning()) {
                try (ContainerRoot root = ContainerRoot.open(ct.paths(vmid))) {
                    List<String> out = new ArrayList<>();
                    for (MountPoint mp : mps) {
                        Fd fd = mp.isRootfs() ? PathCalls.openat(root.root(), ".", PathCalls.O_RDONLY | PathCalls.O_DIRECTORY | PathCalls.O_CLOEXEC, 0)
                                : root.open(mp.key(), mp.target(), PathCalls.O_RDONLY | PathCalls.O_DIRECTORY, 0);
                        try (fd) {
                            out.add(trim(mp, fd));
                        }
                    }
                    return out;
                }
            }
            return settled(f.main(), () -> Namespaces.inNewMountNamespace(() -> withMounted(vmid, f.main(), dir -> {
                List<String> out = new ArrayList<>();
                for (MountPoint mp : mps) {
                    try (Fd fd = PathCalls.openat(Fd.CWD, dir.resolve(mp.target().substring(1)).toString(),
                            PathCalls.O_RDONLY | PathCalls.O_DIRECTORY | PathCalls.O_CLOEXEC, 0)) {
                        out.add(trim(mp, fd));
                    }
                }
                return out;
            })));
        } catch (IOException e) {
            throw new CtException("fstrim of container " + vmid + " failed: " + e.getMessage(), e);
        } finally {
            update(vmid, file -> file.main().lock().map("fstrim"::equals).orElse(false) ? file.withMain(file.main().without("lock")) : file);
        }
    }

    private static String trim(MountPoint mp, Fd dir) {
        try {
            return mp.key() + " (" + mp.target() + "): " + FsStats.trim(dir) + " bytes trimmed";
        } catch (io.berth.sys.SysException e) {
            return mp.key() + " (" + mp.target() + "): fstrim failed: " + e.getMessage();
        }
    }

    // ---- helpers ----

    @FunctionalInterface
    private interface IoSupplier<T> {
        T get() throws IOException;
    }

    /**
     * Runs a private-namespace body. Its mounts are gone when it returns (Namespaces.inNewMountNamespace releases
     * them before it does), so a start may follow at once.
     */
    private <T> T settled(ContainerConfig c, IoSupplier<T> body) throws IOException {
        return body.get();
    }

    @FunctionalInterface
    private interface OnMounted<T> {
        T apply(Path dir) throws IOException;
    }

    /** Runs {@code body} with the container's volumes mounted under a private dir (call in a private mount namespace). */
    private <T> T withMounted(int vmid, ContainerConfig c, OnMounted<T> body) throws IOException {
        Path dir = Files.createDirectories(ct.roots().runDir().resolve("maint-" + vmid));
        List<MountRequest> requests = new CtMounts(ct.storages()).requests(c, true);
        try (MountedSet m = new MountEngine(w -> {}).mountAll(dir, requests)) {
            return body.apply(dir);
        } finally {
            Files.deleteIfExists(dir);
        }
    }

    private ConfigFile update(int vmid, UnaryOperator<ConfigFile> change) {
        try (ConfigIo.Lock l = configs.lock(vmid, LOCK_WAIT)) {
            ConfigFile before = configs.read(vmid);
            ConfigFile after = change.apply(before);
            if (!after.equals(before)) configs.write(vmid, after);
            return after;
        }
    }

    private static void checkUnlocked(int vmid, ContainerConfig c) {
        c.lock().ifPresent(l -> {
            throw new io.berth.error.LockedException("container " + vmid + " is locked (" + l + ")", l);
        });
    }
}
