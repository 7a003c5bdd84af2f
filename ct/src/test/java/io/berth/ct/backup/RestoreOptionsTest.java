package io.berth.ct.backup;

import static io.berth.ct.backup.BackupRestoreTest.restore;
import static io.berth.ct.backup.BackupRestoreTest.storageCfg;
import static io.berth.ct.backup.BackupRestoreTest.vmid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.ct.CtFixture;
import io.berth.ct.task.TaskInfo;
import io.berth.ct.task.TaskStatus;
import io.berth.ct.Progress;
import io.berth.error.BerthException;
import io.berth.error.InvalidInputException;
import io.berth.storage.HostCommand;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restore options beyond the archive: a template's backup restored as a template (base volumes), {@code --unique}
 * (new MACs), the archive from a stream ({@code berth restore VMID -}) in every compression, bad streams leaving
 * nothing behind, and backups and restores recorded as {@code vzdump} / {@code vzrestore} tasks with their logs.
 */
@Tag("root")
class RestoreOptionsTest {
    @TempDir Path tmp;

    static final String MAC = "BC:24:11:AA:BB:CC";

    static String conf(boolean template) {
        return "arch: amd64\nhostname: opt-ct\nmemory: 256\nnet0: name=eth0,bridge=vmbr0,hwaddr=" + MAC + ",ip=dhcp,type=veth\n"
                + "ostype: unmanaged\nrootfs: local:100/" + (template ? "base" : "vm") + "-100-disk-0.raw,size=100M\nswap: 0\n"
                + (template ? "template: 1\n" : "");
    }

    private Path archive(String dir, boolean template) throws Exception {
        return ArchiveFixtures.build(tmp.resolve(dir), "vzdump-lxc-100-2024_01_02-03_04_05.tar.zst", conf(template), """
                mkdir -p srv/t
                echo hello > srv/t/file
                chown 1000:1001 srv/t/file
                setfattr -n user.k -v v srv/t/file
                """, List.of("./"), List.of());
    }

    private static void assertNothingLeft(CtFixture f, int vmid) throws Exception {
        assertThat(f.svc.vmids()).doesNotContain(vmid);
        assertThat(f.svc.storages().listOwned(vmid)).isEmpty();
        assertThat(f.mountsUnderRoot()).isEmpty();
    }

    private static String mac(CtFixture f, int vmid) {
        String net = f.svc.config(vmid).main().get("net0").orElseThrow();
        return net.replaceAll(".*hwaddr=([^,]*).*", "$1");
    }

    @Test
    void templateBackupRestoresAsTemplateAndUniqueGivesNewMacs() throws Exception {
        int a = vmid(), b = a + 1;
        try (CtFixture f = new CtFixture(tmp.resolve("root")); AutoCloseable d = () -> BackupRestoreTest.destroy(f, a, b)) {
            storageCfg(f, "");
            Path archive = archive("tmpl", true);
            restore(f, RestoreRequest.of(a, archive.toString()));
            var c = f.svc.config(a).main();
            assertThat(c.template()).isTrue();
            String rootfs = c.get("rootfs").orElseThrow();
            assertThat(rootfs).startsWith("local:" + a + "/base-" + a + "-disk-0.raw");
            Path image = f.svc.roots().defaultStorageDir().resolve("images/" + a + "/base-" + a + "-disk-0.raw");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(image))).isEqualTo("r--r--r--");
            assertThat(mac(f, a)).isEqualTo(MAC);
            assertThat(CtVolumes.sh(f.svc, a, "cat srv/t/file; stat -c %u:%g srv/t/file")).isEqualTo("hello\n1000:1001\n");
            assertThatThrownBy(() -> f.svc.start(a, false, false)).isInstanceOf(BerthException.class).hasMessageContaining("template");

            restore(f, RestoreRequest.of(b, archive.toString()).withUnique(true));
            assertThat(f.svc.config(b).main().template()).isTrue();
            assertThat(mac(f, b)).matches("BC:24:11(:[0-9A-F]{2}){3}").isNotEqualTo(MAC);
            assertThat(f.svc.config(b).main().get("net0").orElseThrow()).contains("bridge=vmbr0").contains("name=eth0").contains("ip=dhcp");
        }
    }

    @Test
    void restoreFromAStreamInEveryCompression() throws Exception {
        int a = vmid(), b = a + 1, c = a + 2, d = a + 3;
        try (CtFixture f = new CtFixture(tmp.resolve("root")); AutoCloseable cl = () -> BackupRestoreTest.destroy(f, a, b, c, d)) {
            storageCfg(f, "");
            Path zst = archive("plain", false);
            Path tar = tmp.resolve("x.tar"), gz = tmp.resolve("x.tar.gz");
            HostCommand.of("sh", "-ec", "zstd -q -d -c '" + zst + "' > '" + tar + "'; gzip -c '" + tar + "' > '" + gz + "'").run();
            restore(f, RestoreRequest.of(a, zst.toString()));
            String manifest = CtVolumes.sh(f.svc, a, CtVolumes.MANIFEST);
            assertThat(manifest).contains("./srv/t/file f 1000:1001");
            int id = b;
            for (Path p : List.of(zst, gz, tar)) {
                List<String> lines = new ArrayList<>();
                try (InputStream in = Files.newInputStream(p)) {
                    new RestoreService(f.svc).restore(RestoreRequest.of(id, "-"), in, Progress.NONE, lines::add);
                }
                assertThat(lines).as(p.toString()).contains("extracting archive from standard input");
                assertThat(f.svc.config(id).main().hostname()).contains("opt-ct");
                assertThat(CtVolumes.sh(f.svc, id, CtVolumes.MANIFEST)).as("restored from %s on stdin", p.getFileName()).isEqualTo(manifest);
                id++;
            }
        }
    }

    @Test
    void badStreamsLeaveNothingBehind() throws Exception {
        int t = vmid();
        try (CtFixture f = new CtFixture(tmp.resolve("root"))) {
            storageCfg(f, "");
            Path zst = archive("bad", false);
            byte[] all = Files.readAllBytes(zst);
            byte[] half = java.util.Arrays.copyOf(all, all.length / 2);
            byte[] noise = new byte[1 << 16];
            ThreadLocalRandom.current().nextBytes(noise);
            // a tar whose first member is not the config: not a vzdump container backup
            Path other = tmp.resolve("other.tar");
            Files.writeString(tmp.resolve("hello"), "hi");
            HostCommand.of("tar", "cf", other.toString(), "-C", tmp.toString(), "hello").run();
            for (byte[] bad : List.of(half, noise, Files.readAllBytes(other), new byte[0])) {
                assertThatThrownBy(() -> new RestoreService(f.svc).restore(RestoreRequest.of(t, "-"), new ByteArrayInputStream(bad),
                        Progress.NONE, l -> {})).isInstanceOf(InvalidInputException.class).hasMessageContaining("unable to restore CT " + t);
                assertNothingLeft(f, t);
            }
            // '-' needs a stream (the API has none)
            assertThatThrownBy(() -> restore(f, RestoreRequest.of(t, "-"))).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("standard input");
        }
    }

    @Test
    void backupsAndRestoresAreTasksWithTheirLogs() throws Exception {
        int a = vmid(), b = a + 1, bad = a + 2;
        try (CtFixture f = new CtFixture(tmp.resolve("root")); AutoCloseable cl = () -> BackupRestoreTest.destroy(f, a, b)) {
            storageCfg(f, "");
            restore(f, RestoreRequest.of(a, archive("task", false).toString()));
            TaskInfo restoreTask = only(f, "vzrestore", a);
            assertThat(restoreTask.status()).isInstanceOf(TaskStatus.Ok.class);
            assertThat(f.svc.tasks().log(restoreTask.upid())).contains("merging backed-up and given configuration..", "TASK OK")
                    .anyMatch(l -> l.startsWith("extracting archive '")).anyMatch(l -> l.startsWith("progress 100% "))
                    .anyMatch(l -> l.startsWith("Total bytes read: "));

            BackupResult r = BackupRestoreTest.backup(f, BackupRequest.of(List.of(a)).withMode(BackupMode.STOP).withStorage("local"));
            TaskInfo dump = only(f, "vzdump", a);
            assertThat(dump.status()).isInstanceOf(TaskStatus.Ok.class);
            assertThat(dump.upid().user()).isEqualTo("root@pam");
            assertThat(f.svc.tasks().log(dump.upid())).contains("INFO: starting new backup job: vzdump " + a + " --mode stop --compress zstd --storage local",
                    "INFO: Starting Backup of VM " + a + " (lxc)", "INFO: archive checksum (sha256): " + r.sha256(),
                    "INFO: Backup job finished successfully", "TASK OK");

            // the archive restored from a stream is a task too; a failed restore is a failed task
            try (InputStream in = Files.newInputStream(r.archive())) {
                new RestoreService(f.svc).restore(RestoreRequest.of(b, "-"), in, Progress.NONE, l -> {});
            }
            assertThat(only(f, "vzrestore", b).status()).isInstanceOf(TaskStatus.Ok.class);
            assertThatThrownBy(() -> new RestoreService(f.svc).restore(RestoreRequest.of(bad, "-"), new ByteArrayInputStream(new byte[100]),
                    Progress.NONE, l -> {})).isInstanceOf(InvalidInputException.class);
            TaskInfo failed = only(f, "vzrestore", bad);
            assertThat(failed.status()).isInstanceOf(TaskStatus.Failed.class);
            assertThat(f.svc.tasks().log(failed.upid()).getLast()).startsWith("TASK ERROR: ").contains("unable to restore CT " + bad + " - the archive on standard input ends");
        }
    }

    private static TaskInfo only(CtFixture f, String type, int vmid) {
        List<TaskInfo> l = f.svc.tasks().list(1000).stream()
                .filter(t -> t.upid().type().equals(type) && t.upid().id().equals(Integer.toString(vmid))).toList();
        assertThat(l).as("%s tasks of %d", type, vmid).hasSize(1);
        return l.getFirst();
    }
}
