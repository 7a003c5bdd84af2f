package io.berth.ct;

import io.berth.storage.HostCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A btrfs of the test's own on a loop device, with two storages on it as a Proxmox admin would set them up:
 * {@code bt} (sized disks are raw ext4 images, each in its own subvolume) and {@code bq} ({@code quotas 1}: sized
 * disks are subvolumes with a qgroup limit); plus the default {@code local} dir storage.
 */
public final class LoopBtrfs implements AutoCloseable {
    public final Path dir;
    public final Path mount;
    private String loop;

    public LoopBtrfs(String size) throws IOException {
        dir = Files.createTempDirectory("berth-test-btrfs-");
        try {
            Path image = dir.resolve("btrfs.img");
            run("truncate", "-s", size, image.toString());
            loop = run("losetup", "-f", "--show", image.toString()).strip();
            run("mkfs.btrfs", "-q", loop);
            mount = Files.createDirectories(dir.resolve("mnt"));
            run("mount", loop, mount.toString());
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** One btrfs for all the tests of a class: {@code @RegisterExtension static final LoopBtrfs.PerClass fs = LoopBtrfs.perClass("1G")}. */
    public static PerClass perClass(String size) { return new PerClass(size); }

    /** Made before the class's first test, removed after its last. */
    public static final class PerClass implements BeforeAllCallback, AfterAllCallback {
        private final String size;
        private LoopBtrfs fs;

        private PerClass(String size) { this.size = size; }

        @Override public void beforeAll(ExtensionContext context) throws IOException { fs = new LoopBtrfs(size); }

        @Override public void afterAll(ExtensionContext context) {
            if (fs != null) fs.close();
            fs = null;
        }

        public Path mount() { return fs.mount; }

        public void storageCfg(CtFixture f) throws IOException { fs.storageCfg(f); }
    }

    public static String run(String... argv) {
        return HostCommand.of(argv).run();
    }

    /** Writes the fixture's storage.cfg: local (dir), bt and bq on this btrfs. */
    public void storageCfg(CtFixture f) throws IOException {
        Path cfg = f.svc.roots().storageCfg();
        Files.createDirectories(cfg.getParent());
        Files.writeString(cfg, "dir: local\n\tpath " + f.svc.roots().defaultStorageDir()
                + "\n\tcontent rootdir,images,vztmpl,backup\n\n"
                + "btrfs: bt\n\tpath " + mount.resolve("bt") + "\n\tcontent rootdir,images\n\n"
                + "btrfs: bq\n\tpath " + mount.resolve("bq") + "\n\tcontent rootdir,images\n\tquotas 1\n");
    }

    @Override
    public void close() {
        try {
            if (mount != null && HostCommand.of("umount", mount.toString()).runAllowingFailure().exitCode() != 0)
                HostCommand.of("umount", "-l", mount.toString()).runAllowingFailure();
            if (loop != null) HostCommand.of("losetup", "-d", loop).runAllowingFailure();
        } finally {
            HostCommand.of("rm", "-rf", "--one-file-system", dir.toString()).runAllowingFailure();
        }
    }
}
