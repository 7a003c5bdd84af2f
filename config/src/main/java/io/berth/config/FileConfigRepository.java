package io.berth.config;

import io.berth.error.DigestMismatchException;
import io.berth.error.ExistsException;
import java.util.List;
import java.util.Optional;

/**
 * Configs as files ({@code configDir/lxc/<vmid>.conf}, written atomically by {@link ConfigStore}); the
 * conditional writes compare digests under the store's per-container lock, which excludes other threads and
 * other processes on this host.
 */
public final class FileConfigRepository implements ConfigRepository {
    private final ConfigStore store;

    public FileConfigRepository(BerthRoots roots) { this.store = new ConfigStore(roots); }

    public BerthRoots roots() { return store.roots(); }

    @Override public VersionedConfig read(int vmid) { return store.loadVersioned(vmid); }

    @Override public Optional<VersionedConfig> readIfExists(int vmid) {
        try {
            return Optional.of(store.loadVersioned(vmid));
        } catch (NoSuchContainerException e) {
            return Optional.empty();
        }
    }

    @Override public boolean exists(int vmid) { return store.exists(vmid); }

    @Override public List<Integer> list() { return store.list(); }

    @Override public ConfigDigest create(int vmid, ConfigFile config) {
        try (ConfigStore.Lock l = store.lock(vmid)) {
            if (store.exists(vmid))
                throw new ExistsException("container " + vmid + " already exists (" + store.roots().containerConfig(vmid) + ")");
            store.write(vmid, config);
            return digestOf(config);
        }
    }

    @Override public ConfigDigest write(int vmid, ConfigFile config, ConfigDigest expected) {
        try (ConfigStore.Lock l = store.lock(vmid)) {
            check(vmid, expected);
            store.write(vmid, config);
            return digestOf(config);
        }
    }

    @Override public void delete(int vmid, ConfigDigest expected) {
        try (ConfigStore.Lock l = store.lock(vmid)) {
            check(vmid, expected);
            store.delete(vmid);
        }
    }

    private void check(int vmid, ConfigDigest expected) {
        ConfigDigest actual = store.digest(vmid);
        if (!actual.equals(expected))
            throw new DigestMismatchException("the config of container " + vmid, expected.hex(), actual.hex());
    }

    /** What {@link ConfigStore#write} put in the file is the printer's output, so its digest is known without a re-read. */
    private static ConfigDigest digestOf(ConfigFile config) {
        return ConfigDigest.of(ConfigPrinter.print(config).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
