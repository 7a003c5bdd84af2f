package io.berth.ct.lifecycle;

import io.berth.ct.phases.Phases;
import io.berth.config.ConfigFile;
import io.berth.config.ContainerConfig;
import io.berth.config.DevConfig;
import io.berth.config.NetConfig;
import io.berth.config.Schema;
import io.berth.ct.CtException;
import io.berth.ct.StartResult;
import io.berth.ct.hook.Hooks;
import io.berth.ct.hook.Hookscript;
import io.berth.ct.hook.Pending;
import io.berth.ct.hotplug.NetHotplug;
import io.berth.ct.task.Task;
import io.berth.error.StateException;
import io.berth.lxc.host.DeviceNumber;
import io.berth.lxc.host.HostFacts;
import io.berth.lxc.render.LxcConfigRenderer;
import io.berth.lxc.render.LxcIncludes;
import io.berth.lxc.render.RenderInput;
import io.berth.lxc.render.Rendered;
import io.berth.sys.Namespaces;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Start, stop, shutdown, reboot, suspend, resume of one container, and {@code startall}/{@code stopall} in boot
 * order. Each runs as a task under the container's lock; stopping applies the pending changes.
 */
public final class LifecycleService {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

    private final CtContext ctx;
    private final Supplier<List<Integer>> vmids;

    /** {@code vmids} lists the containers of the root (startall/stopall without a list). */
    public LifecycleService(CtContext ctx, Supplier<List<Integer>> vmids) {
        this.ctx = ctx;
        this.vmids = vmids;
    }

    private ConfigIo configs() { return ctx.configs(); }

    public StartResult start(int vmid, boolean skiplock, boolean debug) {
        return ctx.task("vzstart", vmid, t -> {
            Phases.mark("task");
            try (ConfigIo.Lock l = configs().lock(vmid, CtContext.LOCK_WAIT)) {
                Phases.mark("lock");
                return startLocked(vmid, skiplock, debug, t);
            }
        });
    }

    private StartResult startLocked(int vmid, boolean skiplock, boolean debug, Task t) {
        ConfigFile f = configs().read(vmid);
        CtContext.checkLock(vmid, f.main(), skiplock);
        CtPaths paths = ctx.paths(vmid);
        LxcRuntime rt = new LxcRuntime(paths);
        if (rt.isRunning()) throw new StateException("container " + vmid + " is already running");
        if (f.main().template()) throw new StateException("container " + vmid + " is a template; templates cannot be started");
        ConfigFile read = f;
        if (f.pending().isPresent()) f = Pending.applied(f);
        // a config written before MACs were generated (or by hand) gets them now, once (issue 10.12)
        ContainerConfig withMacs = MacAddresses.fill(f.main());
        if (withMacs != f.main()) f = f.withMain(withMacs);
        if (f != read) configs().write(vmid, f);
        ContainerConfig c = f.main();
        HostPathGuard.checkAll(c, ctx.roots());
        SubordinateIds.check(CtMounts.idMap(c));
        // on a cluster node (where storage.cfg is shared) a storage restricted to other nodes is not used here
        var clusterNode = io.berth.config.ClusterBackend.nodeName(ctx.roots());
        if (clusterNode.isPresent()) CtMounts.checkStorageNodes(vmid, c, ctx.storages(), clusterNode.get());
        Phases.mark("config");
        // Proxmox's vm_start: pre-start before anything is mounted or started; its failure aborts the start
        if (c.hookscript().isPresent()) {
            Hookscript.exec(c, vmid, "pre-start", ctx.storages(), true, t::log, t::warn, false);
            Phases.mark("hookscript");
        }
        Rendered r;
        try {
            prepareDir(paths);
            HostFacts facts = HostFacts.probe();
            Phases.mark("hostfacts");
            r = LxcConfigRenderer.render(new RenderInput(vmid, c, facts, paths.lxcPath(),
                    ctx.hookCommand().commandLine(), paths.rootfsMount(), devices(c)));
            var missingInclude = LxcIncludes.problem(r.config());
            Phases.mark("render");
            if (missingInclude.isPresent()) throw new CtException("cannot start " + vmid + ": " + missingInclude.get());
            writeAtomically(paths.lxcConfig(), r.config());
            if (r.seccompProfile().isPresent()) {
                writeAtomically(paths.lxcPath().resolve(paths.name()).resolve("rules.seccomp"), r.seccompProfile().get());
            }
            Files.deleteIfExists(paths.warnings());
            Files.deleteIfExists(paths.hookError());
        } catch (IOException e) {
            throw new CtException("cannot write the LXC config of " + vmid + ": " + e.getMessage(), e);
        }
        Phases.mark("write-config");
        // after a host crash ext4's multi-mount protection holds each image's mount for 22 s or more
        MmpWaits mmp = MmpWaits.of(c, ctx.storages());
        try {
            try {
                prepareAndStart(paths, c, rt, START_TIMEOUT.plus(mmp.total()), debug || c.debug());
            } catch (CtException e) {
                if (mmp.slow().isEmpty()) throw e;
                throw new CtException(e.getMessage() + "\n  " + String.join("\n  ", mmp.describe()), e);
            }
            List<String> warnings = new ArrayList<>(r.warnings());
            Hookscript.exec(c, vmid, "post-start", ctx.storages(), false, t::log, w -> {
                t.warn(w);
                warnings.add(w);
            }, false);
            warnings.addAll(mmp.describe());
            firewallWarnings(c, warnings);
            NetHotplug.applyRates(vmid, c.nets(), warnings);
            if (Files.exists(paths.warnings())) {
                for (String w : Files.readAllLines(paths.warnings(), StandardCharsets.UTF_8)) if (!w.isBlank()) warnings.add(w);
            }
            Phases.mark("after");
            return new StartResult(warnings);
        } catch (IOException e) {
            throw new CtException("cannot read the start warnings of " + vmid + ": " + e.getMessage(), e);
        }
    }

    /**
     * The pre-start hook's work done here instead of in a hook process LXC runs (a fork, sh, berth-client and a round
     * trip back to berthd, ~8 ms of every start): on a thread with a private copy of the host's mount namespace,
     * every mount a slave so nothing reaches the host, whose mounts onto the rootfs dir lxc-start, spawned from that
     * thread, inherits; its monitor copies them ({@code lxc.monitor.unshare}) and keeps them for the container's
     * life, and post-stop releases them there, as after the hook. The thread's namespace is released before this
     * returns (nothing of a failed start is left mounted); the thread is a kept worker (a new one costs ms under
     * load). The rendered config keeps the hook for {@code lxc-start} run by hand; this start tells lxc-start to
     * skip it.
     */
    private void prepareAndStart(CtPaths paths, ContainerConfig c, LxcRuntime rt, Duration timeout, boolean debug) {
        Hooks hooks = new Hooks(ctx.roots(), configs(), ctx.storageSource());
        Phases recording = Phases.current();
        Namespaces.inNewMountNamespaceOnWorker(() -> Phases.with(recording, () -> {
            Phases.mark("mount-namespace");
            try {
                hooks.prepare(paths, c, part -> Phases.mark("prepare." + part));
            } catch (RuntimeException e) {
                throw rt.preStartFailed(e);
            }
            rt.start(timeout, debug, Optional.of(rawPreStartHooks(c)));
            return null;
        }));
        Phases.mark("release-namespace");
    }

    /**
     * The raw config's own {@code lxc.hook.pre-start} lines, which the rendered config lists after ours: what
     * lxc-start still runs when berth did the pre-start work itself (an empty value clears those before it, as in LXC).
     */
    static List<String> rawPreStartHooks(ContainerConfig c) {
        List<String> hooks = new ArrayList<>();
        for (io.berth.config.RawLxc r : c.lxcRaw()) {
            if (!r.key().equals("lxc.hook.pre-start")) continue;
            if (r.value().isBlank()) hooks.clear(); else hooks.add(r.value().strip());
        }
        return hooks;
    }

    /**
     * {@code --overrule-shutdown}: a shutdown in progress holds the lock while it waits; kill the container first, which
     * ends that wait, then stop as usual (pct aborts the vzshutdown task the same way).
     */
    public void stop(int vmid, boolean skiplock, boolean overruleShutdown) {
        if (overruleShutdown) {
            CtContext.checkLock(vmid, configs().read(vmid).main(), skiplock);
            new LxcRuntime(ctx.paths(vmid)).stopAndWait(STOP_TIMEOUT);
        }
        stop(vmid, skiplock);
    }

    /** Kills the container and returns when it is completely gone (post-stop hook done); applies pending changes. */
    public void stop(int vmid, boolean skiplock) {
        ctx.task("vzstop", vmid, t -> {
            Phases.mark("task");
            try (ConfigIo.Lock l = configs().lock(vmid, CtContext.LOCK_WAIT)) {
                ContainerConfig c = configs().read(vmid).main();
                CtContext.checkLock(vmid, c, skiplock);
                Phases.mark("lock+config");
                LxcRuntime rt = new LxcRuntime(ctx.paths(vmid));
                preStop(vmid, c, rt, t);
                rt.stopAndWait(STOP_TIMEOUT);
                applyPending(vmid);
                Phases.mark("pending");
            }
            return null;
        });
    }

    public void shutdown(int vmid, int timeoutSeconds, boolean forceStop, boolean skiplock) {
        ctx.task("vzshutdown", vmid, t -> {
            try (ConfigIo.Lock l = configs().lock(vmid, CtContext.LOCK_WAIT)) {
                ContainerConfig c = configs().read(vmid).main();
                CtContext.checkLock(vmid, c, skiplock);
                LxcRuntime rt = new LxcRuntime(ctx.paths(vmid));
                preStop(vmid, c, rt, t);
                rt.shutdown(Duration.ofSeconds(timeoutSeconds), forceStop);
                applyPending(vmid);
            }
            return null;
        });
    }

    public StartResult reboot(int vmid, int timeoutSeconds, boolean skiplock) {
        return ctx.task("vzreboot", vmid, t -> {
            try (ConfigIo.Lock l = configs().lock(vmid, CtContext.LOCK_WAIT)) {
                ContainerConfig c = configs().read(vmid).main();
                CtContext.checkLock(vmid, c, skiplock);
                LxcRuntime rt = ctx.running(vmid);
                preStop(vmid, c, rt, t);
                rt.shutdown(Duration.ofSeconds(timeoutSeconds), true);
                return startLocked(vmid, skiplock, false, t);
            }
        });
    }

    public void suspend(int vmid, boolean skiplock) {
        ctx.task("vzsuspend", vmid, t -> {
            try (ConfigIo.Lock l = configs().lock(vmid, CtContext.LOCK_WAIT)) {
                CtContext.checkLock(vmid, configs().read(vmid).main(), skiplock);
                ctx.running(vmid).freeze();
            }
            return null;
        });
    }

    public void resume(int vmid, boolean skiplock) {
        ctx.task("vzresume", vmid, t -> {
            try (ConfigIo.Lock l = configs().lock(vmid, CtContext.LOCK_WAIT)) {
                CtContext.checkLock(vmid, configs().read(vmid).main(), skiplock);
                ctx.running(vmid).unfreeze();
            }
            return null;
        });
    }

    /** Proxmox's vm_stop: the hookscript's pre-stop for a running container; a failure is a warning only. */
    private void preStop(int vmid, ContainerConfig c, LxcRuntime rt, Task t) {
        if (c.hookscript().isPresent() && rt.isRunning()) Hookscript.exec(c, vmid, "pre-stop", ctx.storages(), false, t::log, t::warn, false);
    }

    private void applyPending(int vmid) {
        ConfigFile f = configs().read(vmid);
        if (f.pending().isPresent()) configs().write(vmid, Pending.applied(f));
    }

    /**
     * {@code berth startall} (pvenode startall): every container with {@code onboot: 1} (all with {@code force}), or
     * only {@code only} if given, in {@link BootOrder}, waiting {@code startup: up=} seconds after each start. A
     * failing container is reported and the others still start; returns the ids that failed.
     */
    public List<Integer> startAll(boolean force, List<Integer> only, Consumer<String> log) {
        List<Integer> failed = new ArrayList<>();
        for (var e : BootOrder.startOrder(configsOf(only))) {
            if (!e.onboot() && !force && only.isEmpty()) continue;
            if (new LxcRuntime(ctx.paths(e.vmid())).isRunning()) {
                log.accept("CT " + e.vmid() + ": already running");
                continue;
            }
            try {
                log.accept("CT " + e.vmid() + ": starting" + e.order().stream().mapToObj(o -> " (order " + o + ")").findFirst().orElse(""));
                for (String w : start(e.vmid(), false, false).warnings()) log.accept("CT " + e.vmid() + ": WARN: " + w);
            } catch (RuntimeException ex) {
                log.accept("CT " + e.vmid() + ": start failed: " + ex.getMessage());
                failed.add(e.vmid());
                continue;
            }
            if (e.up().isPresent() && e.up().getAsInt() > 0) {
                log.accept("CT " + e.vmid() + ": waiting " + e.up().getAsInt() + " s (startup up=) before the next");
                try {
                    Thread.sleep(e.up().getAsInt() * 1000L);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new CtException("startall interrupted", ie);
                }
            }
        }
        return failed;
    }

    /**
     * {@code berth stopall} (pvenode stopall): running containers in reverse start order, each shut down cleanly within
     * its {@code startup: down=} seconds ({@code timeout} otherwise), then killed if {@code forceStop}.
     */
    public List<Integer> stopAll(int timeout, boolean forceStop, List<Integer> only, Consumer<String> log) {
        List<Integer> failed = new ArrayList<>();
        for (var e : BootOrder.stopOrder(configsOf(only))) {
            if (!new LxcRuntime(ctx.paths(e.vmid())).isRunning()) continue;
            int t = e.down().orElse(timeout);
            try {
                log.accept("CT " + e.vmid() + ": shutting down (timeout " + t + " s)");
                shutdown(e.vmid(), t, forceStop, false);
            } catch (RuntimeException ex) {
                log.accept("CT " + e.vmid() + ": stop failed: " + ex.getMessage());
                failed.add(e.vmid());
            }
        }
        return failed;
    }

    private Map<Integer, ContainerConfig> configsOf(List<Integer> only) {
        Map<Integer, ContainerConfig> out = new LinkedHashMap<>();
        for (int vmid : only.isEmpty() ? vmids.get() : only) {
            try {
                out.put(vmid, configs().read(vmid).main());
            } catch (RuntimeException e) {
                if (!only.isEmpty()) throw e;
                // an unreadable config does not stop the others; 'berth config' shows why
            }
        }
        return out;
    }

    /** {@code firewall=1} must not silently do nothing (issue 10.18): Berth has no firewall yet. */
    static void firewallWarnings(ContainerConfig c, List<String> warnings) {
        for (String k : c.keys()) {
            if (!Schema.inFamily("net", k)) continue;
            try {
                if (NetConfig.parse(c.get(k).orElseThrow()).firewall()) {
                    warnings.add(k + ": firewall=1 has no effect: Berth has no firewall yet, no rules filter this interface");
                }
            } catch (RuntimeException e) {
                // an invalid value is reported by the config check
            }
        }
    }

    /** The dirs LXC and an unprivileged container's root must traverse: world-searchable, as /var/lib/lxc is. */
    private void prepareDir(CtPaths paths) throws IOException {
        io.berth.config.ConfigStore.existingDir(paths.rootfsMount());
        Files.setPosixFilePermissions(paths.rootfsMount(), PosixFilePermissions.fromString("rwxr-xr-x"));
        // searchable, not listable: the ids of all containers and their generated configs are root's (issue 10.4)
        for (Path p = paths.rootfsMount().getParent(); p != null; p = p.getParent()) {
            if (p.equals(paths.lxcPath().getParent())) break;
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx--x--x"));
        }
        io.berth.config.ConfigStore.searchableOnly(ctx.roots().stateDir());
        // the root dir chain above (e.g. a test's temp dir) must be searchable too
        for (Path p = paths.lxcPath().getParent(); p != null && p.getParent() != null; p = p.getParent()) {
            var perms = Files.getPosixFilePermissions(p);
            if (!perms.contains(PosixFilePermission.OTHERS_EXECUTE)) {
                perms.add(PosixFilePermission.OTHERS_EXECUTE);
                Files.setPosixFilePermissions(p, perms);
            }
        }
    }

    private static Map<String, DeviceNumber> devices(ContainerConfig c) throws IOException {
        Map<String, DeviceNumber> out = new HashMap<>();
        for (String k : c.keys()) {
            if (!Schema.inFamily("dev", k)) continue;
            DevConfig d = DevConfig.parse(c.get(k).orElseThrow());
            out.put(d.path(), DeviceNumber.probe(Path.of(d.path())));
        }
        return out;
    }

    private static final java.util.Set<java.nio.file.attribute.PosixFilePermission> OWNER_RW = PosixFilePermissions.fromString("rw-------");

    private static void writeAtomically(Path p, String text) throws IOException {
        byte[] want = text.getBytes(StandardCharsets.UTF_8);
        // the usual start renders what the last one wrote: keep that file (no new inode, rename and directory
        // update per start) when it holds exactly these bytes and only root may read it
        try {
            if (Files.size(p) == want.length && Files.getPosixFilePermissions(p).equals(OWNER_RW)
                    && java.util.Arrays.equals(Files.readAllBytes(p), want)) return;
        } catch (java.nio.file.NoSuchFileException e) {
            // first start: written below
        }
        Path tmp = p.resolveSibling("." + p.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(OWNER_RW));
        Files.write(tmp, want);
        Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
