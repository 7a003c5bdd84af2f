package io.berth.ct.lifecycle;

import io.berth.config.ConfigFile;
import io.berth.config.ContainerConfig;
import io.berth.ct.CtException;
import io.berth.error.StateException;
import io.berth.storage.Storages;
import io.berth.storage.VolumeId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** {@code pct destroy}: the volumes the container owns, its LXC dir, then its config. */
public final class DestroyService {
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

    private final CtContext ctx;

    public DestroyService(CtContext ctx) { this.ctx = ctx; }

    /**
     * {@code force} stops a running container first; {@code destroyUnreferenced} ({@code --destroy-unreferenced-disks})
     * also frees every volume owned by the id on any enabled storage that the config does not name (e.g. left by an
     * interrupted create). {@code purge} is accepted for pct compatibility; Berth keeps no other per-container state.
     */
    public void destroy(int vmid, boolean purge, boolean skiplock, boolean force, boolean destroyUnreferenced) {
        ctx.task("vzdestroy", vmid, t -> {
            ConfigIo configs = ctx.configs();
            try (ConfigIo.Lock l = configs.lock(vmid, CtContext.LOCK_WAIT)) {
                ConfigFile file = configs.read(vmid);
                ContainerConfig c = file.main();
                CtContext.checkLock(vmid, c, skiplock);
                if (c.protection()) throw new StateException("container " + vmid + " is protected (protection: 1); unset it before destroying");
                LxcRuntime rt = new LxcRuntime(ctx.paths(vmid));
                if (rt.isRunning()) {
                    if (!force) throw new StateException("container " + vmid + " is running; stop it first (or use --force)");
                    // pct prints this to the caller; the task log keeps it too
                    System.err.println("forced to stop CT " + vmid + " before destroying!");
                    t.log("forced to stop CT " + vmid + " before destroying!");
                    rt.stopAndWait(STOP_TIMEOUT);
                }
                Storages storages = ctx.storages();
                List<VolumeId> vols = new ArrayList<>(CtMounts.volumes(c));
                for (String volid : UnusedVolumes.referencedVolumes(file)) {
                    VolumeId.tryParse(volid).filter(v -> !vols.contains(v)).ifPresent(vols::add);
                }
                for (VolumeId v : vols) if (storages.storageOf(v).exists(v)) storages.freeIfOwner(v, vmid);
                if (destroyUnreferenced) {
                    for (var info : storages.listOwned(vmid)) {
                        if (storages.storageOf(info.volid()).exists(info.volid())) storages.freeIfOwner(info.volid(), vmid);
                    }
                }
                deleteTree(ctx.paths(vmid).dir());
                configs.delete(vmid);
            }
            return null;
        });
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) return;
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new CtException("cannot remove " + dir + ": " + e.getMessage(), e);
        }
    }
}
