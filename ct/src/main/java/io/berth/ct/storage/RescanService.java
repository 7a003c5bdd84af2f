package io.berth.ct.storage;

import io.berth.config.ConfigFile;
import io.berth.config.ContainerConfig;
import io.berth.config.MountPoint;
import io.berth.config.MountSource;
import io.berth.ct.CtException;
import io.berth.storage.Rescan;
import io.berth.storage.VolumeInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/**
 * {@code berth rescan [vmid] [--dryrun]} (pct rescan): records each volume mount point's real size in its
 * {@code size=} and adds volumes a container owns but does not reference as {@code unusedN}. The decision is
 * {@link #plan} over the config and the scanned volumes; the write is a locked {@code ConfigStore.update}.
 */
public final class RescanService {
    /** Highest {@code unusedN} index the schema allows. */
    static final int MAX_UNUSED = 255;

    private final StorageContext ctx;

    public RescanService(StorageContext ctx) { this.ctx = ctx; }

    /** {@code key}'s {@code size=} changes from {@code from} (empty: none recorded) to {@code to} bytes. */
    public record SizeChange(String key, String volid, OptionalLong from, long to) {}

    /** Volume {@code volid} was added as {@code key}. */
    public record UnusedAdded(String key, String volid) {}

    /** What a rescan changes in one config. */
    public record Plan(List<SizeChange> sizes, List<UnusedAdded> added) {
        public Plan {
            sizes = List.copyOf(sizes);
            added = List.copyOf(added);
        }

        public boolean isEmpty() { return sizes.isEmpty() && added.isEmpty(); }
    }

    /** The outcome for one container: its plan (written unless dry run) or why it was not rescanned. */
    public record Result(int vmid, Plan plan, boolean written, Optional<String> error) {}

    /**
     * Rescans one container, or all when {@code vmid} is empty. For a single container a failure is thrown; for
     * all, each container's failure is reported in its result and the others are still rescanned.
     */
    public List<Result> rescan(OptionalInt vmid, boolean dryRun) {
        if (vmid.isPresent()) return List.of(rescanOne(vmid.getAsInt(), dryRun));
        List<Result> out = new ArrayList<>();
        for (int id : ctx.configs().list()) {
            try {
                out.add(rescanOne(id, dryRun));
            } catch (RuntimeException e) {
                out.add(new Result(id, new Plan(List.of(), List.of()), false, Optional.of(String.valueOf(e.getMessage()))));
            }
        }
        return out;
    }

    /** A volume owned by an id that has no config (e.g. a create killed before Berth wrote its config). */
    public record Orphan(String volid, int vmid) {}

    /** Volumes on the enabled container storages whose owner id has no config: rescan cannot adopt them (issue 10.9). */
    public List<Orphan> orphans() {
        java.util.Set<Integer> known = new java.util.HashSet<>(ctx.configs().list());
        List<Orphan> out = new ArrayList<>();
        for (var s : ctx.storages().all()) {
            var d = s.def();
            if (d.disable() || !(d.has(io.berth.storage.ContentType.ROOTDIR) || d.has(io.berth.storage.ContentType.IMAGES))) continue;
            for (VolumeInfo v : s.list(OptionalInt.empty())) {
                if (!known.contains(v.vmid())) out.add(new Orphan(v.volid().toString(), v.vmid()));
            }
        }
        return out;
    }

    public Result rescanOne(int vmid, boolean dryRun) {
        if (dryRun) {
            ConfigFile f = ctx.configs().load(vmid);
            return new Result(vmid, plan(vmid, f, ctx.storages().listOwned(vmid)), false, Optional.empty());
        }
        Plan[] planned = new Plan[1];
        ctx.configs().update(vmid, f -> {
            // scanned under the lock so a volume allocated and referenced meanwhile is not taken as unused
            planned[0] = plan(vmid, f, ctx.storages().listOwned(vmid));
            return apply(f, planned[0]);
        });
        return new Result(vmid, planned[0], !planned[0].isEmpty(), Optional.empty());
    }

    /**
     * Pure: the changes for {@code f} given the volumes found on the storages. Refuses a locked container, as
     * Proxmox's check_lock does.
     */
    public static Plan plan(int vmid, ConfigFile f, List<VolumeInfo> volumes) {
        ContainerConfig main = f.main();
        main.lock().ifPresent(l -> {
            throw new io.berth.error.LockedException("container " + vmid + " is locked (lock=" + l + "); not rescanning it", l);
        });
        Set<String> referenced = new HashSet<>();
        for (VolumeRef r : VolumeRef.in(vmid, f)) referenced.add(r.volid());
        Map<String, Long> configSizes = new HashMap<>();
        List<MountPoint> mounts = main.allMountPoints();
        for (MountPoint mp : mounts)
            if (mp.source() instanceof MountSource.Volume v) configSizes.put(v.volid(), mp.sizeBytes().orElse(-1));
        Rescan.Report report = Rescan.compute(vmid, volumes, referenced, configSizes);

        // per key, not per volid: two mount points could name one volume with different recorded sizes
        List<SizeChange> sizes = new ArrayList<>();
        for (MountPoint mp : mounts) {
            if (!(mp.source() instanceof MountSource.Volume v)) continue;
            Long actual = report.sizes().get(v.volid());
            if (actual == null) continue; // not found on any storage: leave the config as it is
            if (mp.sizeBytes().orElse(0) != actual) sizes.add(new SizeChange(mp.key(), v.volid(), mp.sizeBytes(), actual));
        }

        List<UnusedAdded> added = new ArrayList<>();
        Set<Integer> taken = new HashSet<>(main.unused().keySet());
        int next = 0;
        for (String volid : report.unreferenced()) {
            while (taken.contains(next)) next++;
            if (next > MAX_UNUSED)
                throw new CtException("container " + vmid + ": cannot add '" + volid + "' as unused volume: unused0.."
                        + "unused" + MAX_UNUSED + " are all taken");
            taken.add(next);
            added.add(new UnusedAdded("unused" + next, volid));
        }
        return new Plan(sizes, added);
    }

    /** Pure: {@code f} with the plan's sizes and unused entries in its current section. */
    public static ConfigFile apply(ConfigFile f, Plan plan) {
        ContainerConfig main = f.main();
        for (SizeChange s : plan.sizes()) {
            MountPoint mp = main.mountPoint(s.key()).orElseThrow();
            main = main.with(s.key(), mp.withSize(OptionalLong.of(s.to())).format());
        }
        for (UnusedAdded u : plan.added()) main = main.with(u.key(), u.volid());
        return f.withMain(main);
    }
}
