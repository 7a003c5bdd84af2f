package io.berth.storage;

import io.berth.error.InvalidInputException;
import io.berth.error.NotFoundException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/** A configured storage, by driver. Operations on a volume of another storage are refused. */
public sealed interface Storage permits DirStorage, BtrfsStorage, LvmThinStorage {
    /** The storage's name in storage.cfg. */
    default String id() { return def().id(); }

    StorageDef def();

    Capabilities capabilities();

    /**
     * Allocates the next free disk of {@code vmid}: size 0 gives a subvol directory (dir, btrfs); otherwise a
     * raw ext4 image/LV (or a quota-limited subvol on btrfs with quotas), its root owned by uid:gid.
     * A failure half-way removes what was created.
     */
    VolumeId alloc(int vmid, long sizeBytes, int ownerUid, int ownerGid);

    /** Removes a volume (for a base volume, its snapshots too). */
    void free(VolumeId volid);

    /** Volumes on this storage, all or those owned by one vmid, sorted by volume id. Snapshots are not listed. */
    List<VolumeInfo> list(OptionalInt vmid);

    VolumePath path(VolumeId volid);

    /** Size in bytes: image/LV size, or the quota limit of a subvol (0 = unlimited). */
    long size(VolumeId volid);

    /** Grows a volume and its ext4 filesystem or quota limit; shrinking is refused. */
    void resize(VolumeId volid, long newSizeBytes);

    void activate(VolumeId volid);

    void deactivate(VolumeId volid);

    /**
     * A read-only snapshot {@code snapname} of the volume. Only volumes whose format is in
     * {@link Capabilities#snapshotFormats()} can be snapshotted; others get "storage X cannot snapshot ...".
     */
    void snapshot(VolumeId volid, String snapname);

    /** Removes snapshot {@code snapname} of the volume; fails if it does not exist. */
    void deleteSnapshot(VolumeId volid, String snapname);

    /**
     * Makes the volume's content that of its snapshot {@code snapname} again (the snapshot stays). The volume must
     * not be in use. Either the volume is rolled back or it is left as it was.
     */
    void rollbackSnapshot(VolumeId volid, String snapname);

    /** Where snapshot {@code snapname} of the volume is (read-only), e.g. to back it up. */
    VolumePath snapshotPath(VolumeId volid, String snapname);

    /** The snapshot names of a volume, sorted. */
    List<String> snapshots(VolumeId volid);

    /**
     * Turns a volume into a template's read-only base volume, renamed as Proxmox names it ({@code base-...},
     * {@code basevol-...}); returns its new id. Needs {@link Capabilities#templates()}.
     */
    VolumeId createBase(VolumeId volid);

    /** Undoes {@link #createBase}: the base volume becomes the ordinary writable volume again. */
    VolumeId revertBase(VolumeId base);

    /**
     * A linked (copy-on-write) clone for {@code newVmid} of a base volume, or of a volume's snapshot {@code snapname}:
     * a new ordinary volume ({@code vm-<newVmid>-disk-<n>}, {@code subvol-<newVmid>-disk-<n>}). Needs
     * {@link Capabilities#linkedClones()}.
     */
    VolumeId linkedClone(VolumeId source, java.util.Optional<String> snapname, int newVmid);

    /**
     * Gives the volume to container {@code targetVmid} (Proxmox's rename_volume, for {@code move-volume
     * --target-vmid}): renames it to the target's next free disk name, or to disk {@code disk} if given (an undo
     * restoring the old name). Never renames over an existing volume. Refused for base volumes, snapshots and
     * volumes with storage snapshots (they would stay behind under the old name). The volume must not be in use.
     */
    VolumeId rename(VolumeId volid, int targetVmid, OptionalInt disk);

    /** Whether this storage can snapshot the volume: decided from {@link #capabilities()}, no I/O. */
    default boolean canSnapshot(VolumeId volid) {
        Capabilities c = capabilities();
        return c.snapshots() && c.snapshotFormats().contains(volid.format());
    }

    /** The error for a volume this storage cannot snapshot, naming the storage, the volume and what would work. */
    default StorageException cannotSnapshot(VolumeId volid) {
        return new StorageException("storage '" + id() + "' cannot snapshot volume '" + volid + "' ("
                + def().type() + " storage, format " + volid.format().key()
                + "): snapshots need btrfs (subvol and raw) or lvmthin (raw) storage");
    }

    /** Space of the storage (statvfs of its path, or the thin pool's data usage); fails if it is not available. */
    StorageUsage usage();

    /** {@code <path>/template/cache} if this storage holds {@code vztmpl} content. */
    Optional<Path> templateDir();

    default boolean exists(VolumeId volid) {
        try {
            path(volid);
            return true;
        } catch (StorageException | NotFoundException | InvalidInputException e) {
            return false;
        }
    }
}
