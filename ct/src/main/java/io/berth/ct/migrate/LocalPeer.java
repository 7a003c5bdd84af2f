package io.berth.ct.migrate;

import io.berth.error.InvalidInputException;
import io.berth.storage.ContentType;
import io.berth.storage.Storage;
import io.berth.storage.Storages;
import io.berth.storage.VolumeId;
import java.io.InputStream;
import java.util.function.IntConsumer;
import java.util.function.Supplier;

/** The target side of a migration, run on the target node (or, in tests, for another root in the same process). */
public final class LocalPeer implements MigrationPeer {
    private final String node;
    private final Supplier<Storages> storages;
    private final IntConsumer start;

    public LocalPeer(String node, Supplier<Storages> storages, IntConsumer start) {
        this.node = node;
        this.storages = storages;
        this.start = start;
    }

    @Override public String node() { return node; }

    @Override public String checkStorage(String storage, boolean shared) {
        Storage s;
        try {
            s = storages.get().get(storage);
        } catch (RuntimeException e) {
            throw new InvalidInputException("target-storage", "storage '" + storage + "' is not configured on node '" + node
                    + "': " + e.getMessage());
        }
        if (!s.def().nodes().isEmpty() && !s.def().nodes().contains(node))
            throw new InvalidInputException("target-storage", "storage '" + storage + "' is not available on node '" + node
                    + "' (storage.cfg: nodes " + String.join(",", s.def().nodes()) + "); choose one with --target-storage");
        if (s.def().disable()) throw new InvalidInputException("target-storage", "storage '" + storage + "' is disabled on node '" + node + "'");
        if (!s.def().has(ContentType.ROOTDIR))
            throw new InvalidInputException("target-storage", "content type 'rootdir' is not available on storage '" + storage
                    + "' of node '" + node + "'");
        if (shared && !s.capabilities().shared())
            throw new InvalidInputException("target-storage", "storage '" + storage + "' is shared on the source node but not on node '"
                    + node + "' (storage.cfg differs between the nodes)");
        return s.def().type();
    }

    @Override public VolumeId receiveVolume(String storage, int vmid, VolumeMeta meta, InputStream data) {
        checkStorage(storage, false);
        return VolumeStream.receive(storages.get().get(storage), vmid, meta, data);
    }

    @Override public void freeVolume(VolumeId volid) {
        Storages s = storages.get();
        if (s.storageOf(volid).exists(volid)) s.free(volid);
    }

    @Override public void start(int vmid) { start.accept(vmid); }
}
