package io.berth.ct;

import io.berth.config.BerthRoots;
import io.berth.config.ConfigDigest;
import io.berth.config.ConfigFile;
import io.berth.config.ConfigRepository;
import io.berth.config.ConfigStore;
import io.berth.config.FileConfigRepository;
import io.berth.config.FileLocks;
import io.berth.config.Locks;
import io.berth.ct.access.ExecService;
import io.berth.ct.hook.HookCommand;
import io.berth.ct.hook.Hooks;
import io.berth.ct.hotplug.ConfigService;
import io.berth.ct.hotplug.LiveResult;
import io.berth.ct.lifecycle.ConfigIo;
import io.berth.ct.lifecycle.CreateService;
import io.berth.ct.lifecycle.CtContext;
import io.berth.ct.lifecycle.CtPaths;
import io.berth.ct.lifecycle.DestroyService;
import io.berth.ct.lifecycle.LifecycleService;
import io.berth.ct.status.ContainerStatus;
import io.berth.ct.status.StatusService;
import io.berth.ct.storage.RescanService;
import io.berth.ct.storage.ResizeService;
import io.berth.ct.storage.StorageContext;
import io.berth.ct.storage.StorageOverview;
import io.berth.ct.storage.VolumeService;
import io.berth.ct.task.Tasks;
import io.berth.ct.template.BusyboxTemplate;
import io.berth.ct.Progress;
import io.berth.ct.template.Templates;
import io.berth.storage.Storages;
import io.berth.storage.VolumeId;
import io.berth.storage.VolumeInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The façade of the container core: what the CLI, berthd, the API and the cluster call. It builds the feature
 * services of one Berth root once and delegates to them:
 * <ul>
 *   <li>{@link CreateService} (create) and {@link DestroyService} (destroy) in {@code ct.lifecycle},</li>
 *   <li>{@link LifecycleService}: start, stop, shutdown, reboot, suspend, resume, startall, stopall,</li>
 *   <li>{@link ConfigService} ({@code ct.hotplug}): config, set (live on a running container), revert, unlock,</li>
 *   <li>{@link StatusService} ({@code ct.status}): list and status,</li>
 *   <li>{@link ExecService} ({@code ct.access}): enter, exec, console.</li>
 * </ul>
 * Every operation that changes a container runs as a task and holds its lock; the config's {@code lock} value
 * refuses operations unless {@code skiplock}. Snapshots, clones, backups and storage have their services in
 * their packages, built on this façade.
 */
public final class ContainerService {
    private final BerthRoots roots;
    private final CtContext ctx;
    private final CreateService creation;
    private final DestroyService destruction;
    private final LifecycleService lifecycle;
    private final ConfigService configuration;
    private final StatusService statuses;
    private final ExecService execs;
    private Storages storages;
    private long storagesStamp;

    private static final Map<BerthRoots, ContainerService> SHARED = new ConcurrentHashMap<>();

    /**
     * The one service of a Berth root for this JVM: berthd and every CLI command use this instance, so the storage
     * cache and the status cpu-delta history live as long as the process.
     */
    public static ContainerService shared(BerthRoots roots) {
        return SHARED.computeIfAbsent(roots, ContainerService::new);
    }

    public ContainerService(BerthRoots roots) { this(roots, HookCommand.resolve(roots)); }

    public ContainerService(BerthRoots roots, HookCommand hookCommand) {
        this.roots = roots;
        ConfigIo configs = new ConfigIo(roots);
        this.ctx = new CtContext(roots, hookCommand, configs, new FileConfigRepository(roots), io.berth.config.ClusterBackend.locks(roots),
                new Tasks(roots), this::storages);
        this.statuses = new StatusService(roots, configs);
        this.creation = new CreateService(ctx);
        this.destruction = new DestroyService(ctx);
        this.lifecycle = new LifecycleService(ctx, statuses::vmids);
        this.configuration = new ConfigService(ctx);
        this.execs = new ExecService(ctx);
    }

    public BerthRoots roots() { return roots; }

    /** The storages of storage.cfg, loaded again when the file changed (berthd keeps one service for its life). */
    public synchronized Storages storages() {
        long stamp = storageCfgStamp();
        if (storages == null || stamp != storagesStamp) {
            storages = Storages.load(roots.storageCfg(), roots.defaultStorageDir());
            storagesStamp = stamp;
        }
        return storages;
    }

    private long storageCfgStamp() {
        try {
            // most roots have no storage.cfg (the default storage): asked without a NoSuchFileException per operation
            var a = roots.storageCfg().getFileSystem().provider().readAttributesIfExists(roots.storageCfg(), BasicFileAttributes.class);
            if (a == null) return -1;
            return a.lastModifiedTime().toMillis() * 31 + a.size() + (a.fileKey() == null ? 0 : a.fileKey().hashCode());
        } catch (IOException e) {
            return -1;
        }
    }

    // ---- storages and volumes: on this service's storages (berthd: storage.cfg loaded once, again when it changes) ----

    private StorageContext storageContext() {
        return new StorageContext(roots, new ConfigStore(roots), storages());
    }

    /** {@code berth storage list/status}: every storage of storage.cfg, with its usage when {@code withUsage}. */
    public List<StorageOverview.Entry> storageOverview(boolean withUsage) {
        return new StorageOverview(storageContext()).list(withUsage);
    }

    /** {@code berth volume list}: the container volumes of one storage or of all, optionally of one owner. */
    public List<VolumeInfo> volumes(Optional<String> storage, OptionalInt vmid) {
        return new VolumeService(storageContext()).list(storage, vmid);
    }

    /** {@code berth volume alloc}: the next free disk of {@code vmid} ({@code size} 0 = subvol, else with unit). */
    public VolumeId allocVolume(String storage, int vmid, String size, OptionalInt uid, OptionalInt gid) {
        return new VolumeService(storageContext()).alloc(storage, vmid, size, uid, gid);
    }

    /** {@code berth volume free}: refused while a container config references the volume. */
    public void freeVolume(String volid) {
        new VolumeService(storageContext()).free(volid);
    }

    /** {@code pct resize}: grows a volume and its filesystem, records the new size. */
    public ResizeService.Result resize(int vmid, String disk, String size) {
        return new ResizeService(storageContext()).resize(vmid, disk, size);
    }

    /** {@code pct rescan}: sizes and unreferenced volumes into the configs (all containers when {@code vmid} is empty). */
    public List<RescanService.Result> rescan(OptionalInt vmid, boolean dryRun) {
        return new RescanService(storageContext()).rescan(vmid, dryRun);
    }

    /** Volumes whose owner has no config (what a full rescan reports). */
    public List<RescanService.Orphan> orphanVolumes() {
        return new RescanService(storageContext()).orphans();
    }

    /** The container configs (read with digest, conditional writes, {@code lock:} values). */
    public ConfigRepository repository() { return ctx.repository(); }

    /** The per-container operation locks. */
    public Locks locks() { return ctx.locks(); }

    /** This node's tasks: what {@code berth task} and the API's task endpoints show. */
    public Tasks tasks() { return ctx.tasks(); }

    public Hooks hooks() { return new Hooks(roots, ctx.configs(), this::storages); }

    public CtPaths paths(int vmid) { return ctx.paths(vmid); }

    // ---- configuration ----

    public ConfigFile config(int vmid) { return configuration.config(vmid); }

    /** Writes a container's config as it is (under its lock); for tools and tests that edit raw entries. */
    public void writeConfig(int vmid, ConfigFile f) { configuration.writeConfig(vmid, f); }

    /** {@code berth unlock}: removes the config's {@code lock:} value, as {@code pct unlock}. */
    public void unlock(int vmid) { configuration.unlock(vmid); }

    /** {@code pct set}: see {@link ConfigService#set}; empty for a stopped container (all applied to the config). */
    public Optional<LiveResult> set(int vmid, Map<String, String> set, List<String> delete, boolean skiplock) {
        return configuration.set(vmid, set, delete, skiplock, Optional.empty());
    }

    /** As {@link #set(int, Map, List, boolean)}, refused when {@code digest} no longer matches (Proxmox's {@code digest}). */
    public Optional<LiveResult> set(int vmid, Map<String, String> set, List<String> delete, boolean skiplock, Optional<ConfigDigest> digest) {
        return configuration.set(vmid, set, delete, skiplock, digest);
    }

    /** {@code pct set --revert}: drops the pending values and deletions of {@code keys}. */
    public void revert(int vmid, List<String> keys, boolean skiplock) { configuration.revert(vmid, keys, skiplock); }

    // ---- templates ----

    public BusyboxTemplate.Built buildBusyboxTemplate(Optional<String> storage) {
        try {
            return BusyboxTemplate.host().build(Templates.templateDir(storages(), storage), false);
        } catch (IOException e) {
            throw new CtException("building the busybox template failed: " + e.getMessage(), e);
        }
    }

    // ---- create / destroy ----

    public CreateResult create(CreateRequest req, Progress progress) { return creation.create(req, progress); }

    /** Removes a stopped container: its volumes, its LXC dir and its config. */
    public void destroy(int vmid, boolean purge, boolean skiplock) {
        destruction.destroy(vmid, purge, skiplock, false, false);
    }

    /** pct destroy with {@code --force} and {@code --destroy-unreferenced-disks}: see {@link DestroyService#destroy}. */
    public void destroy(int vmid, boolean purge, boolean skiplock, boolean force, boolean destroyUnreferenced) {
        destruction.destroy(vmid, purge, skiplock, force, destroyUnreferenced);
    }

    // ---- lifecycle ----

    public StartResult start(int vmid, boolean skiplock, boolean debug) { return lifecycle.start(vmid, skiplock, debug); }

    /** Kills the container and returns when it is completely gone (post-stop hook done); applies pending changes. */
    public void stop(int vmid, boolean skiplock) { lifecycle.stop(vmid, skiplock); }

    /** {@code --overrule-shutdown}: kills a container whose shutdown is still waiting, then stops as usual. */
    public void stop(int vmid, boolean skiplock, boolean overruleShutdown) { lifecycle.stop(vmid, skiplock, overruleShutdown); }

    public void shutdown(int vmid, int timeoutSeconds, boolean forceStop, boolean skiplock) {
        lifecycle.shutdown(vmid, timeoutSeconds, forceStop, skiplock);
    }

    public StartResult reboot(int vmid, int timeoutSeconds, boolean skiplock) { return lifecycle.reboot(vmid, timeoutSeconds, skiplock); }

    public void suspend(int vmid, boolean skiplock) { lifecycle.suspend(vmid, skiplock); }

    public void resume(int vmid, boolean skiplock) { lifecycle.resume(vmid, skiplock); }

    /** {@code berth startall}: see {@link LifecycleService#startAll}; returns the ids that failed. */
    public List<Integer> startAll(boolean force, List<Integer> only, Consumer<String> log) { return lifecycle.startAll(force, only, log); }

    /** {@code berth stopall}: see {@link LifecycleService#stopAll}; returns the ids that failed. */
    public List<Integer> stopAll(int timeout, boolean forceStop, List<Integer> only, Consumer<String> log) {
        return lifecycle.stopAll(timeout, forceStop, only, log);
    }

    // ---- enter / exec / console ----

    /** The command that runs {@code command} (a shell if empty) in the running container, for the caller's terminal. */
    public List<String> attachCommand(int vmid, List<String> command) { return execs.attachCommand(vmid, command); }

    /** {@link #attachCommand(int, List)}; with {@code keepEnv} the command's own environment passes in (pct's default). */
    public List<String> attachCommand(int vmid, List<String> command, boolean keepEnv) {
        return execs.attachCommand(vmid, command, keepEnv);
    }

    public List<String> consoleCommand(int vmid) { return execs.consoleCommand(vmid, Optional.empty()); }

    /** The console as the config's {@code cmode} asks (tty, console or shell), with lxc-console's escape prefix. */
    public List<String> consoleCommand(int vmid, Optional<String> escape) { return execs.consoleCommand(vmid, escape); }

    /** Runs {@code command} in the container with its output captured. */
    public ExecResult exec(int vmid, List<String> command, Duration timeout) { return execs.exec(vmid, command, timeout); }

    // ---- status ----

    /** The vmids with a config, ascending. */
    public List<Integer> vmids() { return statuses.vmids(); }

    public ContainerStatus status(int vmid) { return statuses.status(vmid); }

    public List<ContainerStatus> list() { return statuses.list(); }
}
