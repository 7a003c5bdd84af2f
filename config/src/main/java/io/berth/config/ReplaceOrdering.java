package io.berth.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Whether a file renamed over an existing one has its data on disk before the rename is: true on ext4 with a journal in
 * {@code data=ordered} (or {@code data=journal}) mode and {@code auto_da_alloc}, the defaults. There a rename that
 * replaces a file forces the new file's delayed blocks to be allocated, and the ordered commit writes them before it
 * commits the rename (the kernel's Documentation/admin-guide/ext4.rst, {@code auto_da_alloc}): the directory's fsync
 * after the rename makes the new content durable with one journal commit, where fsync of the file, rename and fsync of
 * the directory cost two. Each commit carries whatever else the filesystem has pending (all of a template extraction's
 * metadata, for create's final config) and a cache flush, so this halves the durable config write. Read from
 * {@code /proc/fs/ext4/DEV/options} of the directory's device; false whenever anything is not as described, and then the
 * caller fsyncs the file first.
 */
final class ReplaceOrdering {
    private ReplaceOrdering() {}

    static boolean dataBeforeRename(Path dir) {
        try {
            long dev = (Long) Files.getAttribute(dir, "unix:dev");
            // glibc's major()/minor() of a dev_t
            long major = ((dev >>> 8) & 0xfffL) | ((dev >>> 32) & 0xfffff000L);
            long minor = (dev & 0xffL) | ((dev >>> 12) & 0xffffff00L);
            String name = null;
            for (String l : Files.readAllLines(Path.of("/sys/dev/block/" + major + ":" + minor + "/uevent"))) {
                if (l.startsWith("DEVNAME=")) name = l.substring("DEVNAME=".length());
            }
            if (name == null || name.isEmpty() || name.contains("/") || name.startsWith(".")) return false;
            // only a journaled ext4 lists data=; nojournal ext4 (no ordering at all) lists none
            List<String> opts = Files.readAllLines(Path.of("/proc/fs/ext4", name, "options"));
            return opts.contains("auto_da_alloc") && (opts.contains("data=ordered") || opts.contains("data=journal"));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
