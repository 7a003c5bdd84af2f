package io.berth.ct.migrate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.config.ConfigStore;
import io.berth.config.FileConfigRepository;
import io.berth.config.FileLocks;
import io.berth.config.MountPoint;
import io.berth.config.MountSource;
import io.berth.ct.CtFixture;
import io.berth.ct.ExecResult;
import io.berth.ct.LoopBtrfs;
import io.berth.ct.lifecycle.LxcRuntime;
import io.berth.ct.Progress;
import io.berth.error.BerthException;
import io.berth.error.StateException;
import io.berth.error.UnsupportedException;
import io.berth.storage.HostCommand;
import io.berth.storage.VolumeId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Migration between two Berth roots on this machine ("nodes" a and b), each with its own local dir storage and its
 * own btrfs on a loop device, plus a dir storage marked {@code shared 1} that both point at the same directory. The
 * config move here is the test's: the configs live in two roots' files, so the move renames a file (the etcd
 * transaction is tested in the cluster module). Data are compared by checksums taken inside the containers.
 */
class MigrationTest {
    static Path base;
    static CtFixture a, b;
    static LoopBtrfs btrfsA, btrfsB;
    static Path tinyB;

    @BeforeAll static void setUp() throws IOException {
        base = Files.createTempDirectory("berth-migrate-");
        a = new CtFixture(base.resolve("a"));
        b = new CtFixture(base.resolve("b"));
        btrfsA = new LoopBtrfs("600M");
        btrfsB = new LoopBtrfs("600M");
        Path shared = Files.createDirectories(base.resolve("shared"));
        // a small tmpfs: a volume larger than it fails half-way through the transfer (ENOSPC on the target)
        tinyB = Files.createDirectories(base.resolve("tiny-b"));
        HostCommand.of("mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", tinyB.toString()).run();
        storageCfg(a, btrfsA, shared, Files.createDirectories(base.resolve("tiny-a")));
        storageCfg(b, btrfsB, shared, tinyB);
    }

    static void storageCfg(CtFixture f, LoopBtrfs bt, Path shared, Path tiny) throws IOException {
        Path cfg = f.svc.roots().storageCfg();
        Files.createDirectories(cfg.getParent());
        Files.writeString(cfg, "dir: local\n\tpath " + f.svc.roots().defaultStorageDir() + "\n\tcontent rootdir,images,vztmpl\n\n"
                + "btrfs: bt\n\tpath " + bt.mount.resolve("bt") + "\n\tcontent rootdir,images\n\n"
                + "dir: shared\n\tpath " + shared + "\n\tcontent rootdir,images\n\tshared 1\n\n"
                + "dir: tiny\n\tpath " + tiny + "\n\tcontent rootdir,images\n");
    }

    @AfterAll static void tearDown() {
        for (AutoCloseable c : new AutoCloseable[] {a, b}) close(c);
        HostCommand.of("umount", "-l", tinyB.toString()).runAllowingFailure();
        for (AutoCloseable c : new AutoCloseable[] {btrfsA, btrfsB}) close(c);
        HostCommand.of("rm", "-rf", "--one-file-system", base.toString()).runAllowingFailure();
    }

    static void close(AutoCloseable c) {
        try {
            if (c != null) c.close();
        } catch (Exception ignored) {
            // best effort
        }
    }

    /** The test's config move: the config file leaves root a and appears in root b. */
    static ConfigMove fileMove(CtFixture from, CtFixture to) {
        return (vmid, next, expected, target) -> {
            var src = new FileConfigRepository(from.svc.roots());
            var cur = src.read(vmid);
            if (!cur.digest().equals(expected)) throw new IllegalStateException("digest changed");
            new FileConfigRepository(to.svc.roots()).create(vmid, next);
            src.delete(vmid, expected);
        };
    }

    static Migration migration(CtFixture from, CtFixture to, ConfigMove move) {
        var lifecycle = new Migration.SourceLifecycle() {
            @Override public boolean running(int vmid) { return new LxcRuntime(from.svc.paths(vmid)).isRunning(); }

            @Override public void stop(int vmid) { from.svc.stop(vmid, true); }

            @Override public void start(int vmid) { from.svc.start(vmid, true, false); }
        };
        return new Migration("a", new FileConfigRepository(from.svc.roots()), new FileLocks(from.svc.roots()), from.svc.storages(),
                lifecycle, move);
    }

    static LocalPeer peer(CtFixture f, String node) {
        return new LocalPeer(node, f.svc::storages, vmid -> f.svc.start(vmid, false, false));
    }

    static List<String> log = new ArrayList<>();

    static Migration.Result migrate(int vmid, boolean restart, Optional<String> targetStorage, long bwlimit) {
        return migration(a, b, fileMove(a, b)).migrate(new MigrateRequest(vmid, "b", restart, targetStorage, bwlimit, false),
                peer(b, "b"), log::add, label -> Progress.NONE);
    }

    /** Fills /f (rootfs) and /data/g (mp0) with random data and returns their checksums, as the container sees them. */
    static String fill(CtFixture f, int vmid, int mib) {
        ExecResult r = f.exec(vmid, "sh", "-c", "dd if=/dev/urandom of=/f bs=1M conv=fsync count=" + mib + " 2>/dev/null && dd if=/dev/urandom"
                + " of=/data/g bs=1M conv=fsync count=" + mib + " 2>/dev/null && mkdir -p /data/d && ln -s ../g /data/d/link && "
                + "sha256sum /f /data/g && readlink /data/d/link");
        assertEquals(0, r.exitCode(), r.stderr());
        return r.stdout();
    }

    static String sums(CtFixture f, int vmid) {
        ExecResult r = f.exec(vmid, "sh", "-c", "sha256sum /f /data/g && readlink /data/d/link");
        assertEquals(0, r.exitCode(), r.stderr());
        return r.stdout();
    }

    static boolean running(CtFixture f, int vmid) { return new LxcRuntime(f.svc.paths(vmid)).isRunning(); }

    static List<Path> leftovers(Path storageDir, int vmid) throws IOException {
        Path d = storageDir.resolve("images").resolve(Integer.toString(vmid));
        if (!Files.exists(d)) return List.of();
        try (Stream<Path> s = Files.list(d)) {
            return s.toList();
        }
    }

    @Test void offlineOnLocalDirStorageCopiesRawImageAndSubvol() throws IOException {
        int vmid = 6001;
        a.create(vmid, Map.of("rootfs", "local:1", "mp0", "local:0,mp=/data"));
        b.adopt(vmid);
        a.svc.start(vmid, false, false);
        String sums = fill(a, vmid, 8);
        a.svc.stop(vmid, false);
        Migration.Result r = migrate(vmid, false, Optional.empty(), 0);
        assertFalse(r.started());
        assertFalse(a.svc.vmids().contains(vmid), "config left the source");
        assertTrue(b.svc.vmids().contains(vmid), "config on the target");
        assertEquals(List.of(), leftovers(a.svc.roots().defaultStorageDir(), vmid), "source volumes freed");
        var cfg = b.svc.config(vmid).main();
        assertTrue(cfg.lock().isEmpty(), "no lock on the target: " + cfg.lock());
        VolumeId root = VolumeId.parse(((MountSource.Volume) cfg.rootfs().orElseThrow().source()).volid());
        assertEquals("local", root.storage());
        assertTrue(b.svc.storages().storageOf(root).exists(root));
        b.svc.start(vmid, false, false);
        assertEquals(sums, sums(b, vmid), "data intact after migration");
        b.svc.stop(vmid, false);
    }

    @Test void restartOnBtrfsSendsSubvolumesAndStartsOnTarget() {
        int vmid = 6002;
        a.create(vmid, Map.of("rootfs", "bt:0", "mp0", "bt:1,mp=/data"));
        b.adopt(vmid);
        a.svc.start(vmid, false, false);
        String sums = fill(a, vmid, 8);
        Migration.Result r = migrate(vmid, true, Optional.empty(), 0);
        assertTrue(r.started());
        assertTrue(log.stream().anyMatch(l -> l.contains("as a btrfs stream")), String.join("\n", log));
        assertFalse(running(a, vmid));
        assertTrue(running(b, vmid));
        assertEquals(sums, sums(b, vmid), "data intact after restart migration");
        var mp0 = b.svc.config(vmid).main().mountPoint("mp0").orElseThrow();
        assertEquals("bt", ((MountSource.Volume) mp0.source()).storage());
        assertEquals(MountPoint.parseSize("1G"), mp0.sizeBytes().orElseThrow());
        b.svc.stop(vmid, false);
    }

    @Test void sharedStorageCopiesNothing() {
        int vmid = 6003;
        a.create(vmid, Map.of("rootfs", "shared:1", "mp0", "shared:0,mp=/data"));
        b.adopt(vmid);
        a.svc.start(vmid, false, false);
        String sums = fill(a, vmid, 4);
        String before = a.svc.config(vmid).main().get("rootfs").orElseThrow();
        Migration.Result r = migrate(vmid, true, Optional.empty(), 0);
        assertTrue(r.volumes().isEmpty(), "nothing copied: " + r.volumes());
        assertEquals(before, b.svc.config(vmid).main().get("rootfs").orElseThrow());
        assertTrue(running(b, vmid));
        assertEquals(sums, sums(b, vmid));
        b.svc.stop(vmid, false);
    }

    @Test void failureHalfWayLeavesSourceWholeAndNoTargetLeftovers() throws IOException {
        int vmid = 6004;
        a.create(vmid, Map.of("rootfs", "local:1", "mp0", "local:0,mp=/data"));
        b.adopt(vmid);
        a.svc.start(vmid, false, false);
        String sums = fill(a, vmid, 16); // 32 MiB do not fit the 24 MiB tmpfs of storage 'tiny' on b
        String configBefore = Files.readString(a.svc.roots().containerConfig(vmid));
        BerthException e = assertThrows(BerthException.class, () -> migrate(vmid, true, Optional.of("tiny"), 0));
        assertTrue(e.getMessage().contains("failed"), e.getMessage());
        assertEquals(configBefore, Files.readString(a.svc.roots().containerConfig(vmid)), "source config unchanged, lock cleared");
        assertTrue(running(a, vmid), "restarted on the source");
        assertEquals(sums, sums(a, vmid), "source data intact");
        assertEquals(List.of(), leftovers(tinyB, vmid), "no target leftovers");
        assertFalse(b.svc.vmids().contains(vmid));

        // a failing config move (after every volume was copied) frees the copies as well
        a.svc.stop(vmid, false);
        ConfigMove failing = (id, next, expected, target) -> {
            throw new io.berth.error.ExistsException("container " + id + " already exists (on node b)");
        };
        assertThrows(io.berth.error.ExistsException.class, () -> migration(a, b, failing).migrate(
                new MigrateRequest(vmid, "b", false, Optional.empty(), 0, false), peer(b, "b"), log::add, l -> Progress.NONE));
        assertEquals(configBefore, Files.readString(a.svc.roots().containerConfig(vmid)));
        assertEquals(List.of(), leftovers(b.svc.roots().defaultStorageDir(), vmid), "copies freed on the target");
        a.svc.start(vmid, false, false);
        assertEquals(sums, sums(a, vmid));
        a.svc.stop(vmid, false);
    }

    @Test void refusals() throws IOException {
        int vmid = 6005;
        a.create(vmid, Map.of("rootfs", "local:0"));
        a.svc.start(vmid, false, false);
        assertThrows(UnsupportedException.class, () -> new MigrateRequest(vmid, "b", false, Optional.empty(), 0, true));
        StateException e = assertThrows(StateException.class, () -> migrate(vmid, false, Optional.empty(), 0));
        assertTrue(e.getMessage().contains("--restart"), e.getMessage());
        a.svc.stop(vmid, false);
        a.svc.set(vmid, Map.of("mp0", Files.createDirectories(base.resolve("hostdir")) + ",mp=/host"), List.of(), false);
        UnsupportedException u = assertThrows(UnsupportedException.class, () -> migrate(vmid, false, Optional.empty(), 0));
        assertTrue(u.getMessage().contains("local bind mount point 'mp0'"), u.getMessage());
        assertTrue(a.svc.config(vmid).main().lock().isEmpty());
    }

    @Test void bandwidthLimitAndProgress() {
        int vmid = 6006;
        a.create(vmid, Map.of("rootfs", "local:0"));
        b.adopt(vmid);
        a.svc.start(vmid, false, false);
        assertEquals(0, a.exec(vmid, "sh", "-c", "dd if=/dev/urandom of=/big bs=1M count=6 conv=fsync 2>/dev/null").exitCode());
        a.svc.stop(vmid, false);
        AtomicLong last = new AtomicLong(), total = new AtomicLong();
        long t0 = System.nanoTime();
        migration(a, b, fileMove(a, b)).migrate(new MigrateRequest(vmid, "b", false, Optional.empty(), 1024, false), peer(b, "b"),
                log::add, l -> (done, tot) -> {
                    last.set(done);
                    total.set(tot);
                });
        double secs = (System.nanoTime() - t0) / 1e9;
        // >= 6 MiB at 1024 KiB/s cannot take less than ~6 s (upper bound not asserted: the machine is loaded)
        assertTrue(secs >= 5.5, "took " + secs + " s");
        assertTrue(total.get() >= 6L << 20, "progress total " + total.get());
        assertEquals(total.get(), last.get(), "progress reached 100 %");
        assertNotEquals(0, last.get());
    }
}
