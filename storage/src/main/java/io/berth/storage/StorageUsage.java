package io.berth.storage;

/**
 * Space of a storage in bytes, as statvfs reports it for path storages or {@code lvs} for a thin pool.
 * {@code avail} is what a new volume can use (for a thin pool: the pool's unused data space).
 */
public record StorageUsage(long total, long used, long avail) {
    public StorageUsage {
        if (total < 0 || used < 0 || avail < 0)
            throw new StorageException("invalid storage usage total=" + total + " used=" + used + " avail=" + avail
                    + ": allowed values >= 0");
    }
}
