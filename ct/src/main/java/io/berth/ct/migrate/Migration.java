package io.berth.ct.migrate;

import io.berth.config.ConfigFile;
import io.berth.config.ConfigLock;
import io.berth.config.ConfigRepository;
import io.berth.config.ContainerConfig;
import io.berth.config.Locks;
import io.berth.config.MountPoint;
import io.berth.config.MountSource;
import io.berth.config.VersionedConfig;
import io.berth.ct.Progress;
import io.berth.error.InvalidInputException;
import io.berth.error.StateException;
import io.berth.error.UnsupportedException;
import io.berth.storage.Storage;
import io.berth.storage.Storages;
import io.berth.storage.VolumeId;
import io.berth.sys.Reverter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Offline and restart migration of a container from this node to another, as Proxmox's PVE::LXC::Migrate does it:
 * <ol>
 * <li>checks: not locked, stopped (or {@code restart}), no local bind/device mount points, every volume owned by the
 *     container, the target's storages usable, no snapshots on volumes that must be copied;</li>
 * <li>{@code lock: migrate} in the config; a running container (restart mode) is stopped;</li>
 * <li>each volume on local storage is streamed to the target ({@link VolumeStream}; volumes on shared storage stay);</li>
 * <li>the config, its volumes renamed to the copies and without the lock, moves to the target in one atomic step
 *     ({@link ConfigMove});</li>
 * <li>only then the source volumes are freed, and in restart mode the container starts on the target.</li>
 * </ol>
 * Any failure before the config moved undoes everything in reverse ({@link Reverter}): the copies on the target are
 * freed, the container is started again on the source if it ran, the lock is cleared; the source stays whole.
 */
public final class Migration {
    /** What migration needs of the source node's container lifecycle (skipping the {@code lock: migrate}). */
    public interface SourceLifecycle {
        boolean running(int vmid);

        void stop(int vmid);

        void start(int vmid);
    }

    private static final Duration LOCK_WAIT = Duration.ofSeconds(30);

    private final String node;
    private final ConfigRepository repository;
    private final Locks locks;
    private final Storages storages;
    private final SourceLifecycle lifecycle;
    private final ConfigMove move;

    public Migration(String node, ConfigRepository repository, Locks locks, Storages storages, SourceLifecycle lifecycle,
                     ConfigMove move) {
        this.node = node;
        this.repository = repository;
        this.locks = locks;
        this.storages = storages;
        this.lifecycle = lifecycle;
        this.move = move;
    }

    /** One volume and what happens to it. */
    record Plan(String key, VolumeId volid, boolean shared, String targetStorage, String targetType) {}

    public record Result(int vmid, String target, Map<String, String> volumes, boolean started, List<String> warnings,
                         long durationMillis) {}

    /**
     * Migrates; {@code progress} gives the progress sink of each copied volume (by its label), {@code log} gets
     * Proxmox-style task lines.
     */
    public Result migrate(MigrateRequest req, MigrationPeer peer, Consumer<String> log, Function<String, Progress> progress) {
        long t0 = System.nanoTime();
        int vmid = req.vmid();
        if (req.target().equals(node))
            throw new InvalidInputException("target", "target node '" + req.target() + "' is the node the container is on");
        if (!peer.node().equals(req.target())) throw new IllegalArgumentException("peer " + peer.node() + " for target " + req.target());
        boolean running;
        Map<String, String> moved = new LinkedHashMap<>();
        List<String> warnings = new ArrayList<>();
        // the lock is cluster-wide: it is released before the target starts the container (which takes it there)
        try (Locks.Held held = locks.lock(vmid, "berth migrate " + vmid + " " + req.target(), LOCK_WAIT)) {
            VersionedConfig cur = repository.read(vmid);
            ConfigRepository.checkUnlocked(vmid, cur.config());
            running = lifecycle.running(vmid);
            if (running && !req.restart())
                throw new StateException("container " + vmid + " is running: a running container can only be migrated with "
                        + "--restart (stopped here, started on '" + req.target() + "')");
            List<Plan> plans = plan(vmid, cur.config(), req, peer);
            log.accept("starting migration of CT " + vmid + " to node '" + req.target() + "'");
            try (Reverter undo = new Reverter()) {
                repository.setLock(vmid, ConfigLock.MIGRATE);
                undo.push("clear lock 'migrate' of container " + vmid, () -> repository.clearLock(vmid, ConfigLock.MIGRATE));
                if (running) {
                    log.accept("shutdown CT " + vmid);
                    lifecycle.stop(vmid);
                    undo.push("start container " + vmid + " again on " + node, () -> lifecycle.start(vmid));
                }
                Map<String, VolumeId> copies = new LinkedHashMap<>();
                for (Plan p : plans) {
                    if (p.shared()) {
                        log.accept("volume '" + p.volid() + "' is on shared storage '" + p.volid().storage() + "': nothing to copy");
                        continue;
                    }
                    VolumeId copy = transfer(vmid, p, peer, req.bwlimitKiB(), log, progress.apply(p.key() + " " + p.volid()));
                    copies.put(p.key(), copy);
                    undo.push("free volume " + copy + " on node " + peer.node(), () -> peer.freeVolume(copy));
                }
                VersionedConfig locked = repository.read(vmid);
                ConfigFile next = retarget(locked.config(), copies);
                log.accept("moving CT " + vmid + " config to node '" + req.target() + "'");
                move.move(vmid, next, locked.digest(), req.target());
                undo.commit();
                copies.forEach((k, v) -> moved.put(k, v.toString()));
            }
            // the container lives on the target now: what is left on the source is only garbage
            for (Plan p : plans) {
                if (p.shared()) continue;
                try {
                    storages.free(p.volid());
                    log.accept("removed volume '" + p.volid() + "' on the source");
                } catch (RuntimeException e) {
                    warnings.add("could not free source volume '" + p.volid() + "': " + e.getMessage());
                    log.accept("WARN: could not free source volume '" + p.volid() + "': " + e.getMessage());
                }
            }
        }
        boolean started = false;
        if (running) {
            log.accept("start CT " + vmid + " on node '" + req.target() + "'");
            try {
                peer.start(vmid);
                started = true;
            } catch (RuntimeException e) {
                throw new MigrationException("container " + vmid + " was migrated to node '" + req.target()
                        + "' but failed to start there: " + e.getMessage(), e);
            }
        }
        long ms = Duration.ofNanos(System.nanoTime() - t0).toMillis();
        log.accept("migration finished successfully (duration " + ms / 1000 + "." + String.format("%03d", ms % 1000) + " s)");
        return new Result(vmid, req.target(), moved, started, warnings, ms);
    }

    private List<Plan> plan(int vmid, ConfigFile f, MigrateRequest req, MigrationPeer peer) {
        ContainerConfig c = f.main();
        if (f.pending().isPresent() && f.pending().get().keys().stream().anyMatch(MountPoint::isVolumeKey))
            throw new StateException("container " + vmid + " has pending mount point changes; apply (restart) or revert them "
                    + "before migrating");
        List<Plan> plans = new ArrayList<>();
        List<MountPoint> mps = new ArrayList<>(c.allMountPoints());
        for (MountPoint mp : mps) {
            switch (mp.source()) {
                case MountSource.Volume v -> plans.add(plan(vmid, mp.key(), storages.parseVolumeId(v.volid()), f, req, peer));
                case MountSource.Bind b -> {
                    if (!mp.shared()) throw new UnsupportedException("cannot migrate local bind mount point '" + mp.key()
                            + "' (" + b.hostPath() + "): mark it shared=1 if the path exists on every node, or remove it");
                }
                case MountSource.Device d -> {
                    if (!mp.shared()) throw new UnsupportedException("cannot migrate local device mount point '" + mp.key()
                            + "' (" + d.devicePath() + "): mark it shared=1 if the device exists on every node, or remove it");
                }
                case MountSource.NewVolume n -> throw new StateException("mount point '" + mp.key() + "' of container " + vmid
                        + " names a volume not allocated yet (" + n.format() + ")");
            }
        }
        for (Map.Entry<Integer, String> u : c.unused().entrySet())
            plans.add(plan(vmid, "unused" + u.getKey(), storages.parseVolumeId(u.getValue()), f, req, peer));
        return plans;
    }

    private Plan plan(int vmid, String key, VolumeId volid, ConfigFile f, MigrateRequest req, MigrationPeer peer) {
        if (volid.ownerVmid() != vmid)
            throw new UnsupportedException("cannot migrate " + key + " '" + volid + "': owned by another guest (owner = "
                    + volid.ownerVmid() + ")");
        Storage s = storages.storageOf(volid);
        if (s.def().disable()) throw new StateException("storage '" + s.id() + "' of " + key + " is disabled on node '" + node + "'");
        if (!s.exists(volid)) throw new StateException(key + " volume '" + volid + "' does not exist on node '" + node + "'");
        boolean shared = s.capabilities().shared();
        if (shared) {
            return new Plan(key, volid, true, s.id(), peer.checkStorage(s.id(), true));
        }
        if (!f.snapshots().isEmpty() || !s.snapshots(volid).isEmpty())
            throw new UnsupportedException("cannot migrate container " + vmid + ": " + key + " '" + volid
                    + "' has snapshots on local storage '" + s.id() + "' (non-migratable snapshot); delete them first");
        String target = req.targetStorage().orElse(s.id());
        String type = peer.checkStorage(target, false);
        StreamFormat.choose(s, volid, target, type); // refuses a pair that cannot be copied before anything changes
        return new Plan(key, volid, false, target, type);
    }

    /** Streams one volume to the target: the sender on a thread, the target's receiver reading the other end. */
    private VolumeId transfer(int vmid, Plan p, MigrationPeer peer, long bwlimitKiB, Consumer<String> log, Progress progress) {
        Storage src = storages.storageOf(p.volid());
        StreamFormat format = StreamFormat.choose(src, p.volid(), p.targetStorage(), p.targetType());
        VolumeMeta meta = VolumeStream.meta(src, p.volid(), format);
        log.accept("copying volume '" + p.volid() + "' (" + p.key() + ") to storage '" + p.targetStorage() + "' on node '"
                + peer.node() + "' as a " + format.name().toLowerCase() + " stream"
                + (bwlimitKiB > 0 ? ", limited to " + bwlimitKiB + " KiB/s" : ""));
        Pipe pipe;
        try {
            pipe = Pipe.open();
        } catch (IOException e) {
            throw new MigrationException("cannot open a pipe for the volume stream: " + e.getMessage(), e);
        }
        AtomicReference<Throwable> sendFailure = new AtomicReference<>();
        StreamFormat f = format;
        Thread sender = Thread.ofPlatform().name("migrate-send-" + vmid).start(() -> {
            try (OutputStream out = Channels.newOutputStream(pipe.sink())) {
                VolumeStream.send(src, p.volid(), f, out, new Throttle(bwlimitKiB), progress);
            } catch (Throwable t) {
                sendFailure.set(t);
            }
        });
        VolumeId copy;
        try (InputStream in = Channels.newInputStream(pipe.source())) {
            copy = peer.receiveVolume(p.targetStorage(), vmid, meta, in);
        } catch (IOException | RuntimeException e) {
            sender.interrupt();
            join(sender);
            MigrationException me = new MigrationException("copying volume '" + p.volid() + "' to node '" + peer.node()
                    + "' failed: " + (sendFailure.get() != null ? "sending: " + sendFailure.get().getMessage() + "; " : "")
                    + "receiving: " + e.getMessage(), e);
            throw me;
        }
        join(sender);
        if (sendFailure.get() != null) {
            peer.freeVolume(copy);
            throw new MigrationException("sending volume '" + p.volid() + "' failed: " + sendFailure.get().getMessage(), sendFailure.get());
        }
        log.accept("volume '" + p.volid() + "' is '" + copy + "' on node '" + peer.node() + "'");
        return copy;
    }

    private static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The config as the target will have it: copied volumes renamed, no {@code lock}. */
    static ConfigFile retarget(ConfigFile f, Map<String, VolumeId> copies) {
        ContainerConfig c = f.main().without("lock");
        for (Map.Entry<String, VolumeId> e : copies.entrySet()) {
            String key = e.getKey();
            VolumeId v = e.getValue();
            if (key.startsWith("unused")) c = c.with(key, v.toString());
            else {
                MountPoint mp = MountPoint.parse(key, c.get(key).orElseThrow());
                c = c.with(key, mp.withSource(new MountSource.Volume(v.storage(), v.name().toString())).format());
            }
        }
        return f.withMain(c);
    }
}
