package io.berth.ct.lifecycle2;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A btrfs filesystem of the test's own: a sparse file on a loop device, mounted below the test's temp dir. */
final class LoopBtrfs implements AutoCloseable {
    final Path mount;
    final String loop;
    private final Undo undo = new Undo();

    LoopBtrfs(Path dir, String size) throws IOException {
        try {
            Files.createDirectories(dir);
            Path image = dir.resolve("btrfs.img");
            Host.run("truncate", "-s", size, image.toString());
            undo.push(() -> Files.deleteIfExists(image));
            loop = Host.run("losetup", "-f", "--show", image.toString()).strip();
            undo.push(() -> Host.run("losetup", "-d", loop));
            Host.run("mkfs.btrfs", "-q", loop);
            mount = Files.createDirectories(dir.resolve("mnt"));
            Host.run("mount", loop, mount.toString());
            // a mount a failed test left busy is detached lazily so the loop device can still go
            undo.push(() -> {
                if (Host.tryRun("umount", mount.toString()).exitCode() != 0) Host.run("umount", "-l", mount.toString());
            });
        } catch (RuntimeException e) {
            try {
                undo.close();
            } catch (RuntimeException u) {
                e.addSuppressed(u);
            }
            throw e;
        }
    }

    /** The names of all subvolumes on this filesystem, as {@code btrfs subvolume list} reports their paths. */
    String subvolumes() {
        return Host.run("btrfs", "subvolume", "list", mount.toString());
    }

    @Override
    public void close() {
        undo.close();
    }
}
