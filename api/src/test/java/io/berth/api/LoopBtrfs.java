package io.berth.api;

import io.berth.sys.ProcessRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A btrfs on a loop device of the test's own, so snapshots work; storage {@code bt} on it beside the default {@code local}. */
final class LoopBtrfs implements AutoCloseable {
    final Path dir;
    Path mount;
    private String loop;

    LoopBtrfs(String size) {
        try {
            dir = Files.createTempDirectory("berth-api-btrfs-");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        try {
            Path image = dir.resolve("btrfs.img");
            ProcessRunner.of("truncate", "-s", size, image.toString()).run().orThrow();
            loop = ProcessRunner.of("losetup", "-f", "--show", image.toString()).run().orThrow().stdout().strip();
            ProcessRunner.of("mkfs.btrfs", "-q", loop).run().orThrow();
            mount = dir.resolve("mnt");
            Files.createDirectories(mount);
            ProcessRunner.of("mount", loop, mount.toString()).run().orThrow();
        } catch (IOException | RuntimeException e) {
            close();
            throw new IllegalStateException("cannot set up a loop btrfs: " + e.getMessage(), e);
        }
    }

    void storageCfg(ApiFixture f) throws IOException {
        Path cfg = f.ct.roots().storageCfg();
        Files.createDirectories(cfg.getParent());
        Files.writeString(cfg, "dir: local\n\tpath " + f.ct.roots().defaultStorageDir()
                + "\n\tcontent rootdir,images,vztmpl,backup\n\n"
                + "btrfs: bt\n\tpath " + mount.resolve("bt") + "\n\tcontent rootdir,images\n");
    }

    @Override public void close() {
        try {
            if (mount != null && !ProcessRunner.of("umount", mount.toString()).run().ok()) ProcessRunner.of("umount", "-l", mount.toString()).run();
            if (loop != null) ProcessRunner.of("losetup", "-d", loop).run();
        } finally {
            ProcessRunner.of("rm", "-rf", "--one-file-system", dir.toString()).run();
        }
    }
}
