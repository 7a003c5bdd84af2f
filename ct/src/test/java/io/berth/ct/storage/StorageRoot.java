package io.berth.ct.storage;

import io.berth.config.BerthRoots;
import io.berth.storage.HostCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Test fixture: a Berth root in its own temp dir, with a storage.cfg and container configs written as text. */
final class StorageRoot implements AutoCloseable {
    final Path dir;
    final BerthRoots roots;

    StorageRoot() {
        try {
            dir = Files.createTempDirectory("berth-ct-storage-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        roots = BerthRoots.resolve(dir.toString());
    }

    /** A root whose {@code local} dir storage lives under {@code dir/store}. */
    static StorageRoot withLocalDir() {
        StorageRoot r = new StorageRoot();
        r.storageCfg("dir: local\n\tpath " + r.dir.resolve("store") + "\n\tcontent rootdir,images,vztmpl\n");
        return r;
    }

    StorageContext context() {
        return StorageContext.open(roots);
    }

    void storageCfg(String text) {
        write(roots.storageCfg(), text);
    }

    void config(int vmid, String text) {
        write(roots.containerConfig(vmid), text);
    }

    String config(int vmid) {
        try {
            return Files.readString(roots.containerConfig(vmid), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path p, String text) {
        try {
            Files.createDirectories(p.getParent());
            Files.writeString(p, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        // --one-file-system: never descend into a filesystem a failed test left mounted below
        HostCommand.of("rm", "-rf", "--one-file-system", "--", dir.toString()).run();
    }
}
