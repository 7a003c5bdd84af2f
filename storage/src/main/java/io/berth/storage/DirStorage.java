package io.berth.storage;

import io.berth.error.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * A directory storage: raw ext4 images {@code images/<vmid>/vm-<vmid>-disk-<n>.raw} and, for size 0,
 * subvol directories {@code images/<vmid>/subvol-<vmid>-disk-<n>} (no quota, no snapshots).
 */
public final class DirStorage implements Storage {
    private final StorageDef.Dir def;
    private final ImageDirectory dir;

    public DirStorage(StorageDef.Dir def) {
        this.def = def;
        this.dir = new ImageDirectory(def.id(), def.path());
    }

    @Override
    public StorageDef.Dir def() {
        return def;
    }

    @Override
    public Capabilities capabilities() {
        return new Capabilities(true, true, false, EnumSet.noneOf(VolumeFormat.class), false, def.shared(), def.content(),
                true, false);
    }

    /** Checks the storage is usable: its path exists (created if {@code mkdir}) and is mounted if it must be. */
    void checkOnline() {
        MountpointCheck.check(def.id(), def.path(), def.isMountpoint());
        if (!Files.isDirectory(def.path())) {
            if (!def.mkdir())
                throw new StorageException("storage '" + id() + "': directory " + def.path() + " does not exist (mkdir 0)");
            try {
                Files.createDirectories(def.path());
            } catch (IOException e) {
                throw new StorageException("storage '" + id() + "': cannot create " + def.path() + ": " + e.getMessage(), e);
            }
        }
    }

    @Override
    public VolumeId alloc(int vmid, long sizeBytes, int ownerUid, int ownerGid) {
        VolumeName.checkVmid(vmid);
        if (sizeBytes < 0) throw new InvalidInputException("size", "invalid size " + sizeBytes + ": allowed 0 (subvol) or more bytes");
        checkOnline();
        return sizeBytes == 0 ? dir.allocSubvolDir(vmid, ownerUid, ownerGid) : dir.allocRaw(vmid, sizeBytes, ownerUid, ownerGid);
    }

    private VolumeName own(VolumeId volid) {
        if (!volid.storage().equals(id()))
            throw new StorageException("volume '" + volid + "' is not on storage '" + id() + "'");
        VolumeName n = volid.name();
        return switch (n.layout()) {
            case IMAGE_FILE -> n;
            case SUBVOL -> {
                if (n.snapshot().isPresent())
                    throw new StorageException("volume '" + volid + "': dir storage '" + id() + "' has no snapshots");
                yield n;
            }
            case LV -> throw new StorageException("volume '" + volid + "': dir storage '" + id()
                    + "' holds '<vmid>/vm-<vmid>-disk-<n>.raw' and 'subvol-<vmid>-disk-<n>' volumes, not LVs");
        };
    }

    @Override
    public void free(VolumeId volid) {
        VolumeName n = own(volid);
        ImageDirectory.removeTree(dir.requireExisting(volid));
        dir.removeVmDirIfEmpty(n.vmid());
    }

    @Override
    public List<VolumeInfo> list(OptionalInt vmid) {
        return dir.names(vmid).stream()
                .filter(n -> n.snapshot().isEmpty())
                .map(n -> {
                    VolumeId id = new VolumeId(id(), n);
                    Path f = dir.file(n);
                    return n.layout() == VolumeName.Layout.IMAGE_FILE
                            ? new VolumeInfo(id, n.vmid(), VolumeFormat.RAW, ImageDirectory.fileSize(f), OptionalLong.empty(),
                            new VolumePath.ImageFile(f))
                            : new VolumeInfo(id, n.vmid(), VolumeFormat.SUBVOL, 0, OptionalLong.empty(),
                            new VolumePath.Directory(f));
                })
                .sorted(VolumeInfo.BY_VMID_AND_DISK)
                .toList();
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
        return n.layout() == VolumeName.Layout.IMAGE_FILE ? ImageDirectory.fileSize(f) : 0;
    }

    @Override
    public void resize(VolumeId volid, long newSizeBytes) {
        VolumeName n = own(volid);
        Path f = dir.requireExisting(volid);
        if (n.layout() != VolumeName.Layout.IMAGE_FILE)
            throw new StorageException("cannot resize subvol '" + volid + "': dir storage '" + id()
                    + "' has no quota; allowed only for raw images");
        ImageDirectory.growRaw(volid, f, newSizeBytes);
    }

    @Override
    public void activate(VolumeId volid) {
        own(volid);
        dir.requireExisting(volid); // files need no activation; just fail early if missing
    }

    @Override
    public void deactivate(VolumeId volid) {
        own(volid);
    }

    @Override
    public void snapshot(VolumeId volid, String snapname) {
        own(volid);
        throw cannotSnapshot(volid);
    }

    @Override
    public void deleteSnapshot(VolumeId volid, String snapname) {
        own(volid);
        throw cannotSnapshot(volid);
    }

    @Override
    public void rollbackSnapshot(VolumeId volid, String snapname) {
        own(volid);
        throw cannotSnapshot(volid);
    }

    @Override
    public VolumePath snapshotPath(VolumeId volid, String snapname) {
        own(volid);
        throw cannotSnapshot(volid);
    }

    @Override
    public List<String> snapshots(VolumeId volid) {
        own(volid);
        return List.of();
    }

    /** Renames the image or directory to its base name; a raw base image is made read-only (mode 0444). */
    @Override
    public VolumeId createBase(VolumeId volid) {
        VolumeName n = own(volid);
        if (n.isBase()) throw new StorageException("volume '" + volid + "' is a base volume already");
        return renameBase(volid, n, n.asTemplateBase(), "r--r--r--");
    }

    @Override
    public VolumeId revertBase(VolumeId base) {
        VolumeName n = own(base);
        if (!n.isBase()) throw new StorageException("volume '" + base + "' is not a base volume");
        return renameBase(base, n, n.asOrdinary(), "rw-r--r--");
    }

    private VolumeId renameBase(VolumeId volid, VolumeName from, VolumeName to, String rawMode) {
        Path src = dir.requireExisting(volid), dst = dir.file(to);
        if (Files.exists(dst, java.nio.file.LinkOption.NOFOLLOW_LINKS))
            throw new StorageException("cannot rename '" + volid + "': " + dst + " exists already");
        try {
            Files.move(src, dst, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            if (to.layout() == VolumeName.Layout.IMAGE_FILE)
                Files.setPosixFilePermissions(dst, java.nio.file.attribute.PosixFilePermissions.fromString(rawMode));
        } catch (IOException e) {
            throw new StorageException("cannot rename " + src + " to " + dst + ": " + e.getMessage(), e);
        }
        return new VolumeId(id(), to);
    }

    /** Renames the image file or subvol directory into images/<targetVmid>/. */
    @Override
    public VolumeId rename(VolumeId volid, int targetVmid, OptionalInt disk) {
        own(volid);
        VolumeName.checkVmid(targetVmid);
        return new VolumeId(id(), dir.rename(volid, targetVmid, disk, dir::file));
    }

    @Override
    public VolumeId linkedClone(VolumeId source, Optional<String> snapname, int newVmid) {
        own(source);
        throw new StorageException("storage '" + id() + "' cannot make linked clones of '" + source
                + "' (dir storage has no copy-on-write volumes): use a full clone (--full) or btrfs/lvmthin storage");
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
