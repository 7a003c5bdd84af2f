package io.berth.ct.migrate;

import io.berth.storage.VolumeId;
import java.io.InputStream;

/**
 * The target node of a migration as the source node sees it: the few operations migration needs there. Served by
 * {@link LocalPeer} on the target node itself; the source reaches it in-process or through the node-to-node call.
 */
public interface MigrationPeer {
    /** The target node's name. */
    String node();

    /**
     * Checks that the target can hold container volumes on {@code storage} (configured, enabled, {@code rootdir}
     * content) and, when {@code shared}, that it is a shared storage there too; throws naming node and storage.
     * Returns the storage's type there ({@code dir}, {@code btrfs}, {@code lvmthin}), which picks the stream format.
     */
    String checkStorage(String storage, boolean shared);

    /** Receives one volume of {@code vmid} onto {@code storage}; on failure nothing is left on the target. */
    VolumeId receiveVolume(String storage, int vmid, VolumeMeta meta, InputStream data);

    /** Frees a volume received earlier (undo after a later step failed). */
    void freeVolume(VolumeId volid);

    /** Starts the container on the target (after its config moved there). */
    void start(int vmid);
}
