package io.berth.ct.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.config.BerthRoots;
import io.berth.ct.lifecycle.ConfigIo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A listing keeps what it read from each config while the file is unchanged (parsing 100 configs per status was
 * most of its cost): every kind of change a writer makes must still show in the next listing.
 */
class StatusListCacheTest {
    @TempDir Path tmp;

    @Test void aListingShowsEveryConfigChangeWhileTheRestIsKept() throws Exception {
        BerthRoots roots = BerthRoots.resolve(tmp.toString());
        StatusService svc = new StatusService(roots, new ConfigIo(roots));
        Path dir = Files.createDirectories(roots.containerConfig(2140).getParent());
        FileTime old = FileTime.from(Instant.now().minusSeconds(60));
        for (int v = 2140; v < 2143; v++) {
            Path f = roots.containerConfig(v);
            Files.writeString(f, conf("h" + v, ""));
            Files.setLastModifiedTime(f, old);
        }
        settle();
        assertThat(names(svc)).containsExactly("h2140", "h2141", "h2142");
        assertThat(names(svc)).containsExactly("h2140", "h2141", "h2142"); // from what the first listing kept

        // same size and an old mtime set by hand: only the new inode (every writer renames a new file) and its ctime tell
        Path tmpFile = dir.resolve(".2141.conf.tmp");
        Files.writeString(tmpFile, conf("x2141", ""));
        Files.setLastModifiedTime(tmpFile, old);
        Files.move(tmpFile, roots.containerConfig(2141), StandardCopyOption.ATOMIC_MOVE);
        assertThat(names(svc)).containsExactly("h2140", "x2141", "h2142");

        Files.delete(roots.containerConfig(2142));
        assertThat(names(svc)).containsExactly("h2140", "x2141");

        settle();
        assertThat(names(svc)).containsExactly("h2140", "x2141");
        // rewritten in place (same inode), e.g. by an editor
        Files.writeString(roots.containerConfig(2140), conf("h2140", "lock: backup\n"));
        List<ContainerStatus> all = svc.list();
        assertThat(all.getFirst().lock()).isEqualTo(Optional.of("backup"));
        // a config that no longer parses still shows up, by id, and is read again once fixed
        Files.writeString(roots.containerConfig(2141), "memory: lots\n");
        assertThat(names(svc)).containsExactly("h2140", "CT2141");
        Files.writeString(roots.containerConfig(2141), conf("y2141", ""));
        assertThat(names(svc)).containsExactly("h2140", "y2141");
    }

    /** status of one container uses the same cache: a change shows at once, a missing or broken config is reported. */
    @Test void aStatusOfOneShowsEveryConfigChange() throws Exception {
        BerthRoots roots = BerthRoots.resolve(tmp.toString());
        StatusService svc = new StatusService(roots, new ConfigIo(roots));
        Path f = roots.containerConfig(2150);
        Files.createDirectories(f.getParent());
        Files.writeString(f, conf("a2150", ""));
        Files.setLastModifiedTime(f, FileTime.from(Instant.now().minusSeconds(60)));
        settle();
        assertThat(svc.status(2150).name()).isEqualTo("a2150");
        assertThat(svc.status(2150).name()).isEqualTo("a2150"); // kept
        Files.writeString(f, conf("a2150", "lock: backup\n")); // in place, same inode
        assertThat(svc.status(2150).lock()).isEqualTo(Optional.of("backup"));
        Files.writeString(f, "memory: lots\n");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> svc.status(2150)).isInstanceOf(io.berth.error.InvalidInputException.class);
        Files.delete(f);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> svc.status(2150)).isInstanceOf(io.berth.config.NoSuchContainerException.class);
    }

    private static String conf(String hostname, String extra) {
        return "arch: amd64\nhostname: " + hostname + "\n" + extra + "ostype: debian\nrootfs: local:9/vm-9-disk-0.raw,size=1G\n";
    }

    private static List<String> names(StatusService svc) {
        return svc.list().stream().map(ContainerStatus::name).toList();
    }

    /** Files written within the last second are read again on every listing; wait until these are older. */
    private static void settle() throws InterruptedException {
        long until = System.nanoTime() + 1_300_000_000L;
        while (System.nanoTime() < until) Thread.sleep(50);
    }
}
