package io.berth.storage;

import io.berth.error.InvalidInputException;
import java.util.Optional;
import java.util.regex.Pattern;

/** A storage volume id {@code storage:name}, e.g. {@code local:100/vm-100-disk-0.raw}, {@code local:subvol-100-disk-0}. */
public record VolumeId(String storage, VolumeName name) {
    /** Proxmox storage ids ({@code pve-storage-id}). */
    public static final Pattern STORAGE_ID = Pattern.compile("[a-z][a-z0-9\\-_.]*[a-z0-9]", Pattern.CASE_INSENSITIVE);

    public VolumeId {
        checkStorageId(storage);
    }

    public static void checkStorageId(String id) {
        if (id == null || !STORAGE_ID.matcher(id).matches())
            throw new InvalidInputException("storage", "invalid storage id '" + id
                    + "': allowed a letter, then letters, digits, '-', '_' or '.', ending in a letter or digit");
    }

    public static VolumeId parse(String volid) {
        int colon = volid.indexOf(':');
        if (colon < 0)
            throw new InvalidInputException("volume", "invalid volume id '" + volid + "': allowed 'STORAGE:NAME' with NAME "
                    + VolumeName.ALLOWED);
        String storage = volid.substring(0, colon);
        checkStorageId(storage);
        String rest = volid.substring(colon + 1);
        VolumeName name = VolumeName.tryParse(rest).orElseThrow(() -> new InvalidInputException("volume",
                "invalid volume name '" + rest + "' in volume id '" + volid + "': allowed " + VolumeName.ALLOWED));
        return new VolumeId(storage, name);
    }

    public static Optional<VolumeId> tryParse(String volid) {
        try {
            return Optional.of(parse(volid));
        } catch (InvalidInputException e) {
            return Optional.empty();
        }
    }

    /** The container that owns this volume (Proxmox frees a volume only for its owner). */
    public int ownerVmid() {
        return name.vmid();
    }

    public VolumeFormat format() {
        return name.format();
    }

    public Optional<String> snapshot() {
        return name.snapshot();
    }

    @Override
    public String toString() {
        return storage + ":" + name;
    }
}
