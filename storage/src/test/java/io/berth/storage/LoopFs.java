package io.berth.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/** Test fixture: a sparse file on a loop device; teardown steps run in reverse, each even if another failed. */
final class LoopFs implements AutoCloseable {
    final Path image;
    final String loop;
    private final Deque<Runnable> undo = new ArrayDeque<>();

    LoopFs(Path dir, long size) throws IOException {
        image = dir.resolve("backing.img");
        Files.createFile(image);
        ImageDirectory.setLength(image, size);
        loop = HostCommand.of("losetup", "-f", "--show", image.toString()).run().strip();
        undo.push(() -> HostCommand.of("losetup", "-d", loop).run());
    }

    /** Registers a teardown step to run before the ones registered earlier. */
    void onClose(Runnable r) {
        undo.push(r);
    }

    @Override
    public void close() {
        RuntimeException first = null;
        while (!undo.isEmpty()) {
            try {
                undo.pop().run();
            } catch (RuntimeException e) {
                if (first == null) first = e;
                else first.addSuppressed(e);
            }
        }
        if (first != null) throw first;
    }
}
