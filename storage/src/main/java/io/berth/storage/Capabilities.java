package io.berth.storage;

import java.util.Set;

/**
 * What a storage driver can do, as data, so callers ask instead of switching on the type.
 *
 * @param subvols    can allocate subvol directories (size 0, or size-limited with quota)
 * @param rawImages  can allocate raw ext4 images (files or block devices)
 * @param snapshots  can snapshot volumes (which format: see {@link #snapshotFormats})
 * @param snapshotFormats formats whose volumes can be snapshotted
 * @param quota      subvol sizes are enforced (btrfs qgroups)
 * @param shared     the same storage is visible on several nodes
 * @param contentTypes content configured for this storage
 * @param templates  volumes can be turned into read-only template base volumes ({@code base-...})
 * @param linkedClones new volumes can share a base volume's or snapshot's data (copy-on-write clones)
 */
public record Capabilities(boolean subvols, boolean rawImages, boolean snapshots,
                           Set<VolumeFormat> snapshotFormats, boolean quota, boolean shared,
                           Set<ContentType> contentTypes, boolean templates, boolean linkedClones) {
    public Capabilities {
        snapshotFormats = Set.copyOf(snapshotFormats);
        contentTypes = Set.copyOf(contentTypes);
    }
}
