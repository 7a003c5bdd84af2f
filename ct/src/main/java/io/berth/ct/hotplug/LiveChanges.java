package io.berth.ct.hotplug;

import io.berth.sys.Reverter;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

import io.berth.config.ApplyMode;
import io.berth.config.ConfigFile;
import io.berth.config.ConfigKey;
import io.berth.config.ContainerConfig;
import io.berth.config.DevConfig;
import io.berth.config.MountPoint;
import io.berth.config.NetConfig;
import io.berth.config.Schema;
import io.berth.idmap.IdMap;
import io.berth.idmap.MountIdMap;
import io.berth.mount.MountRequest;
import io.berth.mount.MountSource;
import io.berth.storage.Storages;
import io.berth.storage.VolumeId;
import io.berth.storage.VolumePath;

/**
 * {@code berth set} on a running container: decides per key whether it is applied live or kept pending,
 * applies the live ones and reports both. A key whose live change fails is rolled back (its steps undone
 * in reverse) and reported pending with the error as its reason, never as applied. Keys are independent:
 * one failing key does not undo another that succeeded.
 *
 * <p>Live: memory, swap, cpulimit, cpuunits, cores (cgroup files), mpN add/remove/change, netN
 * add/remove/change, devN on cgroup v1, hostname/nameserver/searchdomain (files inside the container and the
 * kernel host name, {@link GuestHotplug}), and metadata keys. Pending: everything the schema marks
 * restart-only, new volumes ({@code STORAGE:SIZE}), device mount points and devN on cgroup v2.
 */
public final class LiveChanges {
    private static final Set<String> LIMITS = Set.of("memory", "swap", "cpulimit", "cpuunits", "cores");
    private static final Set<String> GUEST = Set.of("hostname", "nameserver", "searchdomain");

    private final Storages storages;

    public LiveChanges(Storages storages) {
        this.storages = storages;
    }

    /**
     * Applies {@code set} and {@code delete} to the running container {@code ct} whose current config is
     * {@code file}. The returned result is what the caller writes through ConfigStore.update
     * ({@link LiveResult#applyTo}).
     */
    public LiveResult apply(int vmid, ConfigFile file, Map<String, String> set, List<String> delete, RunningContainer ct) {
        ContainerConfig cur = file.main();
        LiveResult.Builder out = new LiveResult.Builder();
        Set<String> keys = new LinkedHashSet<>(delete);
        keys.addAll(set.keySet());
        boolean limitsDone = false;
        boolean guestChanged = false;
        for (String key : keys) {
            Optional<String> value = Optional.ofNullable(set.get(key));
            Optional<ConfigKey> decl = Schema.lookup(key);
            if (decl.isEmpty()) {
                out.pending(key, value, "unknown key");
                continue;
            }
            if (decl.get().apply() == ApplyMode.METADATA) {
                out.applied(key, value);
                continue;
            }
            if (decl.get().apply() == ApplyMode.RESTART) {
                out.pending(key, value, "takes effect at the next start");
                continue;
            }
            if (value.equals(cur.get(key))) {
                out.applied(key, value);
                continue;
            }
            if (LIMITS.contains(key)) {
                if (!limitsDone) {
                    limitsDone = true;
                    applyLimits(cur, set, delete, ct, out);
                }
                continue;
            }
            if (GUEST.contains(key)) {
                guestChanged = true; // applied last, see below
                continue;
            }
            Reverter undo = new Reverter();
            try {
                Optional<String> reason = applyOne(vmid, cur, key, cur.get(key), value, ct, undo, out.warnings);
                if (reason.isPresent()) {
                    out.pending(key, value, reason.get());
                } else {
                    undo.commit();
                    out.applied(key, value);
                }
            } catch (RuntimeException e) {
                rollback(undo, e);
                StringBuilder why = new StringBuilder(LiveResult.FAILED_PREFIX + e.getMessage());
                for (Throwable s : e.getSuppressed()) why.append("; ").append(s.getMessage());
                out.pending(key, value, why.toString());
            }
        }
        // The host name line in /etc/hosts names the first static address: written after the live netN changes, on
        // top of the ones that were applied, so a hostname and an address changed together agree in the guest.
        if (guestChanged) {
            ContainerConfig base = cur;
            for (var e : out.appliedSet.entrySet()) {
                if (e.getKey().startsWith("net")) base = base.with(e.getKey(), e.getValue());
            }
            for (String k : out.appliedDelete) {
                if (k.startsWith("net")) base = base.without(k);
            }
            applyGuest(vmid, base, set, delete, ct, out);
        }
        return out.build();
    }

    /** The limits as one unit: memory and swap share a kernel constraint, and all come from one cgroup lookup. */
    private void applyLimits(ContainerConfig cur, Map<String, String> set, List<String> delete, RunningContainer ct,
                             LiveResult.Builder out) {
        List<String> changed = new ArrayList<>();
        for (String k : List.of("memory", "swap", "cpulimit", "cpuunits", "cores")) {
            if (set.containsKey(k) || delete.contains(k)) changed.add(k);
        }
        Reverter undo = new Reverter();
        try {
            ContainerCgroup cg = ContainerCgroup.locate(ct.name(), ct.initPid());
            if (changed.contains("memory") || changed.contains("swap")) {
                CgroupLimits.setMemory(cg, effective(cur, set, delete, "memory"), effective(cur, set, delete, "swap"), undo);
            }
            if (changed.contains("cpulimit")) {
                String v = after(cur, set, delete, "cpulimit").orElse("0");
                CgroupLimits.setCpuLimit(cg, Double.parseDouble(v), undo);
            }
            if (changed.contains("cpuunits")) {
                Optional<String> v = after(cur, set, delete, "cpuunits");
                CgroupLimits.setCpuUnits(cg, v.isPresent() ? OptionalLong.of(Long.parseLong(v.get())) : OptionalLong.empty(), undo);
            }
            if (changed.contains("cores")) {
                CgroupLimits.setCores(cg, Integer.parseInt(after(cur, set, delete, "cores").orElse("0")), undo);
            }
            ct.checkAlive();
            undo.commit();
            for (String k : changed) out.applied(k, Optional.ofNullable(set.get(k)));
        } catch (RuntimeException e) {
            rollback(undo, e);
            for (String k : changed) out.pending(k, Optional.ofNullable(set.get(k)), LiveResult.FAILED_PREFIX + e.getMessage());
        }
    }

    /** hostname and DNS as one unit: /etc/hosts depends on both the host name and the search domain. */
    private static void applyGuest(int vmid, ContainerConfig cur, Map<String, String> set, List<String> delete, RunningContainer ct,
                                   LiveResult.Builder out) {
        List<String> changed = new ArrayList<>();
        ContainerConfig after = cur;
        for (String k : List.of("hostname", "nameserver", "searchdomain")) {
            if (!set.containsKey(k) && !delete.contains(k)) continue;
            changed.add(k);
            after = set.containsKey(k) ? after.with(k, set.get(k)) : after.without(k);
        }
        Reverter undo = new Reverter();
        try {
            GuestHotplug.apply(vmid, cur, after, ct, undo, out.warnings);
            undo.commit();
            for (String k : changed) out.applied(k, Optional.ofNullable(set.get(k)));
        } catch (RuntimeException e) {
            rollback(undo, e);
            StringBuilder why = new StringBuilder(LiveResult.FAILED_PREFIX + e.getMessage());
            for (Throwable s : e.getSuppressed()) why.append("; ").append(s.getMessage());
            for (String k : changed) out.pending(k, Optional.ofNullable(set.get(k)), why.toString());
        }
    }

    private static Optional<String> after(ContainerConfig cur, Map<String, String> set, List<String> delete, String key) {
        if (set.containsKey(key)) return Optional.of(set.get(key));
        if (delete.contains(key)) return Optional.empty();
        return cur.get(key);
    }

    /** The value after the change, the schema default when unset. */
    private static long effective(ContainerConfig cur, Map<String, String> set, List<String> delete, String key) {
        Optional<String> v = after(cur, set, delete, key);
        String s = v.or(() -> Schema.lookup(key).flatMap(ConfigKey::defaultValue)).orElse("0");
        return Long.parseLong(s);
    }

    /** Applies one hotpluggable key; returns a reason when it has to stay pending without having tried. */
    private Optional<String> applyOne(int vmid, ContainerConfig cur, String key, Optional<String> old, Optional<String> nu,
                                      RunningContainer ct, Reverter undo, List<String> warnings) {
        if (key.startsWith("mp")) return mountPoint(vmid, cur, key, old, nu, ct, undo, warnings);
        if (key.startsWith("net")) {
            int idx = Integer.parseInt(key.substring(3));
            Optional<Nic> o = old.map(NetConfig::parse).map(Nic::of);
            Optional<NetConfig> n = nu.map(NetConfig::parse);
            if (n.flatMap(NetConfig::type).filter(t -> !t.equals("veth")).isPresent()) {
                return Optional.of("only veth interfaces can be hotplugged");
            }
            long pid = ct.initPid();
            if (o.isPresent() && n.isPresent()) NetHotplug.change(vmid, idx, o.get(), Nic.of(n.get()), pid, undo, warnings);
            else if (n.isPresent()) NetHotplug.add(vmid, idx, Nic.of(n.get()), pid, undo, warnings);
            else if (o.isPresent()) NetHotplug.remove(vmid, idx, o.get(), pid, undo, warnings);
            GuestHotplug.network(vmid, cur, nu.map(v -> cur.with(key, v)).orElseGet(() -> cur.without(key)), ct, undo, warnings);
            ct.checkAlive();
            return Optional.empty();
        }
        if (key.startsWith("dev")) {
            ContainerCgroup cg = ContainerCgroup.locate(ct.name(), ct.initPid());
            if (!cg.isV1("devices")) {
                return Optional.of("the container's device access is a BPF program on cgroup v2 that cannot be changed "
                        + "from outside; it is regenerated at the next start");
            }
            IdMap ids = cur.idmap();
            if (old.isPresent()) {
                DevConfig od = DevConfig.parse(old.get());
                DeviceHotplug.remove(key, ct, cg, od, undo, () -> DeviceHotplug.add(key, ct, cg, od, ids, new Reverter()));
            }
            if (nu.isPresent()) DeviceHotplug.add(key, ct, cg, DevConfig.parse(nu.get()), ids, undo);
            ct.checkAlive();
            return Optional.empty();
        }
        return Optional.of("no live handler for this key");
    }

    private Optional<String> mountPoint(int vmid, ContainerConfig cur, String key, Optional<String> old, Optional<String> nu,
                                        RunningContainer ct, Reverter undo, List<String> warnings) {
        Optional<MountPoint> o = old.map(v -> MountPoint.parse(key, v));
        Optional<MountPoint> n = nu.map(v -> MountPoint.parse(key, v));
        if (n.isPresent()) {
            Optional<String> why = unsupported(n.get());
            if (why.isPresent()) return why;
        }
        if (o.isPresent() && unsupported(o.get()).isPresent()) return Optional.of("the old mount point cannot be unplugged live: "
                + unsupported(o.get()).get());
        if (o.isPresent()) {
            MountPoint om = o.get();
            MountRequest req = request(cur, om);
            MountHotplug.Unplugged u = MountHotplug.unplug(ct, key, om.target(), req.source(), warnings::add);
            undo.push("mount " + key + " again", () -> MountHotplug.plug(ct, request(cur, om), new Reverter(), warnings::add));
            if (u.released() && om.source() instanceof io.berth.config.MountSource.Volume v) {
                VolumeId id = storages.parseVolumeId(v.volid());
                storages.storageOf(id).deactivate(id);
            }
        }
        if (n.isPresent()) {
            MountPoint nm = n.get();
            if (nm.source() instanceof io.berth.config.MountSource.Volume v) {
                VolumeId id = storages.parseVolumeId(v.volid());
                storages.storageOf(id).activate(id);
            }
            MountHotplug.plug(ct, request(cur, nm), undo, warnings::add);
        }
        ct.checkAlive();
        return Optional.empty();
    }

    private static Optional<String> unsupported(MountPoint mp) {
        return switch (mp.source()) {
            case io.berth.config.MountSource.NewVolume nv -> Optional.of("the new volume " + nv.format() + " must be allocated first");
            case io.berth.config.MountSource.Device d -> Optional.of("device mount points are mounted at the next start");
            case io.berth.config.MountSource.Volume v -> Optional.empty();
            case io.berth.config.MountSource.Bind b -> Optional.empty();
        };
    }

    /** The mount engine request for a mount point, as the start hook builds it: idmap, owner, options. */
    MountRequest request(ContainerConfig cur, MountPoint mp) {
        MountSource src = switch (mp.source()) {
            case io.berth.config.MountSource.Bind b -> new MountSource.HostDirectory(b.hostPath());
            case io.berth.config.MountSource.Volume v -> switch (storages.path(storages.parseVolumeId(v.volid()))) {
                case VolumePath.ImageFile f -> new MountSource.ImageFile(f.path(), "ext4");
                case VolumePath.BlockDevice d -> new MountSource.BlockDevice(d.path(), "ext4");
                case VolumePath.Directory d -> new MountSource.HostDirectory(d.path());
            };
            case io.berth.config.MountSource.NewVolume nv -> throw new HotplugException(mp.key() + ": volume not allocated");
            case io.berth.config.MountSource.Device d -> throw new HotplugException(mp.key() + ": device mount points need a restart");
        };
        IdMap ids = cur.idmap();
        MountRequest r = MountRequest.of(mp.key(), src, mp.target())
                .withReadOnly(mp.ro())
                .withOptions(MountRequest.parseOptions(mp.key(), mp.mountOptions()))
                .withAcl(mp.acl())
                .withQuota(mp.quota())
                .withOwner((int) ids.rootUid(), (int) ids.rootGid());
        if (mp.idmap().isPresent()) r = r.withIdmap(MountIdMap.diskToHost(mp.idmap().get(), ids));
        return r;
    }

    /** Undoes a failed live change's steps (newest first); an undo that failed rides along on {@code cause}. */
    private static void rollback(Reverter undo, RuntimeException cause) {
        try {
            undo.revert();
        } catch (RuntimeException incomplete) {
            cause.addSuppressed(incomplete);
        }
    }
}
