package io.berth.ct.hook;

import io.berth.config.BerthRoots;
import io.berth.config.ConfigFile;
import io.berth.config.ContainerConfig;
import io.berth.config.DevConfig;
import io.berth.ct.CtException;
import io.berth.ct.lifecycle.ConfigIo;
import io.berth.ct.lifecycle.CtMounts;
import io.berth.ct.lifecycle.CtPaths;
import io.berth.ct.lifecycle.GuestSpecs;
import io.berth.guest.GuestSetup;
import io.berth.guest.Phase;
import io.berth.guest.SetupReport;
import io.berth.idmap.IdMap;
import io.berth.lxc.host.DeviceNumber;
import io.berth.mount.MountEngine;
import io.berth.mount.MountedSet;
import io.berth.storage.Storages;
import io.berth.storage.VolumeId;
import io.berth.sys.Mounts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Berth's LXC hooks. pre-start runs in the monitor's private mount namespace ({@code lxc.monitor.unshare = 1}), so
 * the mounts it makes onto {@code <lxcpath>/<vmid>/rootfs} are seen by the container (LXC bind-mounts that dir
 * recursively as its root) but never by the host; post-stop runs in the same namespace and releases them.
 * {@code berth start} does the pre-start work itself ({@link #prepare}) and has lxc-start skip that hook; it stays in
 * the rendered config for {@code lxc-start} run by hand.
 */
public final class Hooks {

    private final BerthRoots roots;
    private final ConfigIo configs;
    private final Supplier<Storages> storages;

    public Hooks(BerthRoots roots, ConfigIo configs, Supplier<Storages> storages) {
        this.roots = roots;
        this.configs = configs;
        this.storages = storages;
    }

    public void run(String type, String name, Map<String, String> env) {
        int vmid;
        try {
            vmid = Integer.parseInt(name);
        } catch (NumberFormatException e) {
            throw new CtException("hook " + type + ": container name '" + name + "' is not a vmid");
        }
        CtPaths paths = new CtPaths(roots.lxcPath(), vmid);
        switch (HookType.of(type)) {
            case PRE_START -> reportingFailure(paths, () -> preStart(paths));
            case AUTODEV -> reportingFailure(paths, () -> autodev(paths, env));
            // the hookscript's post-stop output and warnings: this hook's stderr (LXC's log, or berthd's when it runs the hook)
            case POST_STOP -> postStop(paths, System.err::println);
        }
    }

    private static void reportingFailure(CtPaths paths, Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            try {
                Files.writeString(paths.hookError(), "hook failed: " + e.getMessage() + "\n", StandardCharsets.UTF_8);
            } catch (IOException ignored) {
                // the exit code still fails the start
            }
            throw e;
        }
    }

    void preStart(CtPaths paths) {
        ContainerConfig c = configs.read(paths.vmid()).main();
        if (c.lock().isPresent() && !Files.exists(paths.skiplockFlag())) {
            throw new CtException("container " + paths.vmid() + " is locked (" + c.lock().get() + ")");
        }
        // again here: the config may have been edited by hand since berth start checked it
        io.berth.ct.lifecycle.HostPathGuard.checkAll(c, roots);
        prepare(paths, c, phase -> {});
    }

    /**
     * The pre-start work: activates the volumes, mounts rootfs and mount points onto the rootfs dir, sets the guest
     * up, prepares device passthrough, writes the start's warnings and stages an unprivileged container's mount
     * points. Runs in the mount namespace lxc-start's monitor gets: the hook runs in the monitor's own; {@code berth
     * start} runs it in a private namespace it then spawns lxc-start in ({@code LifecycleService}), which the
     * monitor's {@code lxc.monitor.unshare} copies. Nothing it mounted is left when it fails. {@code phase} is told
     * the name of each part as it ends ({@code BERTH_PHASES}).
     */
    public void prepare(CtPaths paths, ContainerConfig c, Consumer<String> phase) {
        List<String> warnings = new ArrayList<>();
        Storages st = storages.get();
        for (VolumeId v : CtMounts.volumes(c)) st.storageOf(v).activate(v);
        phase.accept("storage");
        IdMap map = CtMounts.idMap(c);
        MountEngine engine = new MountEngine(warnings::add);
        List<io.berth.mount.MountRequest> requests = new CtMounts(st).requests(c, false);
        MountedSet mounted = engine.mountAll(paths.rootfsMount(), requests);
        phase.accept("mounts");
        try {
            SetupReport report = GuestSetup.apply(paths.rootfsMount(),
                    GuestSpecs.of(paths.vmid(), c, (int) map.rootUid(), (int) map.rootGid()), Phase.PRE_START);
            warnings.addAll(report.warnings());
            phase.accept("guest-setup");
            preparePassthrough(paths, c, map);
            Files.write(paths.warnings(), warnings, StandardCharsets.UTF_8);
            // last: from here on the mount points are off the rootfs (undone inside on failure)
            if (StagedMounts.applies(c.unprivileged(), requests)) StagedMounts.stage(paths, requests);
            phase.accept("devices+warnings");
        } catch (IOException e) {
            mounted.close();
            throw new CtException("pre-start: cannot write " + paths.dir() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            try {
                mounted.close();
            } catch (RuntimeException u) {
                e.addSuppressed(u);
            }
            throw e;
        }
    }

    /**
     * Makes the devN nodes, with the configured mode and the owner mapped to host ids, on a tmpfs mounted at
     * {@link CtPaths#passthroughDir()} in the monitor's mount namespace (a tmpfs of the host's user namespace allows
     * device nodes wherever the lxcpath lives; the host never sees it and it goes with the monitor), and lists their
     * container paths for the autodev hook.
     */
    private static void preparePassthrough(CtPaths paths, ContainerConfig c, IdMap map) throws IOException {
        List<String> devs = new ArrayList<>();
        for (String k : c.keys()) if (io.berth.config.Schema.inFamily("dev", k)) devs.add(k);
        Files.deleteIfExists(paths.devicesFile());
        if (devs.isEmpty()) return;
        Path dir = Files.createDirectories(paths.passthroughDir());
        Mounts.mount("berth-passthrough", dir.toString(), "tmpfs", Mounts.MS_NOSUID | Mounts.MS_NOEXEC, "mode=0755,size=64k");
        try {
            List<String> lines = new ArrayList<>();
            for (String k : devs) {
                DevConfig d = DevConfig.parse(c.get(k).orElseThrow());
                String rel = containerDevPath(k, d.path());
                DeviceNumber n = DeviceNumber.probe(Path.of(d.path()));
                long uid = map.toHost(io.berth.idmap.IdKind.UID, d.uid().orElse(0)).orElse(map.rootUid());
                long gid = map.toHost(io.berth.idmap.IdKind.GID, d.gid().orElse(0)).orElse(map.rootGid());
                Path node = dir.resolve(rel);
                Files.createDirectories(node.getParent());
                run("mknod", "-m", d.mode().orElse("0660"), node.toString(), Character.toString(n.type().letter()),
                        Long.toString(n.major()), Long.toString(n.minor()));
                run("chown", "-h", uid + ":" + gid, node.toString());
                lines.add(d.path());
            }
            Files.write(paths.devicesFile(), lines, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            try {
                Mounts.umount2(dir.toString(), Mounts.MNT_DETACH);
            } catch (RuntimeException u) {
                e.addSuppressed(u);
            }
            throw e;
        }
    }

    /** A devN path relative to /dev; anything else could make autodev mount outside the container's /dev. */
    private static String containerDevPath(String key, String path) {
        String rel = path.startsWith("/dev/") ? path.substring("/dev/".length()) : "";
        if (rel.isEmpty() || Path.of(rel).normalize().toString().startsWith("..") || List.of(rel.split("/")).contains("..")) {
            throw new CtException(key + ": device path '" + path + "' is invalid; allowed: a path below /dev without '..'");
        }
        return rel;
    }

    /**
     * Bind-mounts the nodes pre-start made over (or at) their paths in the container's /dev. Runs in the container's
     * mount namespace before init exists, as host root or (unprivileged) as the container's root in its user
     * namespace, where mknod is not allowed but bind mounts are.
     */
    void autodev(CtPaths paths, Map<String, String> env) {
        Path f = paths.devicesFile();
        if (!Files.exists(f)) return;
        String rootfs = env.get("LXC_ROOTFS_MOUNT");
        if (rootfs == null) throw new CtException("autodev hook: LXC_ROOTFS_MOUNT is not set");
        try {
            for (String path : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                if (path.isBlank()) continue;
                String rel = containerDevPath("devices file " + f, path);
                Path source = paths.passthroughDir().resolve(rel);
                Path target = Path.of(rootfs, "dev", rel);
                Files.createDirectories(target.getParent());
                // LXC's own /dev holds only its default nodes and links (e.g. /dev/fd): never mount through a link
                if (Files.isSymbolicLink(target)) Files.delete(target);
                if (!Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) Files.createFile(target);
                Mounts.mount(source.toString(), target.toString(), null, Mounts.MS_BIND, null);
            }
        } catch (IOException e) {
            throw new CtException("autodev hook: " + e.getMessage(), e);
        }
    }

    private static void run(String... cmd) {
        io.berth.sys.ProcessRunner.Result r = io.berth.sys.ProcessRunner.of(cmd).timeout(java.time.Duration.ofSeconds(30)).run();
        if (!r.ok()) throw new CtException(String.join(" ", cmd) + " failed: " + (r.stderr() + r.stdout()).strip());
    }

    /** Unmounts everything under the rootfs dir (in the monitor's namespace), deactivates volumes, applies pending. */
    void postStop(CtPaths paths, Consumer<String> output) {
        RuntimeException failure = null;
        try {
            StagedMounts.releaseAll(paths);
        } catch (RuntimeException e) {
            failure = e;
        }
        try {
            new MountEngine(w -> {}).unmountAll(paths.rootfsMount());
        } catch (RuntimeException e) {
            if (failure == null) failure = e; else failure.addSuppressed(e);
        }
        Optional<ConfigFile> f = configs.readIfExists(paths.vmid());
        if (f.isPresent()) {
            Storages st = storages.get();
            for (VolumeId v : CtMounts.volumes(f.get().main())) {
                try {
                    st.storageOf(v).deactivate(v);
                } catch (RuntimeException e) {
                    if (failure == null) failure = e; else failure.addSuppressed(e);
                }
            }
            // as Proxmox's post-stop hook: after the cleanup; a failure is a warning only (on this thread: it may be
            // in the monitor's mount namespace, where no thread may outlive the call)
            Hookscript.exec(f.get().main(), paths.vmid(), "post-stop", st, false, output, w -> output.accept("WARN: " + w), true);
            // a stop command holding the lock applies pending itself once the container is gone
            configs.tryLock(paths.vmid(), Duration.ZERO).ifPresent(l -> {
                try (l) {
                    ConfigFile now = configs.read(paths.vmid());
                    if (now.pending().isPresent()) configs.write(paths.vmid(), Pending.applied(now));
                }
            });
        }
        if (failure != null) throw failure;
    }
}
