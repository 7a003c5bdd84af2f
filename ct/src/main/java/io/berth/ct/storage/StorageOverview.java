package io.berth.ct.storage;

import io.berth.storage.ContentType;
import io.berth.storage.Storage;
import io.berth.storage.StorageDef;
import io.berth.storage.StorageUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** {@code berth storage list|status} (pvesm status): the configured storages and, for status, their space. */
public final class StorageOverview {
    private final StorageContext ctx;

    public StorageOverview(StorageContext ctx) { this.ctx = ctx; }

    /**
     * One storage.
     *
     * @param location its directory, or {@code VG/THINPOOL} for lvmthin
     * @param usage    space when asked for and available; {@code error} says why it is not
     */
    public record Entry(String id, String type, String location, Set<ContentType> content, boolean enabled,
                        boolean shared, Optional<StorageUsage> usage, Optional<String> error) {
        public boolean active() { return usage.isPresent(); }
    }

    public List<Entry> list(boolean withUsage) {
        List<Entry> out = new ArrayList<>();
        for (Storage s : ctx.storages().all()) {
            StorageDef d = s.def();
            Optional<StorageUsage> usage = Optional.empty();
            Optional<String> error = Optional.empty();
            if (withUsage && !d.disable()) {
                try {
                    usage = Optional.of(s.usage());
                } catch (RuntimeException e) {
                    error = Optional.of(String.valueOf(e.getMessage()));
                }
            }
            out.add(new Entry(d.id(), d.type(), location(d), d.content(), !d.disable(), s.capabilities().shared(), usage, error));
        }
        return out;
    }

    private static String location(StorageDef d) {
        return switch (d) {
            case StorageDef.Dir dir -> dir.path().toString();
            case StorageDef.Btrfs b -> b.path().toString();
            case StorageDef.LvmThin l -> l.vgname() + "/" + l.thinpool();
        };
    }
}
