package io.berth.storage;

import io.berth.error.NotFoundException;
import io.berth.error.InvalidInputException;
import io.berth.error.ExistsException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * A btrfs storage in Proxmox's btrfs layout, a subvolume per volume so that every volume can be snapshotted on its
 * own: size 0, or any size with {@code quotas 1}, gives a subvol volume, the subvolume
 * {@code images/<vmid>/subvol-<vmid>-disk-<n>} (its qgroup limited to the size); a size without quotas gives a raw
 * volume {@code <vmid>/vm-<vmid>-disk-<n>.raw}, an ext4 image {@code images/<vmid>/vm-<vmid>-disk-<n>/disk.raw}
 * inside the subvolume {@code vm-<vmid>-disk-<n>}. A snapshot is the read-only subvolume {@code <subvolume>@<snap>}
 * next to it.
 */
public final class BtrfsStorage implements Storage {
    private final StorageDef.Btrfs def;
    private final ImageDirectory dir;

    public BtrfsStorage(StorageDef.Btrfs def) {
        this.def = def;
        this.dir = new ImageDirectory(def.id(), def.path(), true);
    }

    @Override
    public StorageDef.Btrfs def() {
        return def;
    }

    @Override
    public Capabilities capabilities() {
        return new Capabilities(true, true, true, EnumSet.of(VolumeFormat.SUBVOL, VolumeFormat.RAW), def.quotas(), false, def.content(),
                true, true);
    }

    void checkOnline() {
        MountpointCheck.check(def.id(), def.path(), def.isMountpoint());
        try {
            Files.createDirectories(def.path());
            String type = Files.getFileStore(def.path()).type();
            if (!type.equals("btrfs"))
                throw new StorageException("storage '" + id() + "': " + def.path() + " is on a " + type
                        + " filesystem; btrfs storage needs btrfs");
        } catch (IOException e) {
            throw new StorageException("storage '" + id() + "': cannot use " + def.path() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public VolumeId alloc(int vmid, long sizeBytes, int ownerUid, int ownerGid) {
        VolumeName.checkVmid(vmid);
        if (sizeBytes < 0) throw new InvalidInputException("size", "invalid size " + sizeBytes + ": allowed 0 (subvol) or more bytes");
        checkOnline();
        boolean raw = sizeBytes > 0 && !def.quotas();
        VolumeName.Layout layout = raw ? VolumeName.Layout.IMAGE_FILE : VolumeName.Layout.SUBVOL;
        boolean createdDir = dir.ensureVmDir(vmid);
        VolumeName name = null;
        try {
            name = dir.allocName(vmid, n -> VolumeName.of(layout, vmid, n), n -> {
                Path p = dir.volumeDir(n);
                if (Files.exists(p)) return false;
                HostCommand create = HostCommand.of("btrfs", "subvolume", "create", p.toString());
                HostCommand.Result r = create.runAllowingFailure();
                if (r.exitCode() == 0) return true;
                if (Files.exists(p)) return false; // lost a race for this name
                throw create.failure(r);
            });
            Path p = dir.volumeDir(name);
            if (raw) {
                Path img = dir.file(name);
                Files.createFile(img);
                ImageDirectory.setLength(img, sizeBytes);
                Ext4.mkfs(img, ownerUid, ownerGid);
            } else {
                ImageDirectory.chown(p, ownerUid, ownerGid);
                if (sizeBytes > 0) setLimit(p, sizeBytes);
            }
            return new VolumeId(id(), name);
        } catch (IOException e) {
            StorageException se = new StorageException("cannot create the image of volume " + name + " on storage '"
                    + id() + "': " + e.getMessage(), e);
            undoAlloc(se, name, createdDir, vmid);
            throw se;
        } catch (RuntimeException e) {
            undoAlloc(e, name, createdDir, vmid);
            throw e;
        }
    }

    private void undoAlloc(RuntimeException e, VolumeName name, boolean createdDir, int vmid) {
        try {
            if (name != null) deleteSubvolume(dir.volumeDir(name));
            if (createdDir) dir.removeVmDirIfEmpty(vmid);
        } catch (RuntimeException undo) {
            e.addSuppressed(undo);
        }
    }

    private void setLimit(Path subvol, long bytes) {
        // enabling is idempotent and cheap when quotas are already on
        HostCommand.of("btrfs", "quota", "enable", def.path().toString()).run();
        HostCommand.of("btrfs", "qgroup", "limit", Long.toString(bytes), subvol.toString()).run();
    }

    private VolumeName own(VolumeId volid) {
        if (!volid.storage().equals(id()))
            throw new StorageException("volume '" + volid + "' is not on storage '" + id() + "'");
        if (volid.name().layout() == VolumeName.Layout.LV)
            throw new StorageException("volume '" + volid + "': btrfs storage '" + id()
                    + "' holds 'subvol-<vmid>-disk-<n>[@snap]' and '<vmid>/vm-<vmid>-disk-<n>.raw' volumes, not LVs");
        return volid.name();
    }

    @Override
    public void free(VolumeId volid) {
        VolumeName n = own(volid);
        dir.requireExisting(volid);
        if (n.snapshot().isPresent()) {
            deleteSubvolume(dir.snapshotDir(n, n.snapshot().get()));
            return;
        }
        for (String snap : dir.snapshotNames(n)) deleteSubvolume(dir.snapshotDir(n, snap));
        deleteSubvolume(dir.volumeDir(n));
        dir.removeVmDirIfEmpty(n.vmid());
    }

    private void deleteSubvolume(Path p) {
        if (!Files.exists(p)) return;
        OptionalLong qgroup = def.quotas() ? rootId(p) : OptionalLong.empty();
        // waiting for the commit is only needed to destroy the qgroup afterwards
        if (def.quotas()) HostCommand.of("btrfs", "subvolume", "delete", "--commit-after", p.toString()).run();
        else HostCommand.of("btrfs", "subvolume", "delete", p.toString()).run();
        // drop the qgroup so `qgroup show` does not fill with stale entries; the kernel may still hold it
        qgroup.ifPresent(id -> HostCommand.of("btrfs", "qgroup", "destroy", "0/" + id, def.path().toString())
                .runAllowingFailure());
    }

    private static OptionalLong rootId(Path subvol) {
        HostCommand.Result r = HostCommand.of("btrfs", "inspect-internal", "rootid", subvol.toString()).runAllowingFailure();
        if (r.exitCode() != 0) return OptionalLong.empty();
        try {
            return OptionalLong.of(Long.parseLong(r.stdout().strip()));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** Referenced bytes and limit (0 = none) of a qgroup. */
    record Qgroup(long referenced, long limit) {}

    /** Parses {@code btrfs qgroup show --raw -r}: {@code 0/ID referenced exclusive max_referenced [path]}. */
    static Map<Long, Qgroup> parseQgroups(String out) {
        Map<Long, Qgroup> result = new HashMap<>();
        for (String line : out.lines().toList()) {
            String[] f = line.strip().split("\\s+");
            if (f.length < 4 || !f[0].startsWith("0/")) continue;
            try {
                long id = Long.parseLong(f[0].substring(2));
                long rfer = Long.parseLong(f[1]);
                long limit = f[3].equals("none") ? 0 : Long.parseLong(f[3]);
                result.put(id, new Qgroup(rfer, limit));
            } catch (NumberFormatException e) {
                // header or a column layout we do not know: skip the line
            }
        }
        return result;
    }

    private Map<Long, Qgroup> qgroups() {
        if (!def.quotas()) return Map.of();
        HostCommand.Result r = HostCommand.of("btrfs", "qgroup", "show", "--raw", "-r", def.path().toString())
                .runAllowingFailure();
        return r.exitCode() == 0 ? parseQgroups(r.stdout()) : Map.of(); // quotas not enabled yet: no limits
    }

    private Optional<Qgroup> qgroupOf(Path subvol, Map<Long, Qgroup> qgroups) {
        if (qgroups.isEmpty()) return Optional.empty();
        OptionalLong id = rootId(subvol);
        return id.isPresent() ? Optional.ofNullable(qgroups.get(id.getAsLong())) : Optional.empty();
    }

    @Override
    public List<VolumeInfo> list(OptionalInt vmid) {
        Map<Long, Qgroup> qgroups = qgroups();
        return dir.names(vmid).stream()
                .filter(n -> n.snapshot().isEmpty())
                .map(n -> info(n, qgroups))
                .sorted(VolumeInfo.BY_VMID_AND_DISK)
                .toList();
    }

    private VolumeInfo info(VolumeName n, Map<Long, Qgroup> qgroups) {
        VolumeId id = new VolumeId(id(), n);
        Path f = dir.file(n);
        if (n.layout() == VolumeName.Layout.IMAGE_FILE)
            return new VolumeInfo(id, n.vmid(), VolumeFormat.RAW, ImageDirectory.fileSize(f), OptionalLong.empty(),
                    new VolumePath.ImageFile(f));
        Optional<Qgroup> q = qgroupOf(f, qgroups);
        return new VolumeInfo(id, n.vmid(), VolumeFormat.SUBVOL, q.map(Qgroup::limit).orElse(0L),
                q.map(g -> OptionalLong.of(g.referenced())).orElse(OptionalLong.empty()), new VolumePath.Directory(f));
    }

    @Override
    public VolumePath path(VolumeId volid) {
        own(volid);
        return dir.existingPath(volid);
    }

    @Override
    public long size(VolumeId volid) {
        VolumeName n = own(volid);
        Path f = dir.requireExisting(volid);
        if (n.layout() == VolumeName.Layout.IMAGE_FILE) return ImageDirectory.fileSize(f);
        return qgroupOf(f, qgroups()).map(Qgroup::limit).orElse(0L);
    }

    @Override
    public void resize(VolumeId volid, long newSizeBytes) {
        VolumeName n = own(volid);
        Path f = dir.requireExisting(volid);
        if (n.layout() == VolumeName.Layout.IMAGE_FILE) {
            ImageDirectory.growRaw(volid, f, newSizeBytes);
            return;
        }
        if (n.snapshot().isPresent())
            throw new StorageException("cannot resize snapshot '" + volid + "': snapshots are read-only");
        if (!def.quotas())
            throw new StorageException("cannot resize subvol '" + volid + "': btrfs storage '" + id()
                    + "' has no quotas; set 'quotas 1' in storage.cfg");
        long old = size(volid);
        if (old > 0 && newSizeBytes < old)
            throw new InvalidInputException("size", "cannot shrink volume '" + volid + "' from " + old + " to " + newSizeBytes
                    + " bytes: only growing is allowed");
        if (newSizeBytes <= 0) throw new InvalidInputException("size", "invalid size " + newSizeBytes + ": allowed > 0 bytes");
        setLimit(f, newSizeBytes);
    }

    @Override
    public void activate(VolumeId volid) {
        own(volid);
        dir.requireExisting(volid);
    }

    @Override
    public void deactivate(VolumeId volid) {
        own(volid);
    }

    private VolumeName ownBase(VolumeId volid, String snapname) {
        VolumeName n = own(volid);
        VolumeName.checkSnapshotName(snapname);
        if (n.snapshot().isPresent())
            throw new StorageException("volume '" + volid + "' is a snapshot itself; name its base volume");
        dir.requireExisting(volid);
        return n;
    }

    private Path existingSnapshot(VolumeId volid, VolumeName n, String snapname) {
        Path snap = dir.snapshotDir(n, snapname);
        if (!Files.isDirectory(snap))
            throw new NotFoundException("snapshot '" + snapname + "' of volume '" + volid + "' does not exist (" + snap + ")");
        return snap;
    }

    @Override
    public void snapshot(VolumeId volid, String snapname) {
        VolumeName n = ownBase(volid, snapname);
        Path src = dir.volumeDir(n);
        if (!isSubvolume(src)) // a flat image from before the per-volume layout
            throw new StorageException("cannot snapshot '" + volid + "': " + src + " is not a btrfs subvolume");
        Path dst = dir.snapshotDir(n, snapname);
        if (Files.exists(dst)) throw new ExistsException("snapshot '" + snapname + "' of '" + volid + "' already exists");
        HostCommand.of("btrfs", "subvolume", "snapshot", "-r", src.toString(), dst.toString()).run();
    }

    private static boolean isSubvolume(Path p) {
        // the inode of a subvolume's root directory is always 256
        try {
            return Files.isDirectory(p) && ((Number) Files.getAttribute(p, "unix:ino")).longValue() == 256;
        } catch (IOException e) {
            throw new StorageException("cannot stat " + p + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void deleteSnapshot(VolumeId volid, String snapname) {
        VolumeName n = ownBase(volid, snapname);
        deleteSubvolume(existingSnapshot(volid, n, snapname));
    }

    /**
     * A writable snapshot of the snapshot is made next to the volume first; only then the volume is swapped for it
     * (two renames, undone if the second fails) and the old one deleted. The qgroup limit is carried over.
     */
    @Override
    public void rollbackSnapshot(VolumeId volid, String snapname) {
        VolumeName n = ownBase(volid, snapname);
        Path snap = existingSnapshot(volid, n, snapname);
        Path vol = dir.volumeDir(n);
        long limit = n.layout() == VolumeName.Layout.SUBVOL ? size(volid) : 0;
        long pid = ProcessHandle.current().pid();
        Path tmp = vol.resolveSibling(vol.getFileName() + ".tmp." + pid);
        Path old = vol.resolveSibling(vol.getFileName() + ".old." + pid);
        HostCommand.of("btrfs", "subvolume", "snapshot", snap.toString(), tmp.toString()).run();
        try {
            if (limit > 0) setLimit(tmp, limit);
            if (n.layout() == VolumeName.Layout.IMAGE_FILE) Ext4.clearMmp(tmp.resolve(ImageDirectory.RAW_IN_SUBVOL));
            Files.move(vol, old, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            try {
                Files.move(tmp, vol, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                Files.move(old, vol, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            StorageException se = e instanceof StorageException s ? s : new StorageException("cannot roll back '" + volid
                    + "' to snapshot '" + snapname + "': " + e.getMessage(), e);
            try {
                deleteSubvolume(tmp);
            } catch (RuntimeException undo) {
                se.addSuppressed(undo);
            }
            throw se;
        }
        deleteSubvolume(old);
    }

    @Override
    public VolumePath snapshotPath(VolumeId volid, String snapname) {
        VolumeName n = ownBase(volid, snapname);
        Path snap = existingSnapshot(volid, n, snapname);
        return n.layout() == VolumeName.Layout.IMAGE_FILE
                ? new VolumePath.ImageFile(snap.resolve(ImageDirectory.RAW_IN_SUBVOL)) : new VolumePath.Directory(snap);
    }

    @Override
    public List<String> snapshots(VolumeId volid) {
        VolumeName n = own(volid);
        dir.requireExisting(volid);
        return dir.snapshotNames(n);
    }

    /** Renames the volume's subvolume to its base name and makes it read-only ({@code btrfs property set ro true}). */
    @Override
    public VolumeId createBase(VolumeId volid) {
        VolumeName n = own(volid);
        if (n.isBase() || n.snapshot().isPresent())
            throw new StorageException("volume '" + volid + "' is a base volume or a snapshot; cannot make it a template base");
        dir.requireExisting(volid);
        VolumeName base = n.asTemplateBase();
        Path from = dir.volumeDir(n), to = dir.volumeDir(base);
        if (Files.exists(to)) throw new StorageException("cannot make '" + volid + "' a base volume: " + to + " exists already");
        move(from, to);
        try {
            HostCommand.of("btrfs", "property", "set", "-ts", to.toString(), "ro", "true").run();
        } catch (RuntimeException e) {
            try {
                move(to, from);
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
        dir.requireExisting(base);
        Path from = dir.volumeDir(n), to = dir.volumeDir(n.asOrdinary());
        HostCommand.of("btrfs", "property", "set", "-ts", from.toString(), "ro", "false").run();
        move(from, to);
        return new VolumeId(id(), n.asOrdinary());
    }

    private static void move(Path from, Path to) {
        try {
            Files.move(from, to, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new StorageException("cannot rename " + from + " to " + to + ": " + e.getMessage(), e);
        }
    }

    /** Renames the volume's subvolume (raw: the subvolume holding disk.raw) into images/<targetVmid>/; its qgroup goes along. */
    @Override
    public VolumeId rename(VolumeId volid, int targetVmid, OptionalInt disk) {
        VolumeName n = own(volid);
        VolumeName.checkVmid(targetVmid);
        if (n.snapshot().isEmpty() && !n.isBase() && !dir.snapshotNames(n).isEmpty())
            throw new io.berth.error.StateException("cannot give volume '" + volid + "' to container " + targetVmid
                    + ": it has snapshots (" + String.join(", ", dir.snapshotNames(n)) + "); delete them first");
        return new VolumeId(id(), dir.rename(volid, targetVmid, disk, dir::volumeDir));
    }

    /** A writable btrfs snapshot of the base (or of its snapshot) as the new volume; a qgroup limit is carried over. */
    @Override
    public VolumeId linkedClone(VolumeId source, Optional<String> snapname, int newVmid) {
        VolumeName n = own(source);
        VolumeName.checkVmid(newVmid);
        if (n.snapshot().isPresent()) throw new StorageException("name the volume, not its snapshot: '" + source + "'");
        if (!n.isBase() && snapname.isEmpty())
            throw new StorageException("cannot make a linked clone of '" + source
                    + "': only template base volumes or snapshots can be cloned linked; use a full clone");
        dir.requireExisting(source);
        Path src = snapname.isPresent() ? existingSnapshot(source, n, snapname.get()) : dir.volumeDir(n);
        long limit = n.layout() == VolumeName.Layout.SUBVOL ? size(source) : 0;
        boolean createdDir = dir.ensureVmDir(newVmid);
        VolumeName name = null;
        try {
            name = dir.allocName(newVmid, d -> VolumeName.of(n.layout(), newVmid, d), c -> {
                Path p = dir.volumeDir(c);
                if (Files.exists(p)) return false;
                HostCommand snap = HostCommand.of("btrfs", "subvolume", "snapshot", src.toString(), p.toString());
                HostCommand.Result r = snap.runAllowingFailure();
                if (r.exitCode() == 0) return true;
                if (Files.exists(p)) return false;
                throw snap.failure(r);
            });
            if (limit > 0) setLimit(dir.volumeDir(name), limit);
            if (snapname.isPresent() && n.layout() == VolumeName.Layout.IMAGE_FILE) {
                Ext4.clearMmp(dir.volumeDir(name).resolve(ImageDirectory.RAW_IN_SUBVOL));
            }
            return new VolumeId(id(), name);
        } catch (RuntimeException e) {
            undoAlloc(e, name, createdDir, newVmid);
            throw e;
        }
    }

    @Override
    public StorageUsage usage() {
        MountpointCheck.check(def.id(), def.path(), def.isMountpoint());
        return dir.usage();
    }

    @Override
    public Optional<Path> templateDir() {
        return dir.templateDir(def.has(ContentType.VZTMPL));
    }
}
