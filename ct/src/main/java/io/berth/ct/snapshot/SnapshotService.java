package io.berth.ct.snapshot;

import io.berth.error.InvalidInputException;
import io.berth.config.ConfigFile;
import io.berth.config.ContainerConfig;
import io.berth.config.MountPoint;
import io.berth.config.MountSource;
import io.berth.ct.ContainerService;
import io.berth.ct.CtException;
import io.berth.ct.lifecycle.ConfigIo;
import io.berth.ct.lifecycle.LxcRuntime;
import io.berth.storage.HostCommand;
import io.berth.storage.Storage;
import io.berth.storage.Storages;
import io.berth.storage.VolumeId;
import java.io.IOException;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * Container snapshots as Proxmox's AbstractConfig makes them (pct snapshot / delsnapshot / rollback /
 * listsnapshot), step for step, so an interrupted operation leaves the same {@code lock} and {@code snapstate}:
 * <ul>
 *   <li>create: {@code lock: snapshot} and a {@code [NAME]} section with {@code snapstate: prepare}; a running
 *   container is frozen and its filesystems synced while every volume is snapshotted; then the snapstate and lock
 *   go and {@code parent: NAME} is set. If a volume fails, the volume snapshots made so far and the section are
 *   removed again.</li>
 *   <li>delete: {@code lock: snapshot-delete}, {@code snapstate: delete}, each volume snapshot removed (and its
 *   key dropped from the section), then the section; children are re-parented.</li>
 *   <li>rollback: {@code lock: rollback}, every volume rolled back, then the snapshot's config becomes the current
 *   one with {@code parent: NAME}.</li>
 * </ul>
 * Each step is a read-modify-write under the container's lock; the {@code lock} value keeps other operations out
 * between steps.
 */
public final class SnapshotService {
    /** Proxmox's snapshot names ({@code pve-configid}, at most 40 characters). */
    public static final Pattern NAME = Pattern.compile("[a-zA-Z][a-zA-Z0-9_-]{1,39}");
    /** The snapshot vzdump makes for {@code --mode snapshot}; reserved for it. */
    public static final String VZDUMP = "vzdump";
    private static final Set<String> RESERVED = Set.of("current", VZDUMP);
    private static final Duration LOCK_WAIT = Duration.ofSeconds(30);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

    private final ContainerService ct;
    private final ConfigIo configs;
    private final LongSupplier clock;

    public SnapshotService(ContainerService ct) {
        this(ct, () -> System.currentTimeMillis() / 1000);
    }

    /** {@code clock} gives {@code snaptime} (epoch seconds); tests fix it for byte-exact configs. */
    public SnapshotService(ContainerService ct, LongSupplier clock) {
        this.ct = ct;
        this.configs = new ConfigIo(ct.roots());
        this.clock = clock;
    }

    /** What an operation had to say besides failing (e.g. a parent reference it removed). */
    public record Result(List<String> warnings) {}

    /** One entry of {@link #list}: a snapshot, or {@code current} (no snaptime; {@code running} and {@code digest} set). */
    public record Entry(String name, Optional<Long> snaptime, String description, Optional<String> parent,
                        Optional<String> snapstate, Optional<Boolean> running, Optional<String> digest) {}

    /** Checks a snapshot name a user gave; the error names it and what is allowed. */
    public static void checkName(String snapname) {
        if (snapname == null || !NAME.matcher(snapname).matches())
            throw new InvalidInputException("snapname", "invalid snapshot name '" + snapname
                    + "': allowed a letter, then 1 to 39 letters, digits, '_' or '-'");
        if (RESERVED.contains(snapname))
            throw new InvalidInputException("snapname", "invalid snapshot name '" + snapname + "': '" + snapname
                    + "' is reserved");
        if (snapname.equalsIgnoreCase("pending"))
            throw new InvalidInputException("snapname", "invalid snapshot name '" + snapname
                    + "': it would clash with the pending-changes section");
    }

    // ---- create ----

    /** {@code pct snapshot VMID NAME [--description]}. */
    public Result create(int vmid, String snapname, Optional<String> description) {
        checkName(snapname);
        return createSnapshot(vmid, snapname, description, false);
    }

    /**
     * The snapshot vzdump takes for {@code --mode snapshot}: named {@value #VZDUMP}, only the rootfs and mount points
     * with {@code backup=1}; remove it with {@link #deleteForBackup}. Paths: {@code Storage.snapshotPath(volid, "vzdump")}.
     */
    public Result createForBackup(int vmid) {
        return createSnapshot(vmid, VZDUMP, Optional.of("vzdump backup snapshot"), true);
    }

    public Result deleteForBackup(int vmid, boolean force) {
        return delete(vmid, VZDUMP, force);
    }

    private Result createSnapshot(int vmid, String snapname, Optional<String> description, boolean backupOnly) {
        List<String> warnings = new ArrayList<>();
        List<VolumeId> volumes = new ArrayList<>();
        update(vmid, file -> {
            ContainerConfig main = file.main();
            if (main.template())
                throw new io.berth.error.StateException("container " + vmid + " is a template; a template cannot be snapshotted");
            checkUnlocked(vmid, main);
            if (file.snapshots().containsKey(snapname))
                throw new io.berth.error.ExistsException("snapshot name '" + snapname + "' already used by container " + vmid);
            volumes.addAll(snapshotVolumes(vmid, main, backupOnly));
            ConfigFile f = file;
            for (Map.Entry<String, ContainerConfig> s : file.snapshots().entrySet()) {
                if (s.getValue().parent().map(snapname::equals).orElse(false)) {
                    warnings.add("deleting parent '" + snapname + "' reference from '" + s.getKey()
                            + "' to avoid bogus snapshot cycle.");
                    f = f.withSnapshot(s.getKey(), s.getValue().without("parent"));
                }
            }
            ContainerConfig snap = SnapshotConfigs.copy(main).with("snapstate", "prepare")
                    .with("snaptime", Long.toString(clock.getAsLong()));
            if (description.isPresent() && !description.get().isEmpty()) snap = snap.withDescription(description);
            return f.withMain(main.with("lock", "snapshot")).withSnapshot(snapname, snap);
        });

        LxcRuntime rt = new LxcRuntime(ct.paths(vmid));
        List<VolumeId> done = new ArrayList<>();
        RuntimeException failure = null;
        boolean frozen = false;
        try {
            if (rt.isRunning()) {
                rt.freeze();
                frozen = true;
                // the guest's dirty data reaches the volumes (and loop-backed images their files) before the snapshot
                HostCommand.of("sync").run();
            }
            for (VolumeId v : volumes) {
                ct.storages().storageOf(v).snapshot(v, snapname);
                done.add(v);
            }
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            if (frozen) {
                try {
                    rt.unfreeze();
                } catch (RuntimeException e) {
                    warnings.add("cannot thaw container " + vmid + ": " + e.getMessage());
                }
            }
        }
        if (failure != null) {
            warnings.add("snapshot create failed: starting cleanup");
            try {
                warnings.addAll(deleteSnapshot(vmid, snapname, true, Optional.of(done)).warnings());
            } catch (RuntimeException e) {
                failure.addSuppressed(e);
            }
            throw failure;
        }
        update(vmid, file -> {
            if (!file.main().lock().map("snapshot"::equals).orElse(false))
                throw new CtException("container " + vmid + ": missing snapshot lock");
            ContainerConfig snap = file.snapshots().get(snapname);
            if (snap == null) throw new CtException("snapshot '" + snapname + "' of container " + vmid + " does not exist");
            if (!snap.snapstate().map("prepare"::equals).orElse(false))
                throw new CtException("snapshot '" + snapname + "' of container " + vmid + ": wrong snapshot state");
            return file.withSnapshot(snapname, snap.without("snapstate"))
                    .withMain(file.main().without("lock").with("parent", snapname));
        });
        return new Result(warnings);
    }

    /** The volumes to snapshot; refuses (naming the mount point and storage) if any of them cannot be. */
    private List<VolumeId> snapshotVolumes(int vmid, ContainerConfig c, boolean backupOnly) {
        Storages storages = ct.storages();
        List<VolumeId> out = new ArrayList<>();
        for (MountPoint mp : SnapshotConfigs.mountPoints(c)) {
            if (backupOnly && !mp.isRootfs() && !mp.backup()) continue;
            if (!(mp.source() instanceof MountSource.Volume v))
                throw new io.berth.error.UnsupportedException("cannot snapshot container " + vmid + ": " + mp.key() + " ('" + mp.source().format()
                        + "') is not a storage volume; snapshots need every mount point on a storage that can snapshot");
            VolumeId id = storages.parseVolumeId(v.volid());
            Storage s = storages.storageOf(id);
            if (!s.canSnapshot(id))
                throw new io.berth.error.UnsupportedException("cannot snapshot container " + vmid + ": "
                        + s.cannotSnapshot(id).getMessage() + " (" + mp.key() + ")");
            out.add(id);
        }
        return out;
    }

    // ---- delete ----

    /** {@code pct delsnapshot VMID NAME [--force]}: with force, volume snapshots that cannot be removed are skipped. */
    public Result delete(int vmid, String snapname, boolean force) {
        return deleteSnapshot(vmid, snapname, force, Optional.empty());
    }

    /** {@code made}: set when cleaning up a failed create (lock {@code snapshot} held; only these volumes). */
    private Result deleteSnapshot(int vmid, String snapname, boolean force, Optional<List<VolumeId>> made) {
        List<String> warnings = new ArrayList<>();
        ConfigFile current = configs.read(vmid);
        if (!current.snapshots().containsKey(snapname)) throw noSnapshot(vmid, snapname, current);
        String expected = made.isPresent() ? "snapshot" : "snapshot-delete";
        if (made.isEmpty()) update(vmid, file -> {
            checkUnlocked(vmid, file.main());
            return file.withMain(file.main().with("lock", "snapshot-delete"));
        });
        ConfigFile prepared = update(vmid, file -> {
            checkLock(vmid, file, expected);
            if (file.main().template())
                throw new CtException("container " + vmid + " is a template; a template's snapshots cannot be deleted");
            ContainerConfig snap = file.snapshots().get(snapname);
            if (snap == null) throw noSnapshot(vmid, snapname, file);
            return file.withSnapshot(snapname, snap.with("snapstate", "delete"));
        });
        List<String> unused = new ArrayList<>();
        for (MountPoint mp : SnapshotConfigs.mountPoints(prepared.snapshots().get(snapname))) {
            if (snapname.equals(VZDUMP) && !mp.isRootfs() && !mp.backup()) continue;
            if (!(mp.source() instanceof MountSource.Volume v)) continue;
            VolumeId id = VolumeId.tryParse(v.volid()).orElse(null);
            if (made.isEmpty() || id != null && made.get().contains(id)) {
                try {
                    if (id == null) throw new CtException("invalid volume id '" + v.volid() + "' in " + mp.key());
                    ct.storages().storageOf(id).deleteSnapshot(id, snapname);
                    unused.add(v.volid());
                } catch (RuntimeException e) {
                    if (!force) throw e;
                    warnings.add(e.getMessage());
                }
            }
            if (!force) update(vmid, file -> {
                checkLock(vmid, file, expected);
                ContainerConfig snap = file.snapshots().get(snapname);
                if (snap == null) throw noSnapshot(vmid, snapname, file);
                return file.withSnapshot(snapname, SnapshotConfigs.addUnused(snap.without(mp.key()), v.volid()));
            });
        }
        update(vmid, file -> {
            checkLock(vmid, file, expected);
            ContainerConfig snap = file.snapshots().get(snapname);
            if (snap == null) throw noSnapshot(vmid, snapname, file);
            Optional<String> newParent = snap.parent();
            ConfigFile f = file;
            for (Map.Entry<String, ContainerConfig> s : file.snapshots().entrySet()) {
                if (s.getKey().equals(snapname)) continue;
                f = f.withSnapshot(s.getKey(), SnapshotConfigs.unlinkParent(s.getValue(), snapname, newParent));
            }
            ContainerConfig main = SnapshotConfigs.unlinkParent(f.main(), snapname, newParent).without("lock");
            List<String> inUse = SnapshotConfigs.volumes(main);
            for (String volid : unused) if (!inUse.contains(volid)) main = SnapshotConfigs.addUnused(main, volid);
            return f.withoutSnapshot(snapname).withMain(main);
        });
        return new Result(warnings);
    }

    // ---- rollback ----

    /**
     * {@code pct rollback VMID NAME [--start]}. A running container is only stopped when {@code start} asks for it to
     * be started again afterwards; otherwise the rollback is refused before anything changes.
     */
    public Result rollback(int vmid, String snapname, boolean start) {
        List<String> warnings = new ArrayList<>();
        LxcRuntime rt = new LxcRuntime(ct.paths(vmid));
        List<VolumeId> volumes = new ArrayList<>();
        ConfigFile prepared = update(vmid, file -> {
            ContainerConfig snap = snapshotForRollback(vmid, snapname, file);
            for (MountPoint mp : SnapshotConfigs.mountPoints(snap)) {
                if (!(mp.source() instanceof MountSource.Volume v))
                    throw new CtException("cannot roll back container " + vmid + ": " + mp.key() + " of snapshot '"
                            + snapname + "' is not a storage volume");
                VolumeId id = ct.storages().parseVolumeId(v.volid());
                Storage s = ct.storages().storageOf(id);
                if (!s.canSnapshot(id)) throw new CtException("cannot roll back container " + vmid + ": "
                        + s.cannotSnapshot(id).getMessage());
                if (!s.snapshots(id).contains(snapname))
                    throw new CtException("cannot roll back container " + vmid + " to '" + snapname + "': volume '" + id
                            + "' (" + mp.key() + ") has no snapshot '" + snapname + "'");
                volumes.add(id);
            }
            if (snap.snapstate().isPresent())
                throw new CtException("unable to rollback to incomplete snapshot '" + snapname + "' (snapstate = "
                        + snap.snapstate().get() + ")");
            checkUnlocked(vmid, file.main());
            if (rt.isRunning()) {
                if (!start)
                    throw new io.berth.error.StateException("container " + vmid + " is running; rollback to '" + snapname
                            + "' would stop it: use --start to stop it, roll back and start it again, or stop it first");
                rt.stopAndWait(STOP_TIMEOUT);
            }
            return file.withMain(file.main().with("lock", "rollback"));
        });
        for (VolumeId id : volumes) ct.storages().storageOf(id).rollbackSnapshot(id, snapname);
        update(vmid, file -> {
            if (!file.main().lock().map("rollback"::equals).orElse(false))
                throw new CtException("container " + vmid + ": got wrong lock (expected 'rollback', found "
                        + file.main().lock().map(l -> "'" + l + "'").orElse("none") + ")");
            ContainerConfig snap = snapshotForRollback(vmid, snapname, file);
            ContainerConfig main = file.main().without("lock");
            List<String> kept = SnapshotConfigs.volumes(snap);
            for (String volid : SnapshotConfigs.volumes(main))
                if (!kept.contains(volid)) main = SnapshotConfigs.addUnused(main, volid);
            ConfigFile f = SnapshotConfigs.applySnapshot(file.withMain(main), snap);
            return f.withMain(f.main().with("parent", snapname));
        });
        if (start) warnings.addAll(ct.start(vmid, false, false).warnings());
        return new Result(warnings);
    }

    private static ContainerConfig snapshotForRollback(int vmid, String snapname, ConfigFile file) {
        if (file.main().template())
            throw new CtException("container " + vmid + " is a template; a template cannot be rolled back");
        ContainerConfig snap = file.snapshots().get(snapname);
        if (snap == null) throw noSnapshot(vmid, snapname, file);
        return snap;
    }

    // ---- list ----

    /** The snapshots in file order, then {@code current} (as Proxmox's snapshot list API returns them). */
    public List<Entry> list(int vmid) {
        ConfigFile file = configs.read(vmid);
        List<Entry> out = new ArrayList<>();
        for (Map.Entry<String, ContainerConfig> e : file.snapshots().entrySet()) {
            ContainerConfig s = e.getValue();
            out.add(new Entry(e.getKey(), Optional.of(s.snaptime().orElse(0)), s.description().orElse(""), s.parent(),
                    s.snapstate(), Optional.empty(), Optional.empty()));
        }
        boolean running = new LxcRuntime(ct.paths(vmid)).isRunning();
        out.add(new Entry("current", Optional.empty(), "You are here!", file.main().parent(), Optional.empty(),
                Optional.of(running), Optional.of(digest(vmid))));
        return out;
    }

    private String digest(int vmid) {
        try {
            byte[] raw = Files.readAllBytes(ct.roots().containerConfig(vmid));
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(raw));
        } catch (IOException e) {
            throw new CtException("cannot read " + ct.roots().containerConfig(vmid) + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new io.berth.error.HostFailureException("this JVM lacks SHA-1: " + e.getMessage(), e);
        }
    }

    // ---- helpers ----

    private ConfigFile update(int vmid, UnaryOperator<ConfigFile> change) {
        try (ConfigIo.Lock l = configs.lock(vmid, LOCK_WAIT)) {
            ConfigFile before = configs.read(vmid);
            ConfigFile after = change.apply(before);
            if (!after.equals(before)) configs.write(vmid, after);
            return after;
        }
    }

    private static void checkUnlocked(int vmid, ContainerConfig c) {
        c.lock().ifPresent(l -> {
            throw new io.berth.error.LockedException("container " + vmid + " is locked (" + l + "); 'berth unlock " + vmid
                    + "' removes a lock left by an interrupted operation", l);
        });
    }

    private static void checkLock(int vmid, ConfigFile f, String expected) {
        if (!f.main().lock().map(expected::equals).orElse(false))
            throw new CtException("container " + vmid + ": encountered invalid lock "
                    + f.main().lock().map(l -> "'" + l + "'").orElse("(none)") + ", expected '" + expected + "'");
    }

    private static io.berth.error.NotFoundException noSnapshot(int vmid, String snapname, ConfigFile f) {
        return new io.berth.error.NotFoundException("snapshot '" + snapname + "' of container " + vmid + " does not exist"
                + (f.snapshots().isEmpty() ? "; it has no snapshots" : "; its snapshots are "
                + String.join(", ", f.snapshots().keySet())));
    }
}
