package io.berth.ct.backup;

import static io.berth.ct.backup.BackupRestoreTest.backup;
import static io.berth.ct.backup.BackupRestoreTest.members;
import static io.berth.ct.backup.BackupRestoreTest.restore;
import static io.berth.ct.backup.BackupRestoreTest.storageCfg;
import static io.berth.ct.backup.BackupRestoreTest.vmid;
import static io.berth.ct.backup.BackupRestoreTest.withoutSkipped;
import static org.assertj.core.api.Assertions.assertThat;

import io.berth.ct.CtFixture;
import io.berth.storage.HostCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Backups on a btrfs storage of this class's own (loop file): snapshot mode takes the 'vzdump' snapshot of a raw
 * rootfs and a subvolume mount point while the container runs, archives them to the storage's dump dir and removes
 * the snapshot; the restore under a new id matches file by file.
 */
@Tag("root")
class BtrfsBackupTest {
    private static Path dir, mnt;
    private static String loop;

    @TempDir Path tmp;

    @BeforeAll
    static void btrfs() throws Exception {
        dir = Files.createTempDirectory("berth-backup-btrfs-");
        Path img = dir.resolve("btrfs.img");
        HostCommand.of("truncate", "-s", "1G", img.toString()).run();
        loop = HostCommand.of("losetup", "-f", "--show", img.toString()).run().strip();
        HostCommand.of("mkfs.btrfs", "-q", loop).run();
        mnt = Files.createDirectories(dir.resolve("mnt"));
        HostCommand.of("mount", loop, mnt.toString()).run();
    }

    @AfterAll
    static void unmount() {
        try {
            if (HostCommand.of("umount", mnt.toString()).runAllowingFailure().exitCode() != 0) {
                HostCommand.of("umount", "-l", mnt.toString()).run();
            }
        } finally {
            HostCommand.of("losetup", "-d", loop).runAllowingFailure();
            HostCommand.of("rm", "-rf", "--one-file-system", dir.toString()).run();
        }
    }

    @ParameterizedTest(name = "unprivileged {0}, mode {1}, running {2}")
    @CsvSource({"0, snapshot, 1", "1, snapshot, 1", "0, snapshot, 0", "1, stop, 0", "0, stop, 1", "0, suspend, 1", "1, suspend, 0"})
    void backupAndRestoreOnBtrfs(int unpriv, String mode, int running) throws Exception {
        int a = vmid(), b = a + 1;
        Path storePath = Files.createDirectories(mnt.resolve("s" + a));
        try (CtFixture f = new CtFixture(tmp.resolve("root")); AutoCloseable d = () -> BackupRestoreTest.destroy(f, b)) {
            storageCfg(f, "\nbtrfs: bt\n\tpath " + storePath + "\n\tcontent rootdir,images,backup\n");
            f.create(a, Map.of("rootfs", "bt:0.15", "mp0", "bt:0,mp=/data,backup=1", "unprivileged", "" + unpriv));
            CtVolumes.sh(f.svc, a, CtVolumes.POPULATE);
            if (running == 1) f.svc.start(a, false, false);
            BackupResult r = backup(f, BackupRequest.of(List.of(a)).withMode(BackupMode.parse(mode)).withStorage("bt")
                    .withExcludes(List.of("/srv/t/skip.tmp")).withNotes("{{guestname}} on {{vmid}}\\nsecond").withProtect(true));
            assertThat(f.monitorRunning(a)).isEqualTo(running == 1);
            var conf = f.svc.config(a);
            assertThat(conf.main().lock()).isEmpty();
            assertThat(conf.snapshots()).doesNotContainKey("vzdump");
            for (var v : f.svc.storages().listOwned(a)) {
                assertThat(f.svc.storages().storageOf(v.volid()).snapshots(v.volid())).isEmpty();
            }
            assertThat(r.volid().orElseThrow()).startsWith("bt:backup/vzdump-lxc-" + a + "-");
            assertThat(r.archive().getParent()).isEqualTo(storePath.resolve("dump"));
            BackupInfo info = new BackupStore(f.svc.storages()).get(r.volid().orElseThrow());
            assertThat(info.protectedFlag()).isTrue();
            assertThat(info.notes()).contains("CT" + a + " on " + a + "\nsecond");
            assertThat(members(r.archive()).subList(0, 2)).containsExactly("./etc/vzdump/pct.conf", "./etc/vzdump/pct.fw");
            if (running == 1) f.svc.stop(a, false);
            String before = withoutSkipped(CtVolumes.sh(f.svc, a, CtVolumes.MANIFEST));

            restore(f, new RestoreRequest(b, r.volid().orElseThrow(), Optional.of("bt"), Optional.empty(), Optional.empty(),
                    false, false, Map.of()));
            assertThat(f.svc.config(b).main().get("rootfs").orElseThrow()).startsWith("bt:");
            assertThat(withoutSkipped(CtVolumes.sh(f.svc, b, CtVolumes.MANIFEST))).isEqualTo(before);
        }
    }
}
