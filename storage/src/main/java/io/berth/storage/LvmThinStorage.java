package io.berth.storage;

import io.berth.error.NotFoundException;
import io.berth.error.InvalidInputException;
import io.berth.error.ExistsException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * An LVM thin pool {@code vgname/thinpool}: thin LVs {@code vm-<vmid>-disk-<n>} formatted ext4, thin
 * snapshots {@code snap_vm-<vmid>-disk-<n>_<snap>} (read-only, activation-skipped as LVM makes them).
 */
public final class LvmThinStorage implements Storage {
    private final StorageDef.LvmThin def;

    public LvmThinStorage(StorageDef.LvmThin def) {
        this.def = def;
    }

    @Override
    public StorageDef.LvmThin def() {
        return def;
    }

    @Override
    public Capabilities capabilities() {
        return new Capabilities(false, true, true, EnumSet.of(VolumeFormat.RAW), false, false, def.content(), true, true);
    }

    private List<Lvm.Lv> lvs() {
        if (!Lvm.vgExists(def.vgname()))
            throw new StorageException("storage '" + id() + "': volume group '" + def.vgname() + "' not found");
        return Lvm.lvs(def.vgname());
    }

    private String lvPath(VolumeName n) {
        return def.vgname() + "/" + n.fileName();
    }

    private Path device(VolumeName n) {
        return Path.of("/dev", def.vgname(), n.fileName());
    }

    private VolumeName own(VolumeId volid) {
        if (!volid.storage().equals(id()))
            throw new StorageException("volume '" + volid + "' is not on storage '" + id() + "'");
        if (volid.name().layout() != VolumeName.Layout.LV)
            throw new StorageException("volume '" + volid + "': lvmthin storage '" + id()
                    + "' holds 'vm-<vmid>-disk-<n>' and 'snap_vm-<vmid>-disk-<n>_<snap>' volumes only");
        return volid.name();
    }

    private Lvm.Lv requireExisting(VolumeId volid) {
        VolumeName n = own(volid);
        return lvs().stream().filter(lv -> lv.name().equals(n.fileName())).findFirst()
                .orElseThrow(() -> new NotFoundException("volume '" + volid + "' does not exist (LV " + lvPath(n) + ")"));
    }

    /** Disk numbers already used by {@code vmid} in the VG (by any LV name, snapshots included). */
    static List<VolumeName> namesOf(List<Lvm.Lv> lvs, OptionalInt vmid) {
        return lvs.stream().map(lv -> VolumeName.tryParse(lv.name()))
                .flatMap(Optional::stream)
                .filter(n -> n.layout() == VolumeName.Layout.LV)
                .filter(n -> vmid.isEmpty() || n.vmid() == vmid.getAsInt())
                .toList();
    }

    @Override
    public VolumeId alloc(int vmid, long sizeBytes, int ownerUid, int ownerGid) {
        VolumeName.checkVmid(vmid);
        if (sizeBytes <= 0)
            throw new InvalidInputException("size", "invalid size " + sizeBytes + " for lvmthin storage '" + id()
                    + "': allowed > 0 bytes (thin LVs cannot be subvols)");
        List<Lvm.Lv> lvs = lvs();
        if (lvs.stream().noneMatch(lv -> lv.name().equals(def.thinpool())))
            throw new StorageException("storage '" + id() + "': thin pool '" + def.vgname() + "/" + def.thinpool()
                    + "' not found");
        VolumeName name = null;
        for (int attempt = 0; attempt < 100 && name == null; attempt++) {
            VolumeName candidate = VolumeName.of(VolumeName.Layout.LV, vmid, ImageDirectory.nextFree(namesOf(lvs, OptionalInt.of(vmid))));
            HostCommand create = Lvm.command("lvcreate", "--yes", "-aly", "-V", sizeBytes + "b",
                    "--name", candidate.fileName(), "--thinpool", def.vgname() + "/" + def.thinpool());
            HostCommand.Result r = create.runAllowingFailure();
            if (r.exitCode() == 0) {
                name = candidate;
            } else {
                lvs = lvs();
                VolumeName c = candidate;
                if (lvs.stream().noneMatch(lv -> lv.name().equals(c.fileName()))) throw create.failure(r);
                // someone else created that name meanwhile: try the next free one
            }
        }
        if (name == null) throw new StorageException("cannot find a free LV name for vmid " + vmid + " on '" + id() + "'");
        try {
            Ext4.mkfs(device(name), ownerUid, ownerGid);
        } catch (RuntimeException e) {
            try {
                Lvm.run("lvremove", "-f", lvPath(name));
            } catch (RuntimeException undo) {
                e.addSuppressed(undo);
            }
            throw e;
        }
        return new VolumeId(id(), name);
    }

    @Override
    public void free(VolumeId volid) {
        VolumeName n = own(volid);
        requireExisting(volid);
        if (n.snapshot().isEmpty())
            for (VolumeName s : namesOf(lvs(), OptionalInt.of(n.vmid())))
                if (s.snapshot().isPresent() && s.base().equals(n)) Lvm.run("lvremove", "-f", lvPath(s));
        Lvm.run("lvremove", "-f", lvPath(n));
    }

    @Override
    public List<VolumeInfo> list(OptionalInt vmid) {
        return lvs().stream()
                .filter(lv -> lv.pool().equals(def.thinpool()))
                .flatMap(lv -> VolumeName.tryParse(lv.name()).stream()
                        .filter(n -> n.layout() == VolumeName.Layout.LV && n.snapshot().isEmpty())
                        .filter(n -> vmid.isEmpty() || n.vmid() == vmid.getAsInt())
                        .map(n -> new VolumeInfo(new VolumeId(id(), n), n.vmid(), VolumeFormat.RAW, lv.sizeBytes(),
                                OptionalLong.of((long) (lv.sizeBytes() * lv.dataPercent() / 100)),
                                new VolumePath.BlockDevice(device(n)))))
                .sorted(VolumeInfo.BY_VMID_AND_DISK)
                .toList();
    }

    @Override
    public VolumePath path(VolumeId volid) {
        requireExisting(volid);
        return new VolumePath.BlockDevice(device(volid.name()));
    }

    @Override
    public long size(VolumeId volid) {
        return requireExisting(volid).sizeBytes();
    }

    @Override
    public void resize(VolumeId volid, long newSizeBytes) {
        VolumeName n = own(volid);
        if (n.snapshot().isPresent())
            throw new StorageException("cannot resize snapshot '" + volid + "': snapshots are read-only");
        long old = requireExisting(volid).sizeBytes();
        if (newSizeBytes < old)
            throw new InvalidInputException("size", "cannot shrink volume '" + volid + "' from " + old + " to " + newSizeBytes
                    + " bytes: only growing is allowed");
        if (newSizeBytes == old) return;
        activate(volid);
        boolean online = Ext4.inUse(device(n));
        if (online) Ext4.requireOnlineResize(volid, device(n));
        Lvm.run("lvextend", "-L", newSizeBytes + "b", lvPath(n));
        try {
            if (online) Ext4.resizeOnline(device(n));
            else Ext4.checkBeforeResize(device(n));
        } catch (RuntimeException e) {
            try { // the filesystem is untouched, so the LV can shrink back
                Lvm.run("lvreduce", "-f", "-L", old + "b", lvPath(n));
            } catch (RuntimeException undo) {
                e.addSuppressed(undo);
            }
            throw e;
        }
        if (!online) Ext4.resize(device(n));
    }

    @Override
    public void activate(VolumeId volid) {
        VolumeName n = own(volid);
        // thin snapshots carry the activation-skip flag; -K activates them anyway
        if (n.snapshot().isPresent()) Lvm.run("lvchange", "-ay", "-K", lvPath(n));
        else Lvm.run("lvchange", "-ay", lvPath(n));
    }

    @Override
    public void deactivate(VolumeId volid) {
        VolumeName n = own(volid);
        Lvm.run("lvchange", "-an", lvPath(n));
    }

    private VolumeName ownBase(VolumeId volid, String snapname) {
        VolumeName n = own(volid);
        VolumeName.checkSnapshotName(snapname);
        if (n.snapshot().isPresent())
            throw new StorageException("volume '" + volid + "' is a snapshot itself; name its base volume");
        requireExisting(volid);
        return n;
    }

    private VolumeName existingSnapshot(VolumeId volid, VolumeName n, String snapname) {
        VolumeName snap = n.withSnapshot(snapname);
        if (lvs().stream().noneMatch(lv -> lv.name().equals(snap.fileName())))
            throw new NotFoundException("snapshot '" + snapname + "' of volume '" + volid + "' does not exist (LV "
                    + lvPath(snap) + ")");
        return snap;
    }

    @Override
    public void snapshot(VolumeId volid, String snapname) {
        VolumeName n = ownBase(volid, snapname);
        VolumeName snap = n.withSnapshot(snapname);
        if (lvs().stream().anyMatch(lv -> lv.name().equals(snap.fileName())))
            throw new ExistsException("snapshot '" + snapname + "' of '" + volid + "' already exists");
        Lvm.run("lvcreate", "--yes", "-n", snap.fileName(), "-pr", "-s", lvPath(n));
    }

    @Override
    public void deleteSnapshot(VolumeId volid, String snapname) {
        VolumeName n = ownBase(volid, snapname);
        Lvm.run("lvremove", "-f", lvPath(existingSnapshot(volid, n, snapname)));
    }

    /**
     * A writable thin snapshot of the snapshot is made under a temporary name first, so a failure leaves the volume
     * untouched; then the volume is removed and the new LV renamed to its name.
     */
    @Override
    public void rollbackSnapshot(VolumeId volid, String snapname) {
        VolumeName n = ownBase(volid, snapname);
        VolumeName snap = existingSnapshot(volid, n, snapname);
        String tmp = n.fileName() + "-rollback";
        Lvm.run("lvcreate", "--yes", "-s", "-kn", "-prw", "-n", tmp, lvPath(snap));
        try {
            Lvm.run("lvremove", "-f", lvPath(n));
        } catch (RuntimeException e) {
            try {
                Lvm.run("lvremove", "-f", def.vgname() + "/" + tmp);
            } catch (RuntimeException undo) {
                e.addSuppressed(undo);
            }
            throw e;
        }
        Lvm.run("lvrename", def.vgname(), tmp, n.fileName());
    }

    @Override
    public VolumePath snapshotPath(VolumeId volid, String snapname) {
        VolumeName n = ownBase(volid, snapname);
        return new VolumePath.BlockDevice(device(existingSnapshot(volid, n, snapname)));
    }

    @Override
    public List<String> snapshots(VolumeId volid) {
        VolumeName n = own(volid);
        return namesOf(lvs(), OptionalInt.of(n.vmid())).stream()
                .filter(s -> s.snapshot().isPresent() && s.base().equals(n.base()))
                .map(s -> s.snapshot().get()).sorted().toList();
    }

    /** Renames the LV to {@code base-...} and makes it read-only and activation-skipped, as Proxmox does. */
    @Override
    public VolumeId createBase(VolumeId volid) {
        VolumeName n = own(volid);
        if (n.isBase() || n.snapshot().isPresent())
            throw new StorageException("volume '" + volid + "' is a base volume or a snapshot; cannot make it a template base");
        requireExisting(volid);
        VolumeName base = n.asTemplateBase();
        Lvm.run("lvrename", def.vgname(), n.fileName(), base.fileName());
        try {
            Lvm.run("lvchange", "-pr", "-ky", lvPath(base));
        } catch (RuntimeException e) {
            try {
                Lvm.run("lvrename", def.vgname(), base.fileName(), n.fileName());
            } catch (RuntimeException undo) {
                e.addSuppressed(undo);
            }
            throw e;
        }
        return new VolumeId(id(), base);
    }

    @Override
    public VolumeId revertBase(VolumeId base) {
        VolumeName n = own(base);
        if (!n.isBase()) throw new StorageException("volume '" + base + "' is not a base volume");
        requireExisting(base);
        Lvm.run("lvchange", "-prw", "-kn", lvPath(n));
        Lvm.run("lvrename", def.vgname(), n.fileName(), n.asOrdinary().fileName());
        return new VolumeId(id(), n.asOrdinary());
    }

    /** {@code lvrename} to the target's next free (or the given) disk name. */
    @Override
    public VolumeId rename(VolumeId volid, int targetVmid, OptionalInt disk) {
        VolumeName n = own(volid);
        VolumeName.checkVmid(targetVmid);
        if (n.isBase() || n.snapshot().isPresent())
            throw new StorageException("cannot give '" + volid + "' to container " + targetVmid
                    + ": template base volumes and snapshots cannot be renamed");
        requireExisting(volid);
        if (!snapshots(volid).isEmpty())
            throw new io.berth.error.StateException("cannot give volume '" + volid + "' to container " + targetVmid
                    + ": it has snapshots (" + String.join(", ", snapshots(volid)) + "); delete them first");
        List<Lvm.Lv> lvs = lvs();
        VolumeName to = VolumeName.of(VolumeName.Layout.LV, targetVmid,
                disk.orElse(ImageDirectory.nextFree(namesOf(lvs, OptionalInt.of(targetVmid)))));
        if (lvs.stream().anyMatch(lv -> lv.name().equals(to.fileName())))
            throw new io.berth.error.ExistsException("cannot rename '" + volid + "' to '" + to + "': the LV exists already");
        Lvm.run("lvrename", def.vgname(), n.fileName(), to.fileName());
        return new VolumeId(id(), to);
    }

    @Override
    public VolumeId linkedClone(VolumeId source, Optional<String> snapname, int newVmid) {
        VolumeName n = own(source);
        VolumeName.checkVmid(newVmid);
        if (!n.isBase() && snapname.isEmpty())
            throw new StorageException("cannot make a linked clone of '" + source
                    + "': only template base volumes or snapshots can be cloned linked; use a full clone");
        requireExisting(source);
        VolumeName from = snapname.isPresent() ? existingSnapshot(source, n, snapname.get()) : n;
        VolumeName name = VolumeName.of(VolumeName.Layout.LV, newVmid, ImageDirectory.nextFree(namesOf(lvs(), OptionalInt.of(newVmid))));
        Lvm.run("lvcreate", "--yes", "-s", "-kn", "-prw", "-n", name.fileName(), lvPath(from));
        return new VolumeId(id(), name);
    }

    @Override
    public StorageUsage usage() {
        Lvm.Lv pool = lvs().stream().filter(lv -> lv.name().equals(def.thinpool())).findFirst()
                .orElseThrow(() -> new StorageException("storage '" + id() + "': thin pool '" + def.vgname() + "/"
                        + def.thinpool() + "' not found"));
        long used = Math.min(pool.sizeBytes(), Math.round(pool.sizeBytes() * pool.dataPercent() / 100));
        return new StorageUsage(pool.sizeBytes(), used, pool.sizeBytes() - used);
    }

    @Override
    public Optional<Path> templateDir() {
        return Optional.empty();
    }
}
