package io.berth.api;

import io.berth.access.Permissions;
import io.berth.config.ConfigFile;
import io.berth.config.MountPoint;
import io.berth.config.MountSource;
import io.berth.config.Schema;
import io.berth.ct.clone.CloneService;
import io.berth.ct.storage.ResizeService;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * {@code template}, {@code clone}, {@code resize} and {@code move_volume} of {@code /nodes/{node}/lxc/{vmid}}: each a
 * task (types {@code vztemplate}, {@code vzclone}, {@code resize}, {@code move_volume}, as Proxmox names them) around
 * ct's services. The schema's check ran before; what Proxmox checks inside the handler (space on every storage a
 * volume lands on, the pool, per-key config rights) is checked here, before the task starts.
 */
final class LxcDiskEndpoints {
    private static final String BASE = "/nodes/{node}/lxc/{vmid}";

    private final Api api;

    LxcDiskEndpoints(Api api) { this.api = api; }

    void register(ApiService s) {
        s.on("POST", BASE + "/template", this::template);
        s.on("POST", BASE + "/clone", this::cloneCt);
        s.on("PUT", BASE + "/resize", this::resize);
        s.on("POST", BASE + "/move_volume", this::moveVolume);
    }

    private ConfigFile config(Call c) {
        Api.checkNode(c);
        return api.ct().config(c.vmid());
    }

    private Object template(Call c) {
        config(c);
        int vmid = c.vmid();
        return api.tasks().start("vztemplate", String.valueOf(vmid), c.who().authid(), log -> {
            for (String v : new CloneService(api.ct()).template(vmid)) log.line("base volume " + v);
            log.line("container " + vmid + " is a template");
        });
    }

    private Object cloneCt(Call c) {
        ConfigFile f = config(c);
        int vmid = c.vmid(), newid = c.integer("newid");
        Permissions p = api.service().permissions();
        String who = c.who().authid();
        c.opt("target").filter(t -> !t.equals(Node.name()) && !t.equals("localhost")).ifPresent(t -> {
            throw ApiException.param("target", "cloning to another node ('" + t + "') needs shared storage, which Berth does not have");
        });
        Optional<String> pool = c.opt("pool");
        if (pool.isPresent() && !api.store().read().pools.containsKey(pool.get())) throw ApiException.param("pool", "pool '" + pool.get() + "' does not exist");
        Optional<Boolean> full = c.opt("full").map("1"::equals);
        boolean linked = full.isPresent() ? !full.get() : f.main().template();
        if (linked && c.opt("storage").isPresent()) throw ApiException.param("storage", "parameter 'storage' not allowed for linked clones");
        var source = c.opt("snapname").map(s -> {
            var snap = f.snapshots().get(s);
            if (snap == null) throw ApiException.param("snapname", "snapshot '" + s + "' does not exist");
            return snap;
        }).orElse(f.main());
        // Datastore.AllocateSpace on every storage a copied or linked volume lands on, as Proxmox checks
        Set<String> storages = new LinkedHashSet<>();
        for (MountPoint mp : source.allMountPoints()) {
            if (mp.source() instanceof MountSource.Volume v) storages.add(c.opt("storage").orElse(v.storage()));
        }
        for (String st : storages) {
            if (!p.has(who, "/storage/" + st, "Datastore.AllocateSpace")) throw new ApiException(403, "Permission check failed (/storage/" + st + ", Datastore.AllocateSpace)");
        }
        if (api.ct().vmids().contains(newid)) throw new ApiException(500, "CT " + newid + " already exists on node '" + Node.name() + "'");
        var req = new CloneService.CloneRequest(vmid, newid, full, c.opt("snapname"), c.opt("storage"), c.opt("hostname"), c.opt("description"));
        return api.tasks().start("vzclone", String.valueOf(vmid), who, log -> {
            var r = new CloneService(api.ct()).clone(req, (done, total) -> {});
            for (String w : r.warnings()) log.line("WARN: " + w);
            log.line((r.full() ? "full" : "linked") + " clone " + vmid + " -> " + newid + ": " + String.join(", ", r.volumes()));
            pool.ifPresent(pl -> LxcEndpoints.addToPool(api, pl, newid));
        });
    }

    private Object resize(Call c) {
        ConfigFile f = config(c);
        int vmid = c.vmid();
        String disk = c.str("disk");
        checkDigest(c);
        MountPoint mp = f.main().mountPoint(disk).orElseThrow(() -> ApiException.param("disk", "container " + vmid + " has no disk '" + disk + "'"));
        if (mp.source() instanceof MountSource.Volume v && !api.service().permissions().has(c.who().authid(), "/storage/" + v.storage(), "Datastore.AllocateSpace")) {
            throw new ApiException(403, "Permission check failed (/storage/" + v.storage() + ", Datastore.AllocateSpace)");
        }
        String size = c.str("size");
        return api.tasks().start("resize", String.valueOf(vmid), c.who().authid(), log -> {
            ResizeService.Result r = new ResizeService(api.storageContext()).resize(vmid, disk, size);
            log.line(r.changed() ? "resized " + disk + " (" + r.volid() + ") from " + r.oldSize() + " to " + r.newSize() + " bytes" + (r.online() ? " online" : "")
                    : disk + " (" + r.volid() + ") has " + r.newSize() + " bytes already");
        });
    }

    private Object moveVolume(Call c) {
        ConfigFile f = config(c);
        int vmid = c.vmid();
        String volume = c.str("volume");
        if (c.opt("target-vmid").isPresent()) {
            if (c.opt("storage").isPresent()) {
                String msg = "either set 'storage' or 'target-vmid', but not both";
                throw new ApiException(400, "Parameter verification failed.", java.util.Map.of("target-vmid", msg, "storage", msg));
            }
            return reassign(c, f);
        }
        String storage = c.opt("storage").orElseThrow(() -> ApiException.param("storage", "you have to set 'storage' (moving to another container is not supported)"));
        checkDigest(c);
        if (!MountPoint.isVolumeKey(volume)) throw ApiException.param("volume", "only rootfs and mpN volumes can be moved, not '" + volume + "'");
        if (!api.service().permissions().has(c.who().authid(), "/storage/" + storage, "Datastore.AllocateSpace")) {
            throw new ApiException(403, "Permission check failed (/storage/" + storage + ", Datastore.AllocateSpace)");
        }
        boolean delete = c.flag("delete");
        return api.tasks().start("move_volume", String.valueOf(vmid), c.who().authid(), log -> {
            var r = new CloneService(api.ct()).moveVolume(vmid, volume, storage, delete, (done, total) -> {});
            for (String w : r.warnings()) log.line("WARN: " + w);
            log.line("moved " + volume + " from " + r.oldVolid() + " to " + r.newVolid()
                    + (r.removed() ? " (source removed)" : r.unusedKey().map(u -> " (source kept as " + u + ")").orElse("")));
        });
    }

    /**
     * {@code target-vmid}: the volume goes to another container. The rename and the two config writes are quick, so
     * they run in the request (refusals answer 400/404/409 as Proxmox's pre-fork checks do) and the task records it.
     */
    private Object reassign(Call c, ConfigFile f) {
        int vmid = c.vmid(), target = c.integer("target-vmid");
        String volume = c.str("volume");
        String who = c.who().authid();
        Permissions p = api.service().permissions();
        if (!p.has(who, "/vms/" + target, "VM.Config.Disk"))
            throw new ApiException(403, "Permission check failed (/vms/" + target + ", VM.Config.Disk)");
        Optional<String> store = f.main().get(volume).flatMap(v -> !Schema.inFamily("mp", volume)
                ? Optional.of(v.substring(0, Math.max(0, v.indexOf(':'))))
                : MountPoint.parse(volume, v).source() instanceof MountSource.Volume mv ? Optional.of(mv.storage()) : Optional.empty());
        store.filter(st -> !p.has(who, "/storage/" + st, "Datastore.AllocateSpace")).ifPresent(st -> {
            throw new ApiException(403, "Permission check failed (/storage/" + st + ", Datastore.AllocateSpace)");
        });
        var r = new CloneService(api.ct()).reassignVolume(vmid, volume, target, c.opt("target-volume"), c.opt("digest"),
                c.opt("target-digest"));
        return api.tasks().start("move_volume", vmid + "-" + r.key() + ">" + target + "-" + r.targetKey(), who, log -> {
            log.line("moved volume '" + r.key() + "' (" + r.oldVolid() + ") from container " + vmid + " to container "
                    + target + " as '" + r.targetKey() + "' (" + r.newVolid() + ")");
        });
    }

    private void checkDigest(Call c) {
        if (c.opt("digest").isEmpty()) return;
        String now = LxcEndpoints.digest(api, c.vmid());
        if (!c.str("digest").equalsIgnoreCase(now)) {
            throw new io.berth.error.DigestMismatchException("config of " + c.vmid() + " (file changed by other user? Try again.)", c.str("digest"), now);
        }
    }
}
