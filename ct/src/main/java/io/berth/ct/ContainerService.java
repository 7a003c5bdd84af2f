package io.berth.ct;

import io.berth.config.BerthRoots;
import io.berth.config.ConfigChanges;
import io.berth.config.ConfigFile;
import io.berth.config.ContainerConfig;
import io.berth.config.DevConfig;
import io.berth.config.MountPoint;
import io.berth.config.ConfigDigest;
import io.berth.config.ConfigRepository;
import io.berth.config.FileConfigRepository;
import io.berth.config.FileLocks;
import io.berth.config.Locks;
import io.berth.config.NoSuchContainerException;
import io.berth.config.VersionedConfig;
import io.berth.config.Vmid;
import io.berth.ct.task.Tasks;
import io.berth.error.DigestMismatchException;
import io.berth.error.ExistsException;
import io.berth.error.InvalidInputException;
import io.berth.error.LockedException;
import io.berth.error.StateException;
import io.berth.ct.hook.HookCommand;
import io.berth.ct.hotplug.LiveChanges;
import io.berth.ct.hotplug.LiveResult;
import io.berth.ct.hotplug.NetHotplug;
import io.berth.ct.hotplug.RunningContainer;
import io.berth.ct.hook.Hooks;
import io.berth.ct.hook.Pending;
import io.berth.ct.lifecycle.ConfigIo;
import io.berth.ct.lifecycle.CtMounts;
import io.berth.ct.lifecycle.CtPaths;
import io.berth.ct.lifecycle.GuestSpecs;
import io.berth.ct.lifecycle.LxcRuntime;
import io.berth.ct.lifecycle.Ownership;
import io.berth.ct.status.ContainerStatus;
import io.berth.ct.status.StatusInput;
import io.berth.ct.status.StatusReader;
import io.berth.ct.template.BusyboxTemplate;
import io.berth.ct.template.Extractor;
import io.berth.ct.template.Progress;
import io.berth.ct.template.TemplateArchive;
import io.berth.ct.template.Templates;
import io.berth.guest.Detected;
import io.berth.guest.GuestSetup;
import io.berth.guest.GuestSetupException;
import io.berth.guest.GuestSpec;
import io.berth.guest.Phase;
import io.berth.guest.SetupReport;
import io.berth.idmap.IdMap;
import io.berth.lxc.host.DeviceNumber;
import io.berth.lxc.host.HostFacts;
import io.berth.lxc.render.LxcConfigRenderer;
import io.berth.lxc.render.RenderInput;
import io.berth.lxc.render.Rendered;
import io.berth.mount.MountEngine;
import io.berth.mount.MountException;
import io.berth.mount.MountRequest;
import io.berth.mount.MountedSet;
import io.berth.storage.NewDisk;
import io.berth.storage.Storages;
import io.berth.storage.VolumeId;
import io.berth.sys.Namespaces;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The container lifecycle as one service: what the CLI calls and a REST API will call. Every operation that changes
 * a container holds its lock; the config's {@code lock} value refuses operations unless {@code skiplock}.
 */
public final class ContainerService {
    private static final Duration LOCK_WAIT = Duration.ofSeconds(30);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern SIZE_ONLY = Pattern.compile("\\d+(\\.\\d+)?");
    private static final Pattern MP_KEY = Pattern.compile("mp\\d+");
    private static final Pattern UNUSED_KEY = Pattern.compile("unused\\d+");
    private static final Pattern DEV_KEY = Pattern.compile("dev\\d+");
    private static final long MIB = 1024L * 1024;

    private final BerthRoots roots;
    private final HookCommand hookCommand;
    private final ConfigIo configs;
    private final ConfigRepository repository;
    private final Locks locks;
    private final Tasks tasks;
    private Storages storages;
    private StatusReader statusReader;

    private static final Map<BerthRoots, ContainerService> SHARED = new java.util.concurrent.ConcurrentHashMap<>();

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
        this.hookCommand = hookCommand;
        this.configs = new ConfigIo(roots);
        this.repository = new FileConfigRepository(roots);
        this.locks = new FileLocks(roots);
        this.tasks = new Tasks(roots);
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

    private long storagesStamp;

    private long storageCfgStamp() {
        try {
            var a = Files.readAttributes(roots.storageCfg(), java.nio.file.attribute.BasicFileAttributes.class);
            return a.lastModifiedTime().toMillis() * 31 + a.size() + (a.fileKey() == null ? 0 : a.fileKey().hashCode());
        } catch (IOException e) {
            return -1;
        }
    }

    /** The container configs (read with digest, conditional writes, {@code lock:} values). */
    public ConfigRepository repository() { return repository; }

    /** The per-container operation locks. */
    public Locks locks() { return locks; }

    /** This node's tasks: what {@code berth task} and the API's task endpoints show. */
    public Tasks tasks() { return tasks; }

    /**
     * Runs a state-changing operation as a task of this node ({@code berth task list}); inside a task already
     * (the API submitted one), the operation is part of it.
     */
    private <T> T task(String type, int vmid, Tasks.Body<T> body) {
        Vmid.check(vmid);
        // a request for a container that does not exist is refused before it becomes a task, as pct does
        if (!type.equals("vzcreate") && !configs.exists(vmid)) throw new NoSuchContainerException(vmid, configs.path(vmid).toString());
        return tasks.run(type, Integer.toString(vmid), TASK_USER, body);
    }

    /** The CLI runs as root; the API passes its authenticated user by submitting the task itself. */
    private static final String TASK_USER = "root@pam";

    /**
     * {@code berth unlock}: removes the config's {@code lock:} value (as {@code pct unlock}), under the operation
     * lock so that it never races an operation that is still running and holds it.
     */
    public void unlock(int vmid) {
        try (Locks.Held l = locks.lock(vmid, "berth unlock " + vmid, LOCK_WAIT)) {
            repository.unlock(vmid);
        }
    }

    public Hooks hooks() { return new Hooks(roots, configs, this::storages); }

    public CtPaths paths(int vmid) { return new CtPaths(roots.lxcPath(), vmid); }

    public ConfigFile config(int vmid) { return configs.read(vmid); }

    /** Writes a container's config as it is (under its lock); for tools and tests that edit raw entries. */
    public void writeConfig(int vmid, ConfigFile f) {
        try (ConfigIo.Lock l = configs.lock(vmid, LOCK_WAIT)) {
            configs.write(vmid, f);
        }
    }

    // ---- templates ----

    public BusyboxTemplate.Built buildBusyboxTemplate(Optional<String> storage) {
        try {
            return BusyboxTemplate.host().build(Templates.templateDir(storages(), storage), false);
        } catch (IOException e) {
            throw new CtException("building the busybox template failed: " + e.getMessage(), e);
        }
    }

    // ---- create ----

    private record Populated(String ostype, String arch, List<String> warnings) {}

    public CreateResult create(CreateRequest req, Progress progress) {
        return task("vzcreate", req.vmid(), t -> {
            int vmid = req.vmid();
            checkVmid(vmid);
            Map<String, String> opts = new LinkedHashMap<>(req.options());
            String rootfs = opts.get("rootfs");
            if (rootfs == null) throw new InvalidInputException("rootfs", "missing; allowed: STORAGE:SIZE_GB (e.g. --rootfs local:8) or a volume");
            if (SIZE_ONLY.matcher(rootfs).matches()) opts.put("rootfs", req.storage().orElse("local") + ":" + rootfs);
            io.berth.ct.lifecycle.MacAddresses.fill(opts);
            ContainerConfig conf = ContainerConfig.of(opts, List.of(), Optional.empty(), List.of());
            io.berth.ct.lifecycle.HostPathGuard.checkAll(conf, roots);
            try (ConfigIo.Lock l = configs.lock(vmid, LOCK_WAIT)) {
                if (configs.exists(vmid)) {
                    boolean interrupted = configs.readIfExists(vmid).flatMap(f -> f.main().lock()).filter("create"::equals).isPresent();
                    throw new io.berth.error.ExistsException("container " + vmid + " exists already (" + configs.path(vmid) + ")"
                            + (interrupted ? "; it is locked 'create': a create was interrupted; remove it and its volumes with"
                            + " 'berth destroy " + vmid + " --skiplock --destroy-unreferenced-disks'" : ""));
                }
                TemplateArchive archive = Templates.resolve(req.template(), storages());
                IdMap map = CtMounts.idMap(conf);
                List<VolumeId> allocated = new ArrayList<>();
                boolean configWritten = false;
                try {
                    // as Proxmox: the config exists, locked 'create', before any volume does, and names each volume as soon
                    // as it is allocated, so a create killed at any point leaves nothing that destroy cannot find (issue 10.9)
                    configs.create(vmid, ConfigFile.of(conf.with("lock", "create")));
                    configWritten = true;
                    conf = allocateNewVolumes(vmid, conf, map, allocated, now -> configs.write(vmid, ConfigFile.of(now.with("lock", "create"))));
                    ContainerConfig c = conf;
                    Populated p;
                    try {
                        p = Namespaces.inNewMountNamespace(() -> populate(vmid, c, map, archive, progress, req));
                    } catch (IOException e) {
                        throw new CtException("creating container " + vmid + " failed: " + e.getMessage(), e);
                    }
                    if (conf.ostype().isEmpty()) conf = conf.with("ostype", p.ostype());
                    if (conf.get("arch").isEmpty()) conf = conf.with("arch", p.arch());
                    configs.write(vmid, ConfigFile.of(conf));
                    return new CreateResult(vmid, p.ostype(), p.arch(), allocated.stream().map(VolumeId::toString).toList(), p.warnings());
                } catch (RuntimeException | Error e) {
                    freeAllocated(allocated, e);
                    if (configWritten) {
                        try {
                            configs.delete(vmid);
                        } catch (RuntimeException d) {
                            e.addSuppressed(d);
                        }
                    }
                    throw e;
                }
            }
        });
    }

    /** Undo of a failed operation: frees what it allocated, newest first; cleanup failures ride along on {@code cause}. */
    private void freeAllocated(List<VolumeId> allocated, Throwable cause) {
        for (VolumeId v : allocated.reversed()) {
            try {
                storages().free(v);
            } catch (RuntimeException s) {
                cause.addSuppressed(s);
            }
        }
    }

    private ContainerConfig allocateNewVolumes(int vmid, ContainerConfig conf, IdMap map, List<VolumeId> allocated) {
        return allocateNewVolumes(vmid, conf, map, allocated, c -> {});
    }

    /** {@code recorded} sees the config after each allocation (create writes it, so a kill leaves no unnamed volume). */
    private ContainerConfig allocateNewVolumes(int vmid, ContainerConfig conf, IdMap map, List<VolumeId> allocated,
                                               java.util.function.Consumer<ContainerConfig> recorded) {
        for (MountPoint mp : CtMounts.mountPoints(conf)) {
            if (!(mp.source() instanceof io.berth.config.MountSource.NewVolume n)) continue;
            NewDisk disk = NewDisk.parse(n.storage() + ":" + plain(n.sizeGiB()));
            VolumeId id = storages().alloc(disk, vmid, (int) map.rootUid(), (int) map.rootGid());
            allocated.add(id);
            String value = conf.get(mp.key()).orElseThrow();
            String rest = value.contains(",") ? value.substring(value.indexOf(',')) : "";
            String withSize = disk.sizeBytes() > 0 && !rest.contains("size=") ? ",size=" + MountPoint.formatSize(disk.sizeBytes()) : "";
            conf = conf.with(mp.key(), id + rest + withSize);
            recorded.accept(conf);
        }
        return conf;
    }

    private static String plain(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    /** Runs on a thread in a private mount namespace: whatever it mounts is gone when it ends. */
    private Populated populate(int vmid, ContainerConfig conf, IdMap map, TemplateArchive archive, Progress progress,
                               CreateRequest req) throws IOException {
        Path staging = roots.runDir().resolve("create-" + vmid);
        Files.createDirectories(staging);
        List<String> warnings = new ArrayList<>();
        MountEngine engine = new MountEngine(warnings::add);
        List<MountRequest> plain = new CtMounts(storages()).requests(conf, true);
        MountedSet mounted = null;
        boolean shiftedByMount = false;
        try {
            if (!map.isEmpty()) {
                // tar writes as host root: through this idmapped mount uid 0 lands on disk as the container's root
                var shift = CtMounts.shiftingIdmap(map);
                List<MountRequest> idmapped = plain.stream().map(r -> r.idmap().isEmpty() ? r.withIdmap(shift).withOwner(0, 0) : r).toList();
                try {
                    mounted = engine.mountAll(staging, idmapped);
                    shiftedByMount = true;
                } catch (MountException e) {
                    warnings.add("idmapped mount not possible (" + e.getMessage() + "); shifting ownership file by file");
                }
            }
            if (mounted == null) mounted = engine.mountAll(staging, plain);
            Extractor.extract(archive, staging, progress, req.ignoreUnpackErrors(), warnings::add);
            if (!map.isEmpty() && !shiftedByMount) Ownership.shift(staging, map);
            int owner = shiftedByMount ? 0 : (int) map.rootUid(), group = shiftedByMount ? 0 : (int) map.rootGid();
            Detected d = detect(staging, conf, vmid, owner, group);
            String ostype = conf.ostype().orElse(d.ostype());
            GuestSpec base = GuestSpecs.of(vmid, conf.ostype().isPresent() ? conf : conf.with("ostype", ostype), owner, group);
            // create --password / --ssh-public-keys: set in the guest at CREATE, never written to the config
            GuestSpec spec = new GuestSpec(base.conf(), req.password(), req.sshPublicKeys(), owner, group);
            SetupReport r = GuestSetup.apply(staging, spec, Phase.CREATE);
            warnings.addAll(r.warnings());
            String arch = conf.get("arch").orElse(d.arch().map(a -> a.toString().toLowerCase(java.util.Locale.ROOT)).orElse("amd64"));
            return new Populated(ostype, arch, warnings);
        } finally {
            try {
                if (mounted != null) mounted.close();
            } finally {
                Files.deleteIfExists(staging);
            }
        }
    }

    /** The guest module's detection; a busybox rootfs (os-release ID=busybox) is {@code unmanaged}. */
    private static Detected detect(Path rootfs, ContainerConfig conf, int vmid, int owner, int group) {
        try {
            return GuestSetup.detect(rootfs);
        } catch (GuestSetupException e) {
            boolean busybox = false;
            Path osRelease = rootfs.resolve("etc/os-release");
            try {
                busybox = !Files.isSymbolicLink(osRelease) && Files.isRegularFile(osRelease)
                        && Files.readAllLines(osRelease, StandardCharsets.UTF_8).stream().anyMatch(l -> l.strip().equals("ID=busybox"));
            } catch (IOException ignored) {
                // not readable: not busybox
            }
            if (!busybox && !conf.ostype().orElse("").equals("unmanaged")) throw e;
            GuestSpec spec = GuestSpecs.of(vmid, conf.with("ostype", "unmanaged"), owner, group);
            return GuestSetup.apply(rootfs, spec, Phase.CREATE).detected();
        }
    }

    private static void checkVmid(int vmid) {
        Vmid.check(vmid);
    }

    // ---- set: offline, or live on a running container ----

    /**
     * Validates and applies config changes (like {@code pct set}). New volumes ({@code STORAGE:SIZE_GB}) are
     * allocated first. On a running container each key is applied live where it can be (limits, mount points, NICs,
     * devices) and kept pending otherwise; a key whose live change failed is rolled back and stays pending, never
     * written as applied. Returns the live result, or empty for a stopped container (all applied to the config).
     */
    public Optional<LiveResult> set(int vmid, Map<String, String> set, List<String> delete, boolean skiplock) {
        return set(vmid, set, delete, skiplock, Optional.empty());
    }

    /**
     * As {@link #set(int, Map, List, boolean)}, refused with {@link DigestMismatchException} when {@code digest} is
     * given and the config changed since the caller read it (Proxmox's {@code digest} parameter).
     */
    public Optional<LiveResult> set(int vmid, Map<String, String> set, List<String> delete, boolean skiplock, Optional<ConfigDigest> digest) {
        if (set.isEmpty() && delete.isEmpty()) throw new InvalidInputException("", "nothing to change; give --KEY VALUE options or --delete KEYS");
        try (ConfigIo.Lock l = configs.lock(vmid, LOCK_WAIT)) {
            VersionedConfig current = repository.read(vmid);
            if (digest.isPresent() && !digest.get().equals(current.digest()))
                throw new DigestMismatchException("the config of container " + vmid, digest.get().hex(), current.digest().hex());
            ConfigFile file = current.config();
            checkLock(vmid, file.main(), skiplock);
            // validates everything (errors name file, key, value and what is allowed) before any side effect
            ConfigChanges.applyChanges(file, set, delete, false);
            for (var e : set.entrySet()) {
                if (e.getKey().equals("rootfs") || MP_KEY.matcher(e.getKey()).matches()) {
                    io.berth.ct.lifecycle.HostPathGuard.check(e.getKey(), MountPoint.parse(e.getKey(), e.getValue()).source(), roots);
                }
            }
            Map<String, String> values = new LinkedHashMap<>();
            set.forEach((k, v) -> values.put(k, ConfigChanges.normalize(k, v)));
            io.berth.ct.lifecycle.MacAddresses.fill(values);
            List<VolumeId> allocated = new ArrayList<>();
            try {
                allocateNewVolumes(vmid, file.main(), values, allocated);
                LxcRuntime rt = new LxcRuntime(paths(vmid));
                OptionalInt pid = rt.initPid();
                if (pid.isEmpty()) {
                    writeKeepingVolumes(vmid, file, ConfigChanges.applyChanges(file, values, delete, false));
                    return Optional.empty();
                }
                LiveResult r;
                try (RunningContainer ct = RunningContainer.pin(String.valueOf(vmid), pid.getAsInt(), rt::initPid)) {
                    r = new LiveChanges(storages()).apply(vmid, file, values, delete, ct);
                }
                writeKeepingVolumes(vmid, file, r.applyTo(file));
                return Optional.of(r);
            } catch (RuntimeException | Error e) {
                freeAllocated(allocated, e);
                throw e;
            }
        }
    }

    /**
     * Writes {@code after}: a volume it drops from a mount point becomes unusedN, and a deleted unusedN's volume is
     * freed once the config no longer names it (Proxmox; issue 10.8). Freeing comes after the write: a failure leaves
     * an orphan that rescan finds, never a config naming a freed volume.
     */
    private void writeKeepingVolumes(int vmid, ConfigFile before, ConfigFile after) {
        ConfigFile next = io.berth.ct.lifecycle.UnusedVolumes.recordDropped(before, after);
        configs.write(vmid, next);
        List<String> failed = new ArrayList<>();
        for (String volid : io.berth.ct.lifecycle.UnusedVolumes.released(before, next)) {
            try {
                VolumeId v = storages().parseVolumeId(volid);
                if (storages().storageOf(v).exists(v)) storages().freeIfOwner(v, vmid);
            } catch (RuntimeException e) {
                failed.add(volid + ": " + e.getMessage());
            }
        }
        if (!failed.isEmpty()) throw new CtException("removed from the config of " + vmid + " but not freed (berth rescan finds them): "
                + String.join("; ", failed));
    }

    /** Replaces {@code STORAGE:SIZE} mount point values in {@code values} by freshly allocated volumes. */
    private void allocateNewVolumes(int vmid, ContainerConfig current, Map<String, String> values, List<VolumeId> allocated) {
        ContainerConfig after = current, onlyVolumes = ContainerConfig.empty();
        for (var e : values.entrySet()) {
            if (!e.getKey().equals("rootfs") && !MP_KEY.matcher(e.getKey()).matches()) continue;
            after = after.with(e.getKey(), e.getValue());
            onlyVolumes = onlyVolumes.with(e.getKey(), e.getValue());
        }
        // new volumes belong to the container's root as it will be with these changes
        ContainerConfig done = allocateNewVolumes(vmid, onlyVolumes, CtMounts.idMap(after), allocated);
        for (String k : List.copyOf(values.keySet())) done.get(k).ifPresent(v -> values.put(k, v));
    }

    // ---- start / stop ----

    private static void checkLock(int vmid, ContainerConfig c, boolean skiplock) {
        if (!skiplock && c.lock().isPresent()) {
            throw new LockedException("container " + vmid + " is locked (" + c.lock().get() + "); use --skiplock to override, or berth unlock " + vmid + " when no operation runs any more", c.lock().get());
        }
    }

    public StartResult start(int vmid, boolean skiplock, boolean debug) {
        return task("vzstart", vmid, t -> {
            try (ConfigIo.Lock l = configs.lock(vmid, LOCK_WAIT)) {
                return startLocked(vmid, skiplock, debug);
            }
        });
    }

    private StartResult startLocked(int vmid, boolean skiplock, boolean debug) {
        ConfigFile f = configs.read(vmid);
        checkLock(vmid, f.main(), skiplock);
        CtPaths paths = paths(vmid);
        LxcRuntime rt = new LxcRuntime(paths);
        if (rt.isRunning()) throw new StateException("container " + vmid + " is already running");
        if (f.main().template()) throw new StateException("container " + vmid + " is a template; templates cannot be started");
        ConfigFile read = f;
        if (f.pending().isPresent()) f = Pending.applied(f);
        // a config written before MACs were generated (or by hand) gets them now, once (issue 10.12)
        ContainerConfig withMacs = io.berth.ct.lifecycle.MacAddresses.fill(f.main());
        if (withMacs != f.main()) f = f.withMain(withMacs);
        if (f != read) configs.write(vmid, f);
        ContainerConfig c = f.main();
        io.berth.ct.lifecycle.HostPathGuard.checkAll(c, roots);
        io.berth.ct.lifecycle.SubordinateIds.check(CtMounts.idMap(c));
        Rendered r;
        try {
            prepareDir(paths);
            r = LxcConfigRenderer.render(new RenderInput(vmid, c, HostFacts.probe(), paths.lxcPath(),
                    hookCommand.commandLine(), paths.rootfsMount(), devices(c)));
            var missingInclude = io.berth.lxc.render.LxcIncludes.problem(r.config());
            if (missingInclude.isPresent()) throw new CtException("cannot start " + vmid + ": " + missingInclude.get());
            writeAtomically(paths.lxcConfig(), r.config());
            if (r.seccompProfile().isPresent()) {
                writeAtomically(paths.lxcPath().resolve(paths.name()).resolve("rules.seccomp"), r.seccompProfile().get());
            }
            Files.deleteIfExists(paths.warnings());
            Files.deleteIfExists(paths.hookError());
            if (skiplock) Files.writeString(paths.skiplockFlag(), "");
        } catch (IOException e) {
            throw new CtException("cannot write the LXC config of " + vmid + ": " + e.getMessage(), e);
        }
        try {
            rt.start(START_TIMEOUT, debug || c.debug());
            List<String> warnings = new ArrayList<>(r.warnings());
            firewallWarnings(c, warnings);
            NetHotplug.applyRates(vmid, c.nets(), warnings);
            if (Files.exists(paths.warnings())) {
                for (String w : Files.readAllLines(paths.warnings(), StandardCharsets.UTF_8)) if (!w.isBlank()) warnings.add(w);
            }
            return new StartResult(warnings);
        } catch (IOException e) {
            throw new CtException("cannot read the start warnings of " + vmid + ": " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(paths.skiplockFlag());
            } catch (IOException ignored) {
                // a stale flag only matters with a lock value set, and the next start rewrites it
            }
        }
    }

    /**
     * {@code berth startall} (pvenode startall): every container with {@code onboot: 1} (all with {@code force}), or
     * only {@code only} if given, in {@link io.berth.ct.lifecycle.BootOrder}, waiting {@code startup: up=} seconds after
     * each start. A failing container is reported and the others still start; returns the ids that failed.
     */
    public List<Integer> startAll(boolean force, List<Integer> only, java.util.function.Consumer<String> log) {
        List<Integer> failed = new ArrayList<>();
        for (var e : io.berth.ct.lifecycle.BootOrder.startOrder(configsOf(only))) {
            if (!e.onboot() && !force && only.isEmpty()) continue;
            if (new LxcRuntime(paths(e.vmid())).isRunning()) {
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
    public List<Integer> stopAll(int timeout, boolean forceStop, List<Integer> only, java.util.function.Consumer<String> log) {
        List<Integer> failed = new ArrayList<>();
        for (var e : io.berth.ct.lifecycle.BootOrder.stopOrder(configsOf(only))) {
            if (!new LxcRuntime(paths(e.vmid())).isRunning()) continue;
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
        for (int vmid : only.isEmpty() ? vmids() : only) {
            try {
                out.put(vmid, configs.read(vmid).main());
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
            if (!k.matches("net\\d+")) continue;
            try {
                if (io.berth.config.NetConfig.parse(c.get(k).orElseThrow()).firewall()) {
                    warnings.add(k + ": firewall=1 has no effect: Berth has no firewall yet, no rules filter this interface");
                }
            } catch (RuntimeException e) {
                // an invalid value is reported by the config check
            }
        }
    }

    /** The dirs LXC and an unprivileged container's root must traverse: world-searchable, as /var/lib/lxc is. */
    private void prepareDir(CtPaths paths) throws IOException {
        Files.createDirectories(paths.rootfsMount());
        Files.setPosixFilePermissions(paths.rootfsMount(), PosixFilePermissions.fromString("rwxr-xr-x"));
        // searchable, not listable: the ids of all containers and their generated configs are root's (issue 10.4)
        for (Path p = paths.rootfsMount().getParent(); p != null; p = p.getParent()) {
            if (p.equals(paths.lxcPath().getParent())) break;
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx--x--x"));
        }
        io.berth.config.ConfigStore.searchableOnly(roots.stateDir());
        // the root dir chain above (e.g. a test's temp dir) must be searchable too
        for (Path p = paths.lxcPath().getParent(); p != null && p.getParent() != null; p = p.getParent()) {
            var perms = Files.getPosixFilePermissions(p);
            if (!perms.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE)) {
                perms.add(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE);
                Files.setPosixFilePermissions(p, perms);
            }
        }
    }

    private static Map<String, DeviceNumber> devices(ContainerConfig c) throws IOException {
        Map<String, DeviceNumber> out = new HashMap<>();
        for (String k : c.keys()) {
            if (!DEV_KEY.matcher(k).matches()) continue;
            DevConfig d = DevConfig.parse(c.get(k).orElseThrow());
            out.put(d.path(), DeviceNumber.probe(Path.of(d.path())));
        }
        return out;
    }

    private static void writeAtomically(Path p, String text) throws IOException {
        Path tmp = p.resolveSibling("." + p.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, p, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * {@code --overrule-shutdown}: a shutdown in progress holds the lock while it waits; kill the container first, which
     * ends that wait, then stop as usual (pct aborts the vzshutdown task the same way).
     */
    public void stop(int vmid, boolean skiplock, boolean overruleShutdown) {
        if (overruleShutdown) {
            checkLock(vmid, configs.read(vmid).main(), skiplock);
            new LxcRuntime(paths(vmid)).stopAndWait(STOP_TIMEOUT);
        }
        stop(vmid, skiplock);
    }

    /** Kills the container and returns when it is completely gone (post-stop hook done); applies pending changes. */
    public void stop(int vmid, boolean skiplock) {
        task("vzstop", vmid, t -> {
            try (ConfigIo.Lock l = configs.lock(vmid, LOCK_WAIT)) {
                checkLock(vmid, configs.read(vmid).main(), skiplock);
                new LxcRuntime(paths(vmid)).stopAndWait(STOP_TIMEOUT);
                applyPending(vmid);
            }
            return null;
        });
    }

    public void shutdown(int vmid, int timeoutSeconds, boolean forceStop, boolean skiplock) {
        task("vzshutdown", vmid, t -> {
            try (ConfigIo.Lock l = configs.lock(vmid, LOCK_WAIT)) {
                checkLock(vmid, configs.read(vmid).main(), skiplock);
                new LxcRuntime(paths(vmid)).shutdown(Duration.ofSeconds(timeoutSeconds), forceStop);
                applyPending(vmid);
            }
            return null;
        });
    }

    public StartResult reboot(int vmid, int timeoutSeconds, boolean skiplock) {
        return task("vzreboot", vmid, t -> {
            try (ConfigIo.Lock l = configs.lock(vmid, LOCK_WAIT)) {
                checkLock(vmid, configs.read(vmid).main(), skiplock);
                LxcRuntime rt = new LxcRuntime(paths(vmid));
                if (!rt.isRunning()) throw new StateException("container " + vmid + " is not running");
                rt.shutdown(Duration.ofSeconds(timeoutSeconds), true);
                return startLocked(vmid, skiplock, false);
            }
        });
    }

    private void applyPending(int vmid) {
        ConfigFile f = configs.read(vmid);
        if (f.pending().isPresent()) configs.write(vmid, Pending.applied(f));
    }

    public void suspend(int vmid, boolean skiplock) {
        task("vzsuspend", vmid, t -> {
            try (ConfigIo.Lock l = configs.lock(vmid, LOCK_WAIT)) {
                checkLock(vmid, configs.read(vmid).main(), skiplock);
                running(vmid).freeze();
            }
            return null;
        });
    }

    public void resume(int vmid, boolean skiplock) {
        task("vzresume", vmid, t -> {
            try (ConfigIo.Lock l = configs.lock(vmid, LOCK_WAIT)) {
                checkLock(vmid, configs.read(vmid).main(), skiplock);
                running(vmid).unfreeze();
            }
            return null;
        });
    }

    private LxcRuntime running(int vmid) {
        LxcRuntime rt = new LxcRuntime(paths(vmid));
        if (!rt.isRunning()) throw new StateException("container " + vmid + " is not running");
        return rt;
    }

    /**
     * Removes a stopped container: its volumes (rootfs, volume mount points, unusedN owned by it), its LXC dir and
     * its config. {@code purge} is accepted for pct compatibility; Berth keeps no other per-container state yet.
     */
    public void destroy(int vmid, boolean purge, boolean skiplock) {
        destroy(vmid, purge, skiplock, false, false);
    }

    /**
     * pct destroy: {@code force} stops a running container first; {@code destroyUnreferenced}
     * ({@code --destroy-unreferenced-disks}) also frees every volume owned by the id on any enabled storage that the
     * config does not name (e.g. left by an interrupted create).
     */
    public void destroy(int vmid, boolean purge, boolean skiplock, boolean force, boolean destroyUnreferenced) {
        task("vzdestroy", vmid, t -> {
            try (ConfigIo.Lock l = configs.lock(vmid, LOCK_WAIT)) {
                ContainerConfig c = configs.read(vmid).main();
                checkLock(vmid, c, skiplock);
                if (c.protection()) throw new StateException("container " + vmid + " is protected (protection: 1); unset it before destroying");
                LxcRuntime rt = new LxcRuntime(paths(vmid));
                if (rt.isRunning()) {
                    if (!force) throw new io.berth.error.StateException("container " + vmid + " is running; stop it first (or use --force)");
                    System.err.println("forced to stop CT " + vmid + " before destroying!");
                    rt.stopAndWait(STOP_TIMEOUT);
                }
                ConfigFile file = configs.read(vmid);
                List<VolumeId> vols = new ArrayList<>(CtMounts.volumes(c));
                for (String volid : io.berth.ct.lifecycle.UnusedVolumes.referencedVolumes(file)) {
                    VolumeId.tryParse(volid).filter(v -> !vols.contains(v)).ifPresent(vols::add);
                }
                for (VolumeId v : vols) if (storages().storageOf(v).exists(v)) storages().freeIfOwner(v, vmid);
                if (destroyUnreferenced) {
                    for (var info : storages().listOwned(vmid)) {
                        if (storages().storageOf(info.volid()).exists(info.volid())) storages().freeIfOwner(info.volid(), vmid);
                    }
                }
                deleteTree(paths(vmid).dir());
                configs.delete(vmid);
            }
            return null;
        });
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new CtException("cannot remove " + dir + ": " + e.getMessage(), e);
        }
    }

    // ---- enter / exec / console ----

    /** The command that runs {@code command} (a shell if empty) in the running container, for the caller's terminal. */
    public List<String> attachCommand(int vmid, List<String> command) {
        configs.read(vmid);
        return running(vmid).attachCommand(command);
    }

    public List<String> consoleCommand(int vmid) {
        return consoleCommand(vmid, Optional.empty());
    }

    /** The console as the config's {@code cmode} asks (tty, console or shell), with lxc-console's escape prefix. */
    public List<String> consoleCommand(int vmid, Optional<String> escape) {
        escape.ifPresent(e -> {
            if (!e.matches("\\^?[a-z]|-1")) throw new io.berth.error.InvalidInputException("escape",
                    "'" + e + "' is invalid; allowed: a letter a-z or ^a..^z (Ctrl+letter), or -1 for none");
        });
        String cmode = configs.read(vmid).main().cmode();
        // '-1' disables the escape sequence, as with pct
        Optional<String> esc = escape.filter(e -> !e.equals("-1"));
        return running(vmid).consoleCommand(cmode, escape.isPresent() && esc.isEmpty() ? Optional.of("-1") : esc);
    }

    /** {@link #attachCommand(int, List)} passing {@code keepEnv} in ({@code --keep-env}). */
    public List<String> attachCommand(int vmid, List<String> command, Optional<Map<String, String>> keepEnv) {
        configs.read(vmid);
        return running(vmid).attachCommand(command, keepEnv);
    }

    /** {@code pct set --revert}: drops the pending values and pending deletions of {@code keys}; the applied config stays. */
    public void revert(int vmid, List<String> keys, boolean skiplock) {
        try (ConfigIo.Lock l = configs.lock(vmid, LOCK_WAIT)) {
            ConfigFile f = configs.read(vmid);
            checkLock(vmid, f.main(), skiplock);
            if (f.pending().isEmpty()) return;
            ContainerConfig p = f.pending().get();
            for (String k : keys) p = k.equals("description") ? p.withDescription(Optional.empty()) : p.without(k);
            p = p.withDeletes(p.deletes().stream().filter(d -> !keys.contains(d)).toList());
            configs.write(vmid, f.withPending(p.isEmpty() ? Optional.empty() : Optional.of(p)));
        }
    }

    /** Runs {@code command} in the container with its output captured. */
    public ExecResult exec(int vmid, List<String> command, Duration timeout) {
        List<String> cmd = attachCommand(vmid, command);
        try {
            Path out = Files.createTempFile("berth-exec-", ".out"), err = Files.createTempFile("berth-exec-", ".err");
            try {
                Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    throw new CtException("exec in " + vmid + " timed out after " + timeout.toSeconds() + " s: " + command);
                }
                return new ExecResult(p.exitValue(), Files.readString(out), Files.readString(err));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new CtException("exec in " + vmid + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CtException("exec in " + vmid + " interrupted", e);
        }
    }

    // ---- status ----

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
        List<StatusInput> inputs = new ArrayList<>();
        Map<Integer, StatusInput> byId = new TreeMap<>();
        for (int vmid : vmids()) {
            try {
                byId.put(vmid, statusInput(vmid, configs.read(vmid).main()));
            } catch (RuntimeException e) {
                // a config that no longer parses still shows up, by id
                byId.put(vmid, new StatusInput(vmid, "CT" + vmid, 0, 512 * MIB, 512 * MIB, 0, Optional.empty(), false));
            }
        }
        inputs.addAll(byId.values());
        return reader().read(inputs, this::initPid);
    }

    private OptionalInt initPid(int vmid) {
        return new LxcRuntime(paths(vmid)).initPid();
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

    static boolean isMp(String key) { return MP_KEY.matcher(key).matches(); }
}
