package io.berth.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When a durable config write may skip the file's own fsync ({@link ReplaceOrdering}): on fresh loop-mounted ext4
 * filesystems of each kind, and the observable effect where it is skipped: by the time the write returns, the new
 * file's blocks are allocated (the rename forced them out of delayed allocation), not waiting in the page cache.
 */
class ReplaceOrderingTest {
    @TempDir Path tmp;

    static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException(String.join(" ", cmd) + " failed: " + out);
        return out;
    }

    /** A fresh ext4 (mkfs options {@code mkfs}) mounted with {@code mountOpts} at a new dir; the mount points, to unmount. */
    Path ext4(String name, List<String> mkfs, String mountOpts, List<Path> mounts) throws Exception {
        Path img = tmp.resolve(name + ".img"), dir = tmp.resolve(name);
        Files.createDirectories(dir);
        run("truncate", "-s", "64M", img.toString());
        List<String> cmd = new ArrayList<>(List.of("mkfs.ext4", "-q", "-F"));
        cmd.addAll(mkfs);
        cmd.add(img.toString());
        run(cmd.toArray(String[]::new));
        run("mount", "-o", "loop" + (mountOpts.isEmpty() ? "" : "," + mountOpts), img.toString(), dir.toString());
        mounts.add(dir);
        return dir;
    }

    @Test void onlyJournaledOrderedExt4WithAutoDaAllocOrdersTheReplacingData() throws Exception {
        List<Path> mounts = new ArrayList<>();
        try {
            Path ordered = ext4("ordered", List.of(), "", mounts);
            assertThat(ReplaceOrdering.dataBeforeRename(ordered)).as("ext4 defaults").isTrue();
            assertThat(ReplaceOrdering.dataBeforeRename(ext4("journal", List.of(), "data=journal", mounts))).isTrue();
            assertThat(ReplaceOrdering.dataBeforeRename(ext4("noauto", List.of(), "noauto_da_alloc", mounts))).isFalse();
            assertThat(ReplaceOrdering.dataBeforeRename(ext4("writeback", List.of(), "data=writeback", mounts))).isFalse();
            assertThat(ReplaceOrdering.dataBeforeRename(ext4("nojournal", List.of("-O", "^has_journal"), "", mounts))).isFalse();
            assertThat(ReplaceOrdering.dataBeforeRename(tmp.resolve("missing"))).isFalse();

            // a durable replace there: no delayed-allocation extent left in the new config once write returns
            ConfigStore s = new ConfigStore(BerthRoots.resolve(ordered.resolve("root").toString()));
            s.create(100, ConfigStoreTest.base(), false);
            Path conf = ordered.resolve("root/etc/lxc/100.conf");
            assertThat(run("filefrag", "-v", conf.toString())).as("the interim write, not fsynced").contains("delalloc");
            s.write(100, ConfigStoreTest.increment(ConfigStoreTest.base()));
            assertThat(s.load(100)).isEqualTo(ConfigStoreTest.increment(ConfigStoreTest.base()));
            assertThat(run("filefrag", "-v", conf.toString())).doesNotContain("delalloc").doesNotContain("unknown_loc");
            // a durable new config replaces nothing, so nothing forces its blocks out: its own fsync still does
            s.create(101, ConfigStoreTest.base(), true);
            assertThat(run("filefrag", "-v", ordered.resolve("root/etc/lxc/101.conf").toString())).doesNotContain("delalloc");
        } finally {
            for (Path m : mounts.reversed()) run("umount", m.toString());
        }
    }
}
