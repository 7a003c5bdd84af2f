package io.berth.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.error.DigestMismatchException;
import io.berth.error.ExistsException;
import io.berth.error.LockedException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileConfigRepositoryTest {
    @TempDir Path tmp;

    static ConfigFile base() {
        return ConfigFile.of(ContainerConfig.empty().with("arch", "amd64").with("hostname", "ct").with("rootfs", "local:8"));
    }

    /** Proxmox's digest is sha1_hex of the raw file: the same as the sha1sum tool prints for the file. */
    @Test void digestIsTheSha1OfTheRawFileAsProxmoxComputesIt() throws Exception {
        var repo = new FileConfigRepository(BerthRoots.resolve(tmp.toString()));
        ConfigDigest created = repo.create(100, base());
        Path file = tmp.resolve("etc/lxc/100.conf");
        Process p = new ProcessBuilder("sha1sum", file.toString()).start();
        String sha1sum = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split(" ")[0];
        assertThat(p.waitFor()).isZero();
        assertThat(repo.read(100).digest().hex()).isEqualTo(sha1sum).isEqualTo(created.hex());
    }

    @Test void writeIfDigestRefusesAStaleDigestAndLeavesTheFile() throws Exception {
        var repo = new FileConfigRepository(BerthRoots.resolve(tmp.toString()));
        repo.create(100, base());
        VersionedConfig v1 = repo.read(100);
        ConfigDigest d2 = repo.write(100, v1.config().withMain(v1.config().main().with("memory", "256")), v1.digest());
        Path file = tmp.resolve("etc/lxc/100.conf");
        String before = Files.readString(file);
        assertThatThrownBy(() -> repo.write(100, v1.config().withMain(v1.config().main().with("cores", "2")), v1.digest()))
                .isInstanceOf(DigestMismatchException.class)
                .hasMessageContaining(v1.digest().hex()).hasMessageContaining(d2.hex());
        assertThat(Files.readString(file)).isEqualTo(before);
        assertThatThrownBy(() -> repo.delete(100, v1.digest())).isInstanceOf(DigestMismatchException.class);
        repo.delete(100, d2);
        assertThat(repo.exists(100)).isFalse();
    }

    @Test void twentyConcurrentCreatesOfOneIdExactlyOneWins() throws Exception {
        var repo = new FileConfigRepository(BerthRoots.resolve(tmp.toString()));
        AtomicInteger won = new AtomicInteger();
        AtomicInteger exists = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        try (ExecutorService ex = Executors.newFixedThreadPool(20)) {
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                String host = "h" + i;
                fs.add(ex.submit(() -> {
                    go.await();
                    try {
                        repo.create(2001, ConfigFile.of(base().main().with("hostname", host)));
                        won.incrementAndGet();
                    } catch (ExistsException e) {
                        exists.incrementAndGet();
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : fs) f.get();
        }
        assertThat(won).hasValue(1);
        assertThat(exists).hasValue(19);
    }

    @Test void fiftyConcurrentUpdatesOfDifferentKeysLoseNothing() throws Exception {
        var repo = new FileConfigRepository(BerthRoots.resolve(tmp.toString()));
        repo.create(2002, base());
        try (ExecutorService ex = Executors.newFixedThreadPool(10)) {
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                int n = i;
                fs.add(ex.submit(() -> repo.update(2002, f -> f.withMain(f.main().with("unused" + n, "local:2002/vm-2002-disk-" + n + ".raw")))));
            }
            for (Future<?> f : fs) f.get();
        }
        ContainerConfig m = repo.read(2002).config().main();
        for (int i = 0; i < 50; i++) assertThat(m.get("unused" + i)).as("key %d", i).isPresent();
    }

    @Test void lockValueIsSetRefusedAndCleared() {
        var repo = new FileConfigRepository(BerthRoots.resolve(tmp.toString()));
        repo.create(2003, base());
        repo.setLock(2003, ConfigLock.BACKUP);
        assertThat(repo.read(2003).config().main().lock()).contains("backup");
        assertThatThrownBy(() -> repo.setLock(2003, ConfigLock.SNAPSHOT)).isInstanceOf(LockedException.class)
                .hasMessageContaining("container 2003 is locked (backup)").hasMessageContaining("berth unlock 2003");
        repo.clearLock(2003, ConfigLock.SNAPSHOT); // not ours: stays
        assertThat(repo.read(2003).config().main().lock()).contains("backup");
        repo.clearLock(2003, ConfigLock.BACKUP);
        assertThat(repo.read(2003).config().main().lock()).isEmpty();
        repo.setLock(2003, ConfigLock.SNAPSHOT_DELETE);
        assertThat(repo.read(2003).config().main().lock()).contains("snapshot-delete");
        repo.unlock(2003);
        assertThat(repo.read(2003).config().main().lock()).isEmpty();
        assertThatThrownBy(() -> ConfigLock.parse("bogus")).hasMessageContaining("'bogus' is invalid; allowed: backup, create");
    }

    @Test void filesNoWriterProducesAreRefusedAtLoadWithTheReason() throws Exception {
        var repo = new FileConfigRepository(BerthRoots.resolve(tmp.toString()));
        Path file = tmp.resolve("etc/lxc/2004.conf");
        Files.createDirectories(file.getParent());
        record Case(byte[] content, String reason) {}
        for (Case c : List.of(
                new Case(new byte[0], "the file is empty"),
                new Case("\n \n".getBytes(), "the file is empty"),
                new Case("arch: amd64\r\nostype: debian\r\n".getBytes(), ":1: Windows line ending (CR LF)"),
                new Case("arch: amd64\nhostname: ct\nrootfs: local:2004/vm-2004-di".getBytes(), ":3: the last line does not end with a newline"),
                new Case(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0, '\n'}, "binary byte 0x00 at offset 4"),
                new Case(new byte[] {'a', ':', ' ', (byte) 0xff, '\n'}, "not valid UTF-8"))) {
            Files.write(file, c.content());
            assertThatThrownBy(() -> repo.read(2004)).as(c.reason()).isInstanceOf(ConfigException.class)
                    .hasMessageContaining(file.toString()).hasMessageContaining(c.reason())
                    .hasMessageNotContaining("Input length").hasMessageNotContaining("Exception");
        }
    }

    @Test void locksNameTheirOwnerWhenRefused() throws Exception {
        var locks = new FileLocks(BerthRoots.resolve(tmp.toString()));
        try (Locks.Held h = locks.lock(2005, "UPID:n:1:2:3:vzstart:2005:root@pam:", Duration.ofSeconds(1))) {
            Future<?> other;
            try (ExecutorService ex = Executors.newSingleThreadExecutor()) {
                other = ex.submit(() -> locks.lock(2005, "someone else", Duration.ofMillis(100)));
                assertThatThrownBy(other::get).cause().isInstanceOf(LockedException.class)
                        .hasMessageContaining("can't lock container 2005: UPID:n:1:2:3:vzstart:2005:root@pam: holds its lock");
            }
            // reentrant in the holding thread
            try (Locks.Held again = locks.lock(2005, "nested", Duration.ZERO)) {
                assertThat(again).isNotNull();
            }
        }
        try (Locks.Held h = locks.lock(2005, "second", Duration.ofMillis(100))) {
            assertThat(locks.owner(2005)).contains("second");
        }
    }

    /** Each holder's owner is in the file while it holds the lock: longer, shorter, or the same text as the last one. */
    @Test void theLockFileNamesTheCurrentOwnerWhateverTheOneBefore() throws Exception {
        var locks = new FileLocks(BerthRoots.resolve(tmp.toString()));
        for (String owner : java.util.List.of("a longer owner text (pid 12345, thread x)", "short", "short", "same length!", "Same length!", "")) {
            try (Locks.Held h = locks.lock(2006, owner, Duration.ofMillis(100))) {
                assertThat(locks.owner(2006)).isEqualTo(owner.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(owner));
                assertThat(Files.readString(tmp.resolve("var/lock/lxc-2006.lock"))).isEqualTo(owner + "\n");
            }
        }
    }
}
