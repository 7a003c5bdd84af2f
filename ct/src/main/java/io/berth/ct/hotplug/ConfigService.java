package io.berth.ct.hotplug;

import io.berth.config.ConfigChanges;
import io.berth.config.ConfigDigest;
import io.berth.config.ConfigFile;
import io.berth.config.ContainerConfig;
import io.berth.config.MountPoint;
import io.berth.config.VersionedConfig;
import io.berth.ct.CtException;
import io.berth.ct.hook.Hookscript;
import io.berth.ct.lifecycle.ConfigIo;
import io.berth.ct.lifecycle.CtContext;
import io.berth.ct.lifecycle.CtMounts;
import io.berth.ct.lifecycle.HostPathGuard;
import io.berth.ct.lifecycle.LxcRuntime;
import io.berth.ct.lifecycle.MacAddresses;
import io.berth.ct.lifecycle.NewVolumes;
import io.berth.ct.lifecycle.UnusedVolumes;
import io.berth.error.DigestMismatchException;
import io.berth.error.InvalidInputException;
import io.berth.storage.Storages;
import io.berth.storage.VolumeId;
import io.berth.sys.Reverter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A container's configuration: {@code pct config} reads, {@code pct set} (offline, or live on a running container
 * through this package's hotplug), {@code pct set --revert}, raw writes and {@code pct unlock}.
 */
public final class ConfigService {
    private final CtContext ctx;

    public ConfigService(CtContext ctx) { this.ctx = ctx; }

    public ConfigFile config(int vmid) { return ctx.configs().read(vmid); }

    /** Writes a container's config as it is (under its lock); for tools and tests that edit raw entries. */
    public void writeConfig(int vmid, ConfigFile f) {
        try (ConfigIo.Lock l = ctx.configs().lock(vmid, CtContext.LOCK_WAIT)) {
            ctx.configs().write(vmid, f);
        }
    }

    /**
     * {@code berth unlock}: removes the config's {@code lock:} value (as {@code pct unlock}), under the operation
     * lock so that it never races an operation that is still running and holds it.
     */
    public void unlock(int vmid) {
        try (var l = ctx.locks().lock(vmid, "berth unlock " + vmid, CtContext.LOCK_WAIT)) {
            ctx.repository().unlock(vmid);
        }
    }

    /**
     * Validates and applies config changes (like {@code pct set}), refused with {@link DigestMismatchException} when
     * {@code digest} is given and the config changed since the caller read it. New volumes ({@code STORAGE:SIZE_GB})
     * are allocated first. On a running container each key is applied live where it can be (limits, mount points,
     * NICs, devices) and kept pending otherwise; a key whose live change failed is rolled back and stays pending,
     * never written as applied. Returns the live result, or empty for a stopped container (all applied).
     */
    public Optional<LiveResult> set(int vmid, Map<String, String> set, List<String> delete, boolean skiplock, Optional<ConfigDigest> digest) {
        if (set.isEmpty() && delete.isEmpty()) throw new InvalidInputException("", "nothing to change; give --KEY VALUE options or --delete KEYS");
        try (ConfigIo.Lock l = ctx.configs().lock(vmid, CtContext.LOCK_WAIT)) {
            VersionedConfig current = ctx.repository().read(vmid);
            if (digest.isPresent() && !digest.get().equals(current.digest()))
                throw new DigestMismatchException("the config of container " + vmid, digest.get().hex(), current.digest().hex());
            ConfigFile file = current.config();
            CtContext.checkLock(vmid, file.main(), skiplock);
            // validates everything (errors name file, key, value and what is allowed) before any side effect
            ConfigChanges.applyChanges(file, set, delete, false);
            for (var e : set.entrySet()) {
                if (MountPoint.isVolumeKey(e.getKey())) {
                    HostPathGuard.check(e.getKey(), MountPoint.parse(e.getKey(), e.getValue()).source(), ctx.roots());
                }
            }
            // checked when set, as Proxmox does (and again when it runs)
            if (set.containsKey(Hookscript.KEY)) Hookscript.check(set.get(Hookscript.KEY), ctx.storages());
            Map<String, String> values = new LinkedHashMap<>();
            set.forEach((k, v) -> values.put(k, ConfigChanges.normalize(k, v)));
            MacAddresses.fill(values);
            try (Reverter undo = new Reverter()) {
                allocateNewVolumes(vmid, file.main(), values, undo);
                LxcRuntime rt = new LxcRuntime(ctx.paths(vmid));
                OptionalInt pid = rt.initPid();
                Optional<LiveResult> out;
                if (pid.isEmpty()) {
                    writeKeepingVolumes(vmid, file, ConfigChanges.applyChanges(file, values, delete, false), undo);
                    out = Optional.empty();
                } else {
                    LiveResult r;
                    try (RunningContainer ct = RunningContainer.pin(String.valueOf(vmid), pid.getAsInt(), rt::initPid)) {
                        r = new LiveChanges(ctx.storages()).apply(vmid, file, values, delete, ct);
                    }
                    writeKeepingVolumes(vmid, file, r.applyTo(file), undo);
                    out = Optional.of(r);
                }
                return out;
            }
        }
    }

    /** {@code pct set --revert}: drops the pending values and pending deletions of {@code keys}; the applied config stays. */
    public void revert(int vmid, List<String> keys, boolean skiplock) {
        try (ConfigIo.Lock l = ctx.configs().lock(vmid, CtContext.LOCK_WAIT)) {
            ConfigFile f = ctx.configs().read(vmid);
            CtContext.checkLock(vmid, f.main(), skiplock);
            if (f.pending().isEmpty()) return;
            ContainerConfig p = f.pending().get();
            for (String k : keys) p = k.equals("description") ? p.withDescription(Optional.empty()) : p.without(k);
            p = p.withDeletes(p.deletes().stream().filter(d -> !keys.contains(d)).toList());
            ctx.configs().write(vmid, f.withPending(p.isEmpty() ? Optional.empty() : Optional.of(p)));
        }
    }

    /**
     * Writes {@code after}: a volume it drops from a mount point becomes unusedN, and a deleted unusedN's volume is
     * freed once the config no longer names it (Proxmox; issue 10.8). Freeing comes after the write: a failure leaves
     * an orphan that rescan finds, never a config naming a freed volume. Once written, the new volumes belong to
     * the config: {@code undo} no longer frees them.
     */
    private void writeKeepingVolumes(int vmid, ConfigFile before, ConfigFile after, Reverter undo) {
        ConfigFile next = UnusedVolumes.recordDropped(before, after);
        ctx.configs().write(vmid, next);
        undo.commit();
        Storages storages = ctx.storages();
        List<String> failed = new ArrayList<>();
        for (String volid : UnusedVolumes.released(before, next)) {
            try {
                VolumeId v = storages.parseVolumeId(volid);
                if (storages.storageOf(v).exists(v)) storages.freeIfOwner(v, vmid);
            } catch (RuntimeException e) {
                failed.add(volid + ": " + e.getMessage());
            }
        }
        if (!failed.isEmpty()) throw new CtException("removed from the config of " + vmid + " but not freed (berth rescan finds them): "
                + String.join("; ", failed));
    }

    /** Replaces {@code STORAGE:SIZE} mount point values in {@code values} by freshly allocated volumes. */
    private void allocateNewVolumes(int vmid, ContainerConfig current, Map<String, String> values, Reverter undo) {
        ContainerConfig after = current, onlyVolumes = ContainerConfig.empty();
        for (var e : values.entrySet()) {
            if (!MountPoint.isVolumeKey(e.getKey())) continue;
            after = after.with(e.getKey(), e.getValue());
            onlyVolumes = onlyVolumes.with(e.getKey(), e.getValue());
        }
        // new volumes belong to the container's root as it will be with these changes
        ContainerConfig done = NewVolumes.allocate(ctx.storages(), vmid, onlyVolumes, CtMounts.idMap(after), undo, new ArrayList<>(), c -> {});
        for (String k : List.copyOf(values.keySet())) done.get(k).ifPresent(v -> values.put(k, v));
    }
}
