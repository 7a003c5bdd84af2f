package io.berth.ct.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.ct.CtFixture;
import io.berth.ct.Progress;
import io.berth.storage.HostCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Backups and restores on a dir storage, against the real kernel and LXC: containers with ACLs, xattrs, a file
 * capability, device nodes, a FIFO, hard and symbolic links, a sparse file and a backed-up volume mount point are
 * backed up running and stopped, restored under a new id (privileged and unprivileged), and every file compared.
 */
@Tag("root")
class BackupRestoreTest {
    @TempDir Path tmp;

    static int vmid() { return 7000 + ThreadLocalRandom.current().nextInt(0, 900); }

    static void storageCfg(CtFixture f, String extra) throws Exception {
        Path cfg = f.svc.roots().storageCfg();
        Files.createDirectories(cfg.getParent());
        Files.writeString(cfg, "dir: local\n\tpath " + f.svc.roots().defaultStorageDir()
                + "\n\tcontent rootdir,images,vztmpl,backup\n" + extra);
    }

    static List<String> log = new ArrayList<>();

    static BackupResult backup(CtFixture f, BackupRequest req) {
        List<BackupResult> r = new BackupService(f.svc).backup(req, log::add);
        assertThat(r).hasSize(1);
        return r.get(0);
    }

    static RestoreService.Restored restore(CtFixture f, RestoreRequest req) {
        return new RestoreService(f.svc).restore(req, Progress.NONE, log::add);
    }

    /** The archive's member names, in order. */
    static List<String> members(Path archive) {
        String flag = Compression.ofFileName(archive.getFileName().toString()).orElseThrow().tarFlags().stream().findFirst().orElse("");
        List<String> cmd = new ArrayList<>(List.of("tar", "-t"));
        if (!flag.isEmpty()) cmd.add(flag);
        cmd.addAll(List.of("-f", archive.toString()));
        return HostCommand.of(cmd.toArray(String[]::new)).run().lines().toList();
    }

    static String sha256(Path p) {
        return HostCommand.of("sha256sum", p.toString()).run().split(" ")[0];
    }

    @ParameterizedTest(name = "unprivileged {0}, mode {1}, running {2}, compress {3}")
    @CsvSource({"0, stop, 1, zstd", "1, suspend, 1, gzip", "1, stop, 0, lzo", "0, suspend, 0, 0"})
    void backupAndRestoreOnDirStorage(int unpriv, String mode, int running, String compress) throws Exception {
        int a = vmid(), b = a + 1, c = a + 2;
        try (CtFixture f = new CtFixture(tmp.resolve("root")); AutoCloseable restored = () -> destroy(f, b, c)) {
            storageCfg(f, "");
            f.create(a, Map.of("rootfs", "local:0.15", "mp0", "local:0.05,mp=/data,backup=1", "unprivileged", "" + unpriv,
                    "hostname", "orig" + a));
            CtVolumes.sh(f.svc, a, CtVolumes.POPULATE);
            if (running == 1) f.svc.start(a, false, false);
            BackupResult r = backup(f, BackupRequest.of(List.of(a)).withMode(BackupMode.parse(mode))
                    .withCompress(Compression.parse(compress)).withExcludes(List.of("*.tmp")).withStorage("local"));
            assertThat(f.monitorRunning(a)).as("running state kept").isEqualTo(running == 1);
            assertThat(f.svc.config(a).main().lock()).isEmpty();
            Path dump = f.svc.roots().defaultStorageDir().resolve("dump");
            String name = r.archive().getFileName().toString();
            assertThat(name).matches("vzdump-lxc-" + a + "-\\d{4}_\\d{2}_\\d{2}-\\d{2}_\\d{2}_\\d{2}\\.tar"
                    + Compression.parse(compress).suffix().replace(".", "\\."));
            assertThat(r.archive().getParent()).isEqualTo(dump);
            assertThat(r.volid()).contains("local:backup/" + name);
            assertThat(r.sha256()).isEqualTo(sha256(r.archive()));
            String base = ArchiveName.parse(name).orElseThrow().base();
            assertThat(Files.readString(dump.resolve(base + ".log"))).contains("INFO: backup mode: " + (running == 0 && mode.equals("suspend") ? "stop" : mode))
                    .contains("archive checksum (sha256): " + r.sha256()).contains("Finished Backup of VM " + a);
            assertThat(Files.list(dump).map(p -> p.getFileName().toString()).toList()).containsExactlyInAnyOrder(name, base + ".log");
            List<String> m = members(r.archive());
            assertThat(m.subList(0, 2)).containsExactly("./etc/vzdump/pct.conf", "./etc/vzdump/pct.fw");
            assertThat(m).contains("./srv/t/file", "./data/sub/random").noneMatch(s -> s.endsWith("skip.tmp"));
            if (running == 1) f.svc.stop(a, false);
            String before = withoutSkipped(CtVolumes.sh(f.svc, a, CtVolumes.MANIFEST));

            // same privilege level, new id, volumes re-allocated from the recorded sizes
            RestoreService.Restored rb = restore(f, RestoreRequest.of(b, r.volid().orElseThrow()));
            assertThat(rb.volumes()).hasSize(2).allMatch(v -> v.startsWith("local:") && v.contains("-" + b + "-disk-"));
            var cb = f.svc.config(b).main();
            assertThat(cb.hostname()).contains("orig" + a);
            assertThat(cb.unprivileged()).isEqualTo(unpriv == 1);
            assertThat(cb.get("mp0").orElseThrow()).contains("mp=/data").contains("backup=1").contains("size=");
            assertThat(withoutSkipped(CtVolumes.sh(f.svc, b, CtVolumes.MANIFEST))).isEqualTo(before);

            // the other privilege level: the archive's ids land mapped (or unmapped) with no chown pass
            restore(f, new RestoreRequest(c, r.archive().toString(), Optional.of("local"), Optional.empty(),
                    Optional.of(unpriv == 0), false, false, Map.of()));
            assertThat(f.svc.config(c).main().unprivileged()).isEqualTo(unpriv == 0);
            assertThat(withoutSkipped(CtVolumes.sh(f.svc, c, CtVolumes.MANIFEST))).isEqualTo(before);
            if (unpriv == 0) {
                // unprivileged now: on disk the file belongs to the container's uid 1000 = host 101000
                String owner = hostOwner(f, c, "srv/t/file");
                assertThat(owner).isEqualTo("101000:101001");
            }
            f.svc.start(b, false, false);
            assertThat(f.exec(b, "cat", "/srv/t/file").stdout()).isEqualTo("hello\n");
            f.svc.stop(b, false);
        }
    }

    /** CtFixture tears down what f.create made; restored containers go here. */
    static void destroy(CtFixture f, int... ids) {
        for (int id : ids) {
            try {
                if (f.monitorRunning(id)) f.svc.stop(id, true);
                if (f.svc.vmids().contains(id)) f.svc.destroy(id, true, true);
            } catch (RuntimeException ignored) {
                // best effort
            }
        }
    }

    static String withoutSkipped(String manifest) {
        return String.join("\n", manifest.lines().filter(l -> !l.contains("skip.tmp")).toList());
    }

    /** Host-side owner of a file in a container's rootfs volume (no idmapped mount). */
    static String hostOwner(CtFixture f, int vmid, String rel) throws Exception {
        var c = f.svc.config(vmid).main();
        var rootfs = io.berth.storage.VolumeId.parse(c.rootfs().orElseThrow().source() instanceof io.berth.config.MountSource.Volume v ? v.volid() : "");
        return io.berth.sys.Namespaces.inNewMountNamespace(() -> {
            Path mnt = Files.createTempDirectory(f.root, "own");
            try {
                var vp = f.svc.storages().path(rootfs);
                String src = switch (vp) {
                    case io.berth.storage.VolumePath.ImageFile i -> i.path().toString();
                    case io.berth.storage.VolumePath.Directory d -> d.path().toString();
                    case io.berth.storage.VolumePath.BlockDevice bd -> bd.path().toString();
                };
                if (vp instanceof io.berth.storage.VolumePath.Directory) return HostCommand.of("stat", "-c", "%u:%g", src + "/" + rel).run().strip();
                HostCommand.of("mount", "-o", "ro,loop", src, mnt.toString()).run();
                try {
                    return HostCommand.of("stat", "-c", "%u:%g", mnt + "/" + rel).run().strip();
                } finally {
                    HostCommand.of("umount", mnt.toString()).run();
                }
            } finally {
                Files.deleteIfExists(mnt);
            }
        });
    }

    @Test
    void snapshotModeOnDirStorageRefusesAndLeavesNothing() throws Exception {
        int a = vmid();
        try (CtFixture f = new CtFixture(tmp.resolve("root"))) {
            storageCfg(f, "");
            f.create(a, Map.of("rootfs", "local:0.1"));
            assertThatThrownBy(() -> backup(f, BackupRequest.of(List.of(a)).withMode(BackupMode.SNAPSHOT)))
                    .isInstanceOf(io.berth.error.UnsupportedException.class).hasMessageContaining("do not support snapshots").hasMessageContaining("rootfs");
            assertThat(f.svc.config(a).main().lock()).isEmpty();
            Path dump = f.svc.roots().defaultStorageDir().resolve("dump");
            assertThat(Files.list(dump).map(p -> p.getFileName().toString()).toList()).allMatch(n -> n.endsWith(".log"));
        }
    }

    @Test
    void dumpdirAndBandwidthLimit() throws Exception {
        int a = vmid();
        try (CtFixture f = new CtFixture(tmp.resolve("root"))) {
            storageCfg(f, "");
            f.create(a, Map.of("rootfs", "local:0.1"));
            Path dd = tmp.resolve("dumps");
            for (Compression c : List.of(Compression.NONE, Compression.ZSTD)) {
                long kib = 1024;
                long t0 = System.nanoTime();
                BackupResult r = backup(f, BackupRequest.of(List.of(a)).withMode(BackupMode.STOP).withCompress(c).withDumpdir(dd)
                        .withBwlimit(kib));
                double secs = (System.nanoTime() - t0) / 1e9;
                assertThat(r.archive().getParent()).isEqualTo(dd);
                assertThat(r.volid()).isEmpty();
                assertThat(r.tarBytes()).isGreaterThan(1_000_000);
                // a rate limit is a lower bound on the time: the stream cannot pass faster than it allows
                assertThat(secs).as("%d bytes at %d KiB/s", r.tarBytes(), kib).isGreaterThanOrEqualTo(r.tarBytes() / (kib * 1024.0) - 0.3);
                assertThat(members(r.archive()).subList(0, 2)).containsExactly("./etc/vzdump/pct.conf", "./etc/vzdump/pct.fw");
                Thread.sleep(1100); // one archive name per second
            }
            assertThat(BackupStore.listDir(dd, Optional.empty(), java.util.OptionalInt.of(a))).hasSize(2);
            // --notes-template and --protected need a storage, as vzdump says
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> BackupRequest.of(List.of(a)).withDumpdir(dd).withProtect(true).withNotes("x"))
                    .hasMessageContaining("need --storage");
        }
    }
}
