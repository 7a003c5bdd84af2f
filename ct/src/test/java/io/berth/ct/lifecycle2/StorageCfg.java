package io.berth.ct.lifecycle2;

import io.berth.ct.CtFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a test root's {@code storage.cfg}. Once the file exists, Berth no longer adds the embedded {@code local}
 * storage, so it is declared here explicitly at the place the default would be.
 */
final class StorageCfg {
    private StorageCfg() {}

    static void write(CtFixture f, String extraSections) throws IOException {
        Path cfg = f.svc.roots().storageCfg();
        Files.createDirectories(cfg.getParent());
        Files.writeString(cfg, "dir: local\n\tpath " + f.svc.roots().defaultStorageDir()
                + "\n\tcontent rootdir,images,vztmpl,backup\n\n" + extraSections);
    }
}
