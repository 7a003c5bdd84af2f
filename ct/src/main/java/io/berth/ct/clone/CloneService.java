package io.berth.ct.clone;

import io.berth.config.ConfigFile;
import io.berth.config.ContainerConfig;
import io.berth.config.MountPoint;
import io.berth.config.MountSource;
import io.berth.config.NetConfig;
import io.berth.ct.ContainerService;
import io.berth.ct.CtException;
import io.berth.ct.lifecycle.ConfigIo;
import io.berth.ct.lifecycle.CtMounts;
import io.berth.ct.lifecycle.GuestSpecs;
import io.berth.ct.lifecycle.LxcRuntime;
import io.berth.ct.snapshot.SnapshotConfigs;
import io.berth.error.InvalidInputException;
import io.berth.ct.Progress;
import io.berth.guest.GuestSetup;
import io.berth.guest.Phase;
import io.berth.idmap.IdMap;
import io.berth.mount.MountEngine;
import io.berth.mount.MountRequest;
import io.berth.mount.MountedSet;
import io.berth.storage.Storage;
import io.berth.storage.Storages;
import io.berth.storage.VolumeId;
import io.berth.sys.Namespaces;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * pct's template, clone and move-volume, step for step as Proxmox's API does them: the source holds {@code lock: disk}
 * while it is read, the new container {@code lock: create} until it is complete; a failure frees every volume made
 * and removes the new config.
 */
public final class CloneService {
    private static final Duration LOCK_WAIT = Duration.ofSeconds(30);
    /** Proxmox's default {@code mac_prefix} (datacenter.cfg). */
    static final String MAC_PREFIX = "BC:24:11";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ContainerService ct;
    private final ConfigIo configs;

    public CloneService(ContainerService ct) {
        this.ct = ct;
        this.configs = new ConfigIo(ct.roots());
    }

    // ---- template ----

    /** {@code pct template VMID}: every volume becomes a read-only base volume; the container a template that cannot start. */
    public List<String> template(int vmid) {
        try (ConfigIo.Lock l = configs.lock(vmid, LOCK_WAIT)) {
            ConfigFile file = configs.read(vmid);
            ContainerConfig c = file.main();
            checkUnlocked(vmid, c);
            if (!file.snapshots().isEmpty())
                throw new io.berth.error.StateException("unable to create template, because container " + vmid + " has snapshots ("
                        + String.join(", ", file.snapshots().keySet()) + ")");
            if (c.template()) throw new io.berth.error.StateException("container " + vmid + " is a template already");
            if (new LxcRuntime(ct.paths(vmid)).isRunning())
                throw new io.berth.error.StateException("you can't convert container " + vmid + " to a template while it is running");
            List<VolumeId> made = new ArrayList<>();
            ContainerConfig next = baseVolumes(vmid, c, made);
            try {
                configs.write(vmid, file.withMain(next.with("template", "1")));
            } catch (RuntimeException e) {
                revertBases(made, e);
                throw e;
            }
            return made.stream().map(VolumeId::toString).toList();
        }
    }

    /**
     * Makes every volume of {@code c} a read-only base volume ({@code base-VMID-disk-N}) and returns the config naming
     * them, {@code made} holding the base volumes; all or nothing: on a failure the ones made are turned back. Refused
     * for bind and device mount points and storages without templates. The caller writes the config (with
     * {@code template: 1}), under the container's lock.
     */
    public ContainerConfig baseVolumes(int vmid, ContainerConfig c, List<VolumeId> made) {
        Storages st = ct.storages();
        List<MountPoint> mps = SnapshotConfigs.mountPoints(c);
        for (MountPoint mp : mps) {
            if (!(mp.source() instanceof MountSource.Volume v))
                throw new CtException("template feature is not available for " + mp.key() + " ('" + mp.source().format()
                        + "'): only storage volumes can become template base volumes");
            VolumeId id = st.parseVolumeId(v.volid());
            if (!st.storageOf(id).capabilities().templates())
                throw new io.berth.error.UnsupportedException("template feature is not available for '" + id + "' (storage '" + id.storage() + "')");
            if (id.ownerVmid() != vmid)
                throw new CtException("cannot make '" + id + "' (" + mp.key() + ") a base volume: it belongs to container " + id.ownerVmid());
        }
        ContainerConfig next = c;
        int before = made.size();
        try {
            for (MountPoint mp : mps) {
                VolumeId id = st.parseVolumeId(((MountSource.Volume) mp.source()).volid());
                VolumeId base = st.storageOf(id).createBase(id);
                made.add(base);
                next = next.with(mp.key(), mp.withSource(new MountSource.Volume(base.storage(), base.name().toString())).format());
            }
        } catch (RuntimeException e) {
            revertBases(made.subList(before, made.size()), e);
            made.subList(before, made.size()).clear();
            throw e;
        }
        return next;
    }

    private void revertBases(List<VolumeId> made, RuntimeException e) {
        Storages st = ct.storages();
        for (VolumeId b : made.reversed()) {
            try {
                st.storageOf(b).revertBase(b);
            } catch (RuntimeException undo) {
                e.addSuppressed(undo);
            }
        }
    }

    // ---- clone ----

    /** What {@code pct clone} takes besides the two ids. {@code full} empty: full unless the source is a template. */
    public record CloneRequest(int vmid, int newid, Optional<Boolean> full, Optional<String> snapname,
                               Optional<String> storage, Optional<String> hostname, Optional<String> description) {}

    public record CloneResult(int newid, boolean full, List<String> volumes, List<String> warnings) {}

    public CloneResult clone(CloneRequest req, Progress progress) {
        int vmid = req.vmid(), newid = req.newid();
        if (newid < 100 || newid > 999_999_999)
            throw new InvalidInputException("newid", "invalid new id '" + newid + "': allowed 100 to 999999999");
        if (newid == vmid) throw new InvalidInputException("newid", "cannot clone container " + vmid + " onto itself");
        req.snapname().ifPresent(s -> {
            if (!io.berth.ct.snapshot.SnapshotService.NAME.matcher(s).matches())
                throw new InvalidInputException("snapname", "invalid snapshot name '" + s + "'");
        });
        if (configs.exists(newid))
            throw new io.berth.error.ExistsException("container " + newid + " exists already (" + configs.path(newid)
                    + "); choose another id for the clone");
        req.storage().ifPresent(s -> ct.storages().get(s));
        ConfigFile src = update(vmid, f -> {
            checkUnlocked(vmid, f.main());
            return f.withMain(f.main().with("lock", "disk"));
        });
        List<String> warnings = new ArrayList<>();
        List<VolumeId> made = new ArrayList<>();
        boolean createdConfig = false;
        try {
            configs.create(newid, ConfigFile.of(ContainerConfig.empty().with("lock", "create")));
            createdConfig = true;
            boolean running = new LxcRuntime(ct.paths(vmid)).isRunning();
            boolean full = req.full().orElse(!src.main().template());
            if (req.storage().isPresent() && !full)
                throw new InvalidInputException("storage", "parameter 'storage' not allowed for linked clones; add --full");
            ContainerConfig from = src.main();
            if (req.snapname().isPresent()) {
                from = src.snapshots().get(req.snapname().get());
                if (from == null)
                    throw new io.berth.error.NotFoundException("snapshot '" + req.snapname().get() + "' of container " + vmid + " does not exist");
            }
            Map<String, String> values = new LinkedHashMap<>();
            Map<String, MountPoint> mounts = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : from.values().entrySet()) {
                String k = e.getKey();
                if (io.berth.config.Schema.inFamily("unused", k)) continue;
                if (io.berth.config.MountPoint.isVolumeKey(k)) {
                    MountPoint mp = MountPoint.parse(k, e.getValue());
                    if (!(mp.source() instanceof MountSource.Volume v))
                        throw new CtException("unable to clone mount point '" + k + "' ('" + mp.source().format()
                                + "'): only storage volumes can be cloned");
                    VolumeId id = ct.storages().parseVolumeId(v.volid());
                    if (full) {
                        if (running && req.snapname().isEmpty())
                            throw new io.berth.error.StateException("full clone of running container " + vmid + " is only possible from a snapshot (--snapname)");
                    } else {
                        Storage s = ct.storages().storageOf(id);
                        if (!s.capabilities().linkedClones() || !(id.name().isBase() || req.snapname().isPresent()))
                            throw new io.berth.error.UnsupportedException("linked clone feature for '" + id + "' is not available"
                                    + (s.capabilities().linkedClones() ? " (only template base volumes or snapshots)"
                                    : " (storage '" + s.id() + "' has no copy-on-write clones)") + "; use --full");
                    }
                    mounts.put(k, mp);
                    values.put(k, e.getValue());
                } else if (io.berth.config.Schema.inFamily("net", k)) {
                    NetConfig n = NetConfig.parse(e.getValue());
                    values.put(k, withMac(n, randomMac()).format());
                } else {
                    values.put(k, e.getValue());
                }
            }
            for (String k : List.of("parent", "snaptime", "snapstate", "vmstate", "template", "lock", "digest")) values.remove(k);
            values.put("lock", "create");
            req.hostname().ifPresent(h -> values.put("hostname", h));
            Optional<String> description = req.description().isPresent() ? req.description() : from.description();
            ContainerConfig newConf = ContainerConfig.of(values, from.lxcRaw(), description, List.of());
            configs.write(newid, ConfigFile.of(newConf));

            IdMap map = CtMounts.idMap(newConf);
            // rootfs first, then mp0, mp1, ... (the mount order)
            List<Map.Entry<String, MountPoint>> ordered = new ArrayList<>(mounts.entrySet());
            ordered.sort(java.util.Comparator.comparingInt(e -> e.getKey().equals("rootfs") ? -1 : Integer.parseInt(e.getKey().substring(2))));
            for (Map.Entry<String, MountPoint> e : ordered) {
                MountPoint mp = e.getValue();
                VolumeId id = ct.storages().parseVolumeId(((MountSource.Volume) mp.source()).volid());
                VolumeId created;
                if (full) {
                    String target = req.storage().orElse(id.storage());
                    created = VolumeCopy.copy(ct.storages(), id, req.snapname(), target, newid, mp, (int) map.rootUid(),
                            (int) map.rootGid(), ct.roots().runDir(), progress);
                } else {
                    created = ct.storages().storageOf(id).linkedClone(id, req.snapname(), newid);
                }
                made.add(created);
                String value = mp.withSource(new MountSource.Volume(created.storage(), created.name().toString())).format();
                newConf = newConf.with(e.getKey(), value);
                configs.write(newid, ConfigFile.of(newConf));
            }
            ContainerConfig finalConf = newConf;
            warnings.addAll(Namespaces.inNewMountNamespace(() -> setupGuest(newid, finalConf)));
            configs.write(newid, ConfigFile.of(newConf.without("lock")));
            return new CloneResult(newid, full, made.stream().map(VolumeId::toString).toList(), warnings);
        } catch (IOException | RuntimeException e) {
            RuntimeException r = e instanceof RuntimeException re ? re : new CtException("clone failed: " + e.getMessage(), e);
            for (VolumeId v : made.reversed()) {
                try {
                    ct.storages().free(v);
                } catch (RuntimeException undo) {
                    r.addSuppressed(undo);
                }
            }
            if (createdConfig) {
                try {
                    configs.delete(newid);
                } catch (RuntimeException undo) {
                    r.addSuppressed(undo);
                }
            }
            throw r;
        } finally {
            try {
                update(vmid, f -> f.main().lock().map("disk"::equals).orElse(false) ? f.withMain(f.main().without("lock")) : f);
            } catch (RuntimeException e) {
                warnings.add("cannot remove the 'disk' lock of container " + vmid + ": " + e.getMessage());
            }
        }
    }

    /** Guest files for the new name and addresses (Proxmox's post_clone_hook), on the clone's mounted volumes. */
    private List<String> setupGuest(int newid, ContainerConfig conf) throws IOException {
        Path staging = Files.createDirectories(ct.roots().runDir().resolve("clone-" + newid));
        List<String> warnings = new ArrayList<>();
        IdMap map = CtMounts.idMap(conf);
        List<MountRequest> requests = new CtMounts(ct.storages()).requests(conf, true);
        try (MountedSet m = new MountEngine(warnings::add).mountAll(staging, requests)) {
            warnings.addAll(GuestSetup.apply(staging, GuestSpecs.of(newid, conf, (int) map.rootUid(), (int) map.rootGid()),
                    Phase.PRE_START).warnings());
        } finally {
            Files.deleteIfExists(staging);
        }
        return warnings;
    }

    static String randomMac() {
        byte[] b = new byte[3];
        RANDOM.nextBytes(b);
        return MAC_PREFIX + String.format(":%02X:%02X:%02X", b[0] & 0xff, b[1] & 0xff, b[2] & 0xff);
    }

    private static NetConfig withMac(NetConfig n, String mac) {
        return new NetConfig(n.name(), n.bridge(), Optional.of(mac), n.ip(), n.gw(), n.ip6(), n.gw6(), n.mtu(), n.rate(),
                n.tag(), n.trunks(), n.firewall(), n.linkDown(), n.type(), n.hostManaged());
    }

    // ---- move-volume ----

    /** @param removed the old volume was deleted ({@code --delete}); otherwise it is kept as {@code unused} */
    public record MoveResult(String key, String oldVolid, String newVolid, boolean removed, Optional<String> unusedKey,
                             List<String> warnings) {}

    /**
     * {@code pct move-volume VMID VOLUME STORAGE [--delete]}: copies a stopped container's rootfs or mpN volume to
     * another storage (any type: the copy is file by file, with progress), points the config at the copy, and keeps
     * the old volume as {@code unusedN} or deletes it. The container holds {@code lock: disk} meanwhile.
     */
    public MoveResult moveVolume(int vmid, String key, String storage, boolean delete, Progress progress) {
        if (key == null || !io.berth.config.MountPoint.isVolumeKey(key))
            throw new InvalidInputException("volume", "invalid volume '" + key + "': allowed rootfs or mp0..mp255"
                    + (key != null && io.berth.config.Schema.inFamily("unused", key) ? " (unused volumes cannot be moved)" : ""));
        ct.storages().get(storage);
        List<String> warnings = new ArrayList<>();
        ConfigFile file = update(vmid, f -> {
            checkUnlocked(vmid, f.main());
            if (new LxcRuntime(ct.paths(vmid)).isRunning())
                throw new io.berth.error.StateException("cannot move volumes of running container " + vmid + "; stop it first");
            MountPoint mp = f.main().mountPoint(key).orElseThrow(() -> new InvalidInputException("volume",
                    "container " + vmid + " has no volume '" + key + "'"));
            if (!(mp.source() instanceof MountSource.Volume v))
                throw new InvalidInputException("volume", "cannot move " + key + " ('" + mp.source().format()
                        + "'): only storage volumes can be moved");
            if (delete && f.snapshots().values().stream().anyMatch(s -> SnapshotConfigs.volumes(s).contains(v.volid())))
                throw new io.berth.error.StateException("you can't move volume '" + v.volid() + "' with snapshots and delete the source");
            if (ct.storages().parseVolumeId(v.volid()).storage().equals(storage))
                throw new InvalidInputException("storage", "volume '" + v.volid() + "' is on storage '" + storage + "' already");
            return f.withMain(f.main().with("lock", "disk"));
        });
        ContainerConfig c = file.main();
        MountPoint mp = c.mountPoint(key).orElseThrow();
        VolumeId old = ct.storages().parseVolumeId(((MountSource.Volume) mp.source()).volid());
        IdMap map = CtMounts.idMap(c);
        VolumeId created = null;
        try {
            created = VolumeCopy.copy(ct.storages(), old, Optional.empty(), storage, vmid, mp, (int) map.rootUid(),
                    (int) map.rootGid(), ct.roots().runDir(), progress);
            VolumeId placed = c.template() ? ct.storages().storageOf(created).createBase(created) : created;
            created = placed;
            String value = mp.withSource(new MountSource.Volume(placed.storage(), placed.name().toString())).format();
            Optional<String>[] unusedKey = new Optional[] {Optional.empty()};
            update(vmid, f -> {
                if (!f.main().lock().map("disk"::equals).orElse(false))
                    throw new CtException("container " + vmid + ": lost its 'disk' lock during the move");
                ContainerConfig m = f.main().with(key, value).without("lock");
                if (!delete) {
                    ContainerConfig withUnused = SnapshotConfigs.addUnused(m, old.toString());
                    unusedKey[0] = withUnused.values().entrySet().stream()
                            .filter(e -> io.berth.config.Schema.inFamily("unused", e.getKey()) && e.getValue().equals(old.toString()))
                            .map(Map.Entry::getKey).findFirst();
                    m = withUnused;
                }
                return f.withMain(m);
            });
            boolean removed = false;
            if (delete) {
                try {
                    ct.storages().free(old);
                    removed = true;
                } catch (RuntimeException e) {
                    warnings.add("cannot delete the old volume '" + old + "': " + e.getMessage() + "; it is kept as unused");
                    update(vmid, f -> f.withMain(SnapshotConfigs.addUnused(f.main(), old.toString())));
                }
            }
            return new MoveResult(key, old.toString(), placed.toString(), removed, unusedKey[0], warnings);
        } catch (RuntimeException e) {
            if (created != null) {
                try {
                    ct.storages().free(created);
                } catch (RuntimeException undo) {
                    e.addSuppressed(undo);
                }
            }
            try {
                update(vmid, f -> f.main().lock().map("disk"::equals).orElse(false) ? f.withMain(f.main().without("lock")) : f);
            } catch (RuntimeException undo) {
                e.addSuppressed(undo);
            }
            throw e;
        }
    }

    // ---- move-volume --target-vmid (reassign) ----

    /** A volume given to another container: {@code key} of {@code vmid} is now {@code targetKey} of {@code targetVmid}. */
    public record ReassignResult(int vmid, String key, String oldVolid, int targetVmid, String targetKey, String newVolid) {}

    /**
     * {@code pct move-volume VMID VOLUME --target-vmid N [--target-volume KEY]} (Proxmox's volume reassign): renames
     * the mpN or unusedN volume on its storage to {@code targetVmid}'s next free disk name, removes {@code key} from
     * the source config and sets {@code targetKey} (default {@code key}) in the target's: an mpN keeps its options, an
     * unusedN is just the volume. Both configs stay locked (in vmid order, so two opposite moves cannot deadlock) from
     * the checks to the last write; a failure undoes the steps done, newest first.
     *
     * @param digest       the source config's expected digest (empty: no check)
     * @param targetDigest the target config's expected digest (empty: no check)
     */
    public ReassignResult reassignVolume(int vmid, String key, int targetVmid, Optional<String> targetKey,
                                         Optional<String> digest, Optional<String> targetDigest) {
        String toKey = targetKey.orElse(key);
        checkReassignKey("volume", key);
        checkReassignKey("target-volume", toKey);
        if (io.berth.config.Schema.inFamily("unused", key) && !io.berth.config.Schema.inFamily("unused", toKey))
            throw new io.berth.error.InvalidInputException("target-volume", "moving an unused volume ('" + key
                    + "') to a mount point ('" + toKey + "') is not possible: use an unusedN target volume");
        io.berth.config.Vmid.check(targetVmid);
        if (targetVmid == vmid)
            throw new io.berth.error.InvalidInputException("target-vmid", "source and target container are the same ("
                    + vmid + "): give another container's id, or --storage to move the volume to another storage");
        int first = Math.min(vmid, targetVmid), second = Math.max(vmid, targetVmid);
        try (ConfigIo.Lock l1 = configs.lock(first, LOCK_WAIT); ConfigIo.Lock l2 = configs.lock(second, LOCK_WAIT)) {
            ConfigFile src = configs.read(vmid);
            ConfigFile dst = configs.read(targetVmid);
            checkUnlocked(vmid, src.main());
            checkUnlocked(targetVmid, dst.main());
            if (src.main().template() || dst.main().template())
                throw new io.berth.error.StateException("cannot move volumes from or to a template (container "
                        + (src.main().template() ? vmid : targetVmid) + " is one)");
            checkDigest(vmid, "digest", digest);
            checkDigest(targetVmid, "target-digest", targetDigest);
            String value = src.main().get(key).orElseThrow(() -> new io.berth.error.NotFoundException(
                    "volume '" + key + "' of container " + vmid + " does not exist"));
            if (dst.main().get(toKey).isPresent())
                throw new io.berth.error.ExistsException("target volume key '" + toKey + "' is already in use in container "
                        + targetVmid + " ('" + dst.main().get(toKey).get() + "'); choose a free --target-volume");
            Optional<MountPoint> mp = Optional.empty();
            String volid = value;
            if (io.berth.config.Schema.inFamily("mp", key)) {
                MountPoint m = MountPoint.parse(key, value);
                if (!(m.source() instanceof MountSource.Volume v))
                    throw new io.berth.error.InvalidInputException("volume", "cannot move " + key + " ('" + m.source().format()
                            + "') to another container: bind and device mount points are not storage volumes");
                mp = Optional.of(m);
                volid = v.volid();
            }
            VolumeId old = ct.storages().parseVolumeId(volid);
            String oldVolid = old.toString();
            if (src.snapshots().values().stream().anyMatch(s -> SnapshotConfigs.volumes(s).contains(oldVolid)
                    || s.values().containsValue(oldVolid)))
                throw new io.berth.error.StateException("cannot move volume '" + oldVolid + "' to another container: "
                        + "snapshots of container " + vmid + " use it; delete them first");
            if (mp.isPresent() && new LxcRuntime(ct.paths(vmid)).isRunning())
                throw new io.berth.error.StateException("cannot move in-use volume " + key + " ('" + oldVolid
                        + "') while container " + vmid + " is running: detach it (it becomes unusedN) or stop the container first");
            if (io.berth.config.Schema.inFamily("mp", toKey) && new LxcRuntime(ct.paths(targetVmid)).isRunning())
                throw new io.berth.error.StateException("cannot add " + toKey + " to running container " + targetVmid
                        + " (Berth does not hotplug a reassigned volume): stop it, or use an unusedN --target-volume");
            Storage storage = ct.storages().storageOf(old);

            try (io.berth.sys.Reverter undo = new io.berth.sys.Reverter()) {
                VolumeId renamed = storage.rename(old, targetVmid, java.util.OptionalInt.empty());
                undo.push("rename " + renamed + " back to " + old,
                        () -> storage.rename(renamed, vmid, java.util.OptionalInt.of(old.name().disk())));
                String newVolid = renamed.toString();
                configs.write(vmid, src.withMain(src.main().without(key)));
                undo.push("restore the config of container " + vmid, () -> configs.write(vmid, src));
                String newValue = mp.isPresent() && io.berth.config.Schema.inFamily("mp", toKey)
                        ? mp.get().withSource(new MountSource.Volume(renamed.storage(), renamed.name().toString())).format()
                        : newVolid;
                configs.write(targetVmid, dst.withMain(dst.main().with(toKey, newValue)));
                undo.commit();
                return new ReassignResult(vmid, key, oldVolid, targetVmid, toKey, newVolid);
            }
        }
    }

    private static void checkReassignKey(String param, String key) {
        if (key == null || !(io.berth.config.Schema.inFamily("mp", key) || io.berth.config.Schema.inFamily("unused", key)))
            throw new io.berth.error.InvalidInputException(param, "invalid " + param + " '" + key
                    + "' for a move to another container: allowed mp0..mp255 or unused0..unused255 (not rootfs)");
    }

    private void checkDigest(int vmid, String param, Optional<String> expected) {
        if (expected.isEmpty()) return;
        String now;
        try {
            now = io.berth.config.ConfigDigest.of(Files.readAllBytes(configs.path(vmid))).hex();
        } catch (IOException e) {
            throw new CtException("cannot read the config of container " + vmid + ": " + e.getMessage(), e);
        }
        if (!expected.get().strip().equalsIgnoreCase(now))
            throw new io.berth.error.DigestMismatchException("the config of container " + vmid + " (" + param + ")",
                    expected.get(), now);
    }

    // ---- helpers ----

    ConfigFile update(int vmid, UnaryOperator<ConfigFile> change) {
        try (ConfigIo.Lock l = configs.lock(vmid, LOCK_WAIT)) {
            ConfigFile before = configs.read(vmid);
            ConfigFile after = change.apply(before);
            if (!after.equals(before)) configs.write(vmid, after);
            return after;
        }
    }

    static void checkUnlocked(int vmid, ContainerConfig c) {
        c.lock().ifPresent(l -> {
            throw new io.berth.error.LockedException("container " + vmid + " is locked (" + l + ")", l);
        });
    }
}
