package io.berth.ct.lifecycle;

import io.berth.ct.phases.Phases;
import io.berth.config.ConfigFile;
import io.berth.config.ContainerConfig;
import io.berth.config.Vmid;
import io.berth.ct.CreateRequest;
import io.berth.ct.CreateResult;
import io.berth.ct.CtException;
import io.berth.ct.template.Extractor;
import io.berth.ct.Progress;
import io.berth.ct.template.TemplateArchive;
import io.berth.ct.template.Templates;
import io.berth.error.ExistsException;
import io.berth.error.InvalidInputException;
import io.berth.guest.Detected;
import io.berth.guest.GuestSetup;
import io.berth.guest.GuestSetupException;
import io.berth.guest.GuestSpec;
import io.berth.guest.Phase;
import io.berth.guest.SetupReport;
import io.berth.idmap.IdMap;
import io.berth.mount.MountEngine;
import io.berth.mount.MountException;
import io.berth.mount.MountRequest;
import io.berth.mount.MountedSet;
import io.berth.storage.VolumeId;
import io.berth.sys.Namespaces;
import io.berth.sys.Reverter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code pct create}: config first (locked {@code create}), then the volumes, then the template unpacked and the
 * guest set up in a private mount namespace; any failure undoes all of it in reverse.
 */
public final class CreateService {
    private static final Pattern SIZE_ONLY = Pattern.compile("\\d+(\\.\\d+)?");

    private final CtContext ctx;

    public CreateService(CtContext ctx) { this.ctx = ctx; }

    private record Populated(String ostype, String arch, List<String> warnings) {}

    public CreateResult create(CreateRequest req, Progress progress) {
        return ctx.task("vzcreate", req.vmid(), t -> {
            Phases.mark("task");
            int vmid = req.vmid();
            Vmid.check(vmid);
            Map<String, String> opts = new LinkedHashMap<>(req.options());
            String rootfs = opts.get("rootfs");
            if (rootfs == null) throw new InvalidInputException("rootfs", "missing; allowed: STORAGE:SIZE_GB (e.g. --rootfs local:8) or a volume");
            if (SIZE_ONLY.matcher(rootfs).matches()) opts.put("rootfs", req.storage().orElse("local") + ":" + rootfs);
            MacAddresses.fill(opts);
            ContainerConfig conf = ContainerConfig.of(opts, List.of(), java.util.Optional.empty(), List.of());
            HostPathGuard.checkAll(conf, ctx.roots());
            if (conf.hookscript().isPresent()) io.berth.ct.hook.Hookscript.check(conf.hookscript().get(), ctx.storages());
            ConfigIo configs = ctx.configs();
            try (ConfigIo.Lock l = configs.lock(vmid, CtContext.LOCK_WAIT)) {
                Phases.mark("checks+lock");
                if (configs.exists(vmid)) {
                    boolean interrupted = configs.readIfExists(vmid).flatMap(f -> f.main().lock()).filter("create"::equals).isPresent();
                    throw new ExistsException("container " + vmid + " exists already (" + configs.path(vmid) + ")"
                            + (interrupted ? "; it is locked 'create': a create was interrupted; remove it and its volumes with"
                            + " 'berth destroy " + vmid + " --skiplock --destroy-unreferenced-disks'" : ""));
                }
                TemplateArchive archive = Templates.resolve(req.template(), ctx.storages());
                IdMap map = CtMounts.idMap(conf);
                List<VolumeId> allocated = new ArrayList<>();
                try (Reverter undo = new Reverter()) {
                    // as Proxmox: the config exists, locked 'create', before any volume does, and names each volume as soon
                    // as it is allocated, so a create killed at any point leaves nothing that destroy cannot find (issue 10.9)
                    // interim states (no fsync: a killed create leaves them in the page cache; the final write is durable)
                    configs.createInterim(vmid, ConfigFile.of(conf.with("lock", "create")));
                    undo.push("remove " + configs.path(vmid), () -> configs.delete(vmid));
                    Phases.mark("config-create");
                    conf = NewVolumes.allocate(ctx.storages(), vmid, conf, map, undo, allocated,
                            now -> configs.writeInterim(vmid, ConfigFile.of(now.with("lock", "create"))));
                    Phases.mark("alloc");
                    ContainerConfig c = conf;
                    Populated p;
                    Phases rec = Phases.current();
                    try {
                        p = Namespaces.inNewMountNamespace(() -> populate(vmid, c, map, archive, progress, req, rec));
                    } catch (IOException e) {
                        throw new CtException("creating container " + vmid + " failed: " + e.getMessage(), e);
                    }
                    if (conf.ostype().isEmpty()) conf = conf.with("ostype", p.ostype());
                    if (conf.get("arch").isEmpty()) conf = conf.with("arch", p.arch());
                    configs.write(vmid, ConfigFile.of(conf));
                    undo.commit();
                    Phases.mark("config-write");
                    return new CreateResult(vmid, p.ostype(), p.arch(), allocated.stream().map(VolumeId::toString).toList(), p.warnings());
                }
            }
        });
    }

    /** Runs on a thread in a private mount namespace: whatever it mounts is gone when it ends. */
    private Populated populate(int vmid, ContainerConfig conf, IdMap map, TemplateArchive archive, Progress progress,
                               CreateRequest req, Phases rec) throws IOException {
        Phases.mark(rec, "mount-namespace");
        Path staging = ctx.roots().runDir().resolve("create-" + vmid);
        Files.createDirectories(staging);
        List<String> warnings = new ArrayList<>();
        MountEngine engine = new MountEngine(warnings::add);
        List<MountRequest> plain = new CtMounts(ctx.storages()).requests(conf, true);
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
            Phases.mark(rec, "mount");
            Extractor.extract(archive, staging, progress, req.ignoreUnpackErrors(), warnings::add);
            Phases.mark(rec, "extract");
            if (!map.isEmpty() && !shiftedByMount) Ownership.shift(staging, map);
            int owner = shiftedByMount ? 0 : (int) map.rootUid(), group = shiftedByMount ? 0 : (int) map.rootGid();
            Detection det = detect(staging, conf, vmid, owner, group);
            Detected d = det.detected();
            String ostype = conf.ostype().orElse(d.ostype());
            GuestSpec base = GuestSpecs.of(vmid, conf.ostype().isPresent() ? conf : conf.with("ostype", ostype), owner, group);
            // create --password / --ssh-public-keys: set in the guest at CREATE, never written to the config
            GuestSpec spec = new GuestSpec(base.conf(), req.password(), req.sshPublicKeys(), owner, group);
            // an unmanaged guest was set up by the detection already (setup writes nothing for it, passwords included)
            SetupReport r = det.unmanagedSetup().filter(x -> ostype.equals("unmanaged")).isPresent() ? det.unmanagedSetup().get()
                    : GuestSetup.apply(staging, spec, Phase.CREATE);
            warnings.addAll(r.warnings());
            Phases.mark(rec, "guest-setup");
            String arch = conf.get("arch").orElse(d.arch().map(a -> a.toString().toLowerCase(Locale.ROOT)).orElse("amd64"));
            return new Populated(ostype, arch, warnings);
        } finally {
            try {
                if (mounted != null) mounted.close();
            } finally {
                Files.deleteIfExists(staging);
                Phases.mark(rec, "unmount");
            }
        }
    }

    /** What {@link #detect} found; for an unmanaged guest also the (empty) setup that found it. */
    private record Detection(Detected detected, java.util.Optional<SetupReport> unmanagedSetup) {}

    /** The guest module's detection; a busybox rootfs (os-release ID=busybox) is {@code unmanaged}. */
    private static Detection detect(Path rootfs, ContainerConfig conf, int vmid, int owner, int group) {
        try {
            return new Detection(GuestSetup.detect(rootfs), java.util.Optional.empty());
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
            SetupReport r = GuestSetup.apply(rootfs, spec, Phase.CREATE);
            return new Detection(r.detected(), java.util.Optional.of(r));
        }
    }
}
