package io.berth.ct.storage;

import io.berth.config.BerthRoots;
import io.berth.config.ConfigStore;
import io.berth.storage.Storages;

/** The container configs and the configured storages of one Berth root. */
public record StorageContext(BerthRoots roots, ConfigStore configs, Storages storages) {
    /** Loads {@code storage.cfg} of {@code roots}, or the default {@code local} dir storage under the state root. */
    public static StorageContext open(BerthRoots roots) {
        return new StorageContext(roots, new ConfigStore(roots), Storages.load(roots.storageCfg(), roots.defaultStorageDir()));
    }
}
