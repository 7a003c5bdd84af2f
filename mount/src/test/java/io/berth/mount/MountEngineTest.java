package io.berth.mount;

import io.berth.idmap.IdKind;
import io.berth.idmap.IdMapEntry;
import io.berth.sys.Fd;
import io.berth.sys.PathCalls;
import io.berth.sys.Stat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("root")
class MountEngineTest {
    Sandbox sb;
    final List<String> warnings = new ArrayList<>();
    final MountEngine engine = new MountEngine(warnings::add);

    @BeforeEach
    void setUp() throws Exception {
        sb = new Sandbox();
    }

    @AfterEach
    void tearDown() throws Exception {
        sb.close();
    }

    static final List<IdMapEntry> SHIFT = List.of(new IdMapEntry(IdKind.UID, 0, 100000, 65536),
            new IdMapEntry(IdKind.GID, 0, 100000, 65536));

    private MountInfo mountAt(Path p) {
        return sb.mountsBelow(p).stream().filter(m -> m.mountPoint().equals(p.toString())).findFirst().orElseThrow();
    }

    @Test
    void bindMountsCreateOwnedTargetsAndUnmountInReverse() throws Exception {
        Path vol = Files.createDirectories(sb.host.resolve("rootvol"));
        Files.writeString(vol.resolve("etc-hostname"), "ct");
        Path data = Files.createDirectories(sb.host.resolve("data"));
        Files.writeString(data.resolve("d"), "data");
        Path sub = Files.createDirectories(sb.host.resolve("sub"));
        Files.writeString(sub.resolve("s"), "sub");
        List<MountRequest> reqs = List.of(
                MountRequest.of("mp1", new MountSource.HostDirectory(sub), "/srv/data//sub/").withOwner(100000, 100001),
                MountRequest.of("mp0", new MountSource.HostDirectory(data), "/srv/data").withOwner(100000, 100001),
                MountRequest.of("rootfs", new MountSource.HostDirectory(vol), "/"));
        try (MountedSet set = engine.mountAll(sb.rootfs, reqs)) {
            assertThat(set.mounts()).extracting(MountedSet.Mounted::key).containsExactly("rootfs", "mp0", "mp1");
            assertThat(Files.readString(sb.rootfs.resolve("etc-hostname"))).isEqualTo("ct");
            assertThat(Files.readString(sb.rootfs.resolve("srv/data/d"))).isEqualTo("data");
            assertThat(Files.readString(sb.rootfs.resolve("srv/data/sub/s"))).isEqualTo("sub");
            // directories made on the way belong to the container's root
            Stat srv = PathCalls.stat(Fd.CWD, vol.resolve("srv").toString(), 0);
            assertThat(srv.uid()).isEqualTo(100000);
            assertThat(srv.gid()).isEqualTo(100001);
            assertThat(srv.permissions()).isEqualTo(0755);
            assertThat(sb.innerMounts()).extracting(MountInfo::mountPoint).containsExactly(
                    sb.rootfs.toString(), sb.rootfs + "/srv/data", sb.rootfs + "/srv/data/sub");
        }
        sb.assertClean();
        assertThat(warnings).isEmpty();
    }

    @Test
    void readOnlyBindIsVerifiedAndRefusesWrites() throws Exception {
        Path data = Files.createDirectories(sb.host.resolve("data"));
        try (MountedSet set = engine.mountAll(sb.rootfs, List.of(
                MountRequest.of("mp0", new MountSource.HostDirectory(data), "/ro").withReadOnly(true)
                        .withOptions(List.of(MountOption.NOSUID, MountOption.NODEV, MountOption.NOEXEC, MountOption.NOATIME))))) {
            MountInfo m = mountAt(sb.rootfs.resolve("ro"));
            assertThat(m.mountOptions().split(",")).contains("ro", "nosuid", "nodev", "noexec", "noatime");
            assertThatThrownBy(() -> Files.writeString(sb.rootfs.resolve("ro/x"), "x")).hasMessageContaining("Read-only");
            assertThat(data.resolve("x")).doesNotExist();
            // the host side stays writable: only the container's view is read-only
            Files.writeString(data.resolve("y"), "y");
            assertThat(set.mounts()).hasSize(1);
        }
        sb.assertClean();
    }

    @Test
    void ext4ImageThroughLoopDeviceWithOptionsAndQuota() throws Exception {
        Path img = sb.ext4Image("vm-100-disk-1.raw", null);
        MountRequest r = MountRequest.of("mp0", new MountSource.ImageFile(img, "ext4"), "/disk")
                .withOptions(MountRequest.parseOptions("mp0", List.of("noatime", "lazytime", "discard", "nosuid")))
                .withAcl(Optional.of(true)).withQuota(true);
        try (MountedSet set = engine.mountAll(sb.rootfs, List.of(r))) {
            MountInfo m = mountAt(sb.rootfs.resolve("disk"));
            assertThat(m.fsType()).isEqualTo("ext4");
            assertThat(m.source()).startsWith("/dev/loop");
            assertThat(m.mountOptions().split(",")).contains("rw", "noatime", "nosuid");
            assertThat(m.superOptions()).contains("lazytime", "discard", "usrjquota=aquota.user", "grpjquota=aquota.group", "jqfmt=vfsv0");
            assertThat(sb.loopsOnSandboxFiles()).containsExactly(Path.of(m.source()));
            Files.writeString(sb.rootfs.resolve("disk/hello"), "on ext4");
        }
        sb.assertClean();
        // the data went to the image: mount it again read-only as a snapshot (ro,noload)
        try (MountedSet set = engine.mountAll(sb.rootfs, List.of(
                MountRequest.of("mp0", new MountSource.ImageFile(img, "ext4"), "/snap").withSnapshot(true)))) {
            assertThat(Files.readString(sb.rootfs.resolve("snap/hello"))).isEqualTo("on ext4");
            MountInfo m = mountAt(sb.rootfs.resolve("snap"));
            assertThat(m.readOnly()).isTrue();
            assertThat(m.superOptions()).contains("ro");
            assertThat(Files.readString(Path.of("/sys/block/" + Path.of(m.source()).getFileName() + "/ro")).strip()).isEqualTo("1");
            assertThatThrownBy(() -> Files.writeString(sb.rootfs.resolve("snap/x"), "x")).hasMessageContaining("Read-only");
        }
        sb.assertClean();
    }

    @Test
    void blockDeviceSourceAndNotABlockDevice() throws Exception {
        Path img = sb.ext4Image("lv.raw", null);
        try (var loop = io.berth.sys.LoopDevices.attach(img, io.berth.sys.LoopDevices.Options.autoclearing(false))) {
            engine.mountAll(sb.rootfs, List.of(MountRequest.of("mp0", new MountSource.BlockDevice(loop.device(), "ext4"), "/lv")));
            assertThat(mountAt(sb.rootfs.resolve("lv")).source()).isEqualTo(loop.device().toString());
            assertThat(engine.unmountAll(sb.rootfs)).isEqualTo(1);
        }
        assertThatThrownBy(() -> engine.mountAll(sb.rootfs, List.of(
                MountRequest.of("mp3", new MountSource.BlockDevice(img, "ext4"), "/lv"))))
                .hasMessage("mount point mp3: " + img + " is not a block device");
        sb.assertClean();
    }

    @Test
    void idmappedBindWritesLandWithDiskIds() throws Exception {
        Path data = Files.createDirectories(sb.host.resolve("data"));
        Files.writeString(data.resolve("owned-by-5"), "x");
        PathCalls.fchownat(Fd.CWD, data.resolve("owned-by-5").toString(), 5, 6, 0);
        PathCalls.fchownat(Fd.CWD, data.toString(), 1000, 1000, 0);
        try (MountedSet set = engine.mountAll(sb.rootfs, List.of(
                MountRequest.of("mp0", new MountSource.HostDirectory(data), "/shared").withIdmap(SHIFT)))) {
            Path inCt = sb.rootfs.resolve("shared");
            // disk id 5 shows as host id 100005 through the mount
            Stat seen = PathCalls.stat(Fd.CWD, inCt.resolve("owned-by-5").toString(), 0);
            assertThat(seen.uid()).isEqualTo(100005);
            assertThat(seen.gid()).isEqualTo(100006);
            // host uid 101000 (the container's uid 1000) writes; on disk the file is owned by 1000
            Sandbox.runAs(101000, 101000, "touch", inCt.resolve("new").toString());
            Stat disk = PathCalls.stat(Fd.CWD, data.resolve("new").toString(), 0);
            assertThat(disk.uid()).isEqualTo(1000);
            assertThat(disk.gid()).isEqualTo(1000);
            assertThat(MountInfo.current().stream().filter(m -> m.mountPoint().equals(inCt.toString())).findFirst().orElseThrow()
                    .mountOptions()).contains("idmapped");
        }
        sb.assertClean();
    }

    @Test
    void idmappedExt4ImageWritesLandWithDiskIds() throws Exception {
        Path img = sb.ext4Image("vm-100-disk-2.raw", "0:0");
        Path probe = Files.createDirectories(sb.host.resolve("probe"));
        try (MountedSet set = engine.mountAll(sb.rootfs, List.of(
                MountRequest.of("mp0", new MountSource.ImageFile(img, "ext4"), "/vol").withIdmap(SHIFT)))) {
            Path vol = sb.rootfs.resolve("vol");
            // the fs root is owned by disk uid 0, i.e. host 100000: the container's root may write there
            assertThat(PathCalls.stat(Fd.CWD, vol.toString(), 0).uid()).isEqualTo(100000);
            Sandbox.runAs(100000, 100000, "mkdir", vol.resolve("home").toString());
            // host root chowns to a host id; through the mount it is stored as the disk id
            PathCalls.fchownat(Fd.CWD, vol.resolve("home").toString(), 101234, 101234, 0);
            Sandbox.runAs(101234, 101234, "touch", vol.resolve("home/file").toString());
        }
        sb.assertClean();
        // look at the image without idmap: ids as stored on disk
        try (MountedSet set = engine.mountAll(sb.rootfs, List.of(
                MountRequest.of("mp0", new MountSource.ImageFile(img, "ext4"), "/raw").withReadOnly(true)))) {
            Stat home = PathCalls.stat(Fd.CWD, sb.rootfs.resolve("raw/home").toString(), 0);
            Stat file = PathCalls.stat(Fd.CWD, sb.rootfs.resolve("raw/home/file").toString(), 0);
            assertThat(home.uid()).isEqualTo(1234);
            assertThat(file.uid()).isEqualTo(1234);
            assertThat(file.gid()).isEqualTo(1234);
        }
        assertThat(probe).isEmptyDirectory();
        sb.assertClean();
    }

    @Test
    void failureUndoesEarlierMountsAndReleasesLoopDevices() throws Exception {
        Path img = sb.ext4Image("vm-100-disk-0.raw", null);
        Path data = Files.createDirectories(sb.host.resolve("data"));
        Path broken = sb.host.resolve("not-ext4.raw");
        Files.write(broken, new byte[1 << 20]);
        List<MountRequest> reqs = List.of(
                MountRequest.of("rootfs", new MountSource.ImageFile(img, "ext4"), "/"),
                MountRequest.of("mp0", new MountSource.HostDirectory(data), "/data"),
                MountRequest.of("mp1", new MountSource.ImageFile(broken, "ext4"), "/data/broken"));
        assertThatThrownBy(() -> engine.mountAll(sb.rootfs, reqs))
                .isInstanceOf(MountException.class)
                .hasMessageStartingWith("mount point mp1: cannot mount " + broken);
        sb.assertClean();
        // a missing host directory, an unknown filesystem type: both undone the same way
        assertThatThrownBy(() -> engine.mountAll(sb.rootfs, List.of(reqs.get(0),
                MountRequest.of("mp0", new MountSource.HostDirectory(sb.host.resolve("missing")), "/x"))))
                .hasMessageContaining("mount point mp0: host directory " + sb.host.resolve("missing") + " is not usable")
                .hasMessageContaining("ENOENT");
        sb.assertClean();
        assertThatThrownBy(() -> engine.mountAll(sb.rootfs, List.of(reqs.get(0),
                MountRequest.of("mp0", new MountSource.ImageFile(img, "nosuchfs"), "/y"))))
                .hasMessageContaining("mount point mp0")
                .hasMessageContaining("fsopen(\"nosuchfs\"");
        sb.assertClean();
    }

    @Test
    void badRequestsNameKeyValueAndAllowed() {
        assertThatThrownBy(() -> MountOption.parse("mp0", "relatime"))
                .hasMessage("mount point mp0: mount option 'relatime' is not allowed: allowed are noatime, nosuid, nodev, noexec, lazytime, discard");
        assertThatThrownBy(() -> MountRequest.of("mp2", new MountSource.HostDirectory(Path.of("/srv")), "data"))
                .hasMessage("mount point mp2: target 'data' is invalid: an absolute path inside the container is required");
        assertThatThrownBy(() -> new MountSource.ImageFile(Path.of("/x.raw"), "ext4;rw"))
                .hasMessageContaining("filesystem type 'ext4;rw' is invalid");
        assertThatThrownBy(() -> MountEngine.ordered(List.of(
                MountRequest.of("mp0", new MountSource.HostDirectory(Path.of("/a")), "/data"),
                MountRequest.of("mp1", new MountSource.HostDirectory(Path.of("/b")), "/data/"))))
                .hasMessage("mount point mp1: target /data is used by another mount point too");
    }

    @Test
    void orderPutsParentsFirst() {
        var d = new MountSource.HostDirectory(Path.of("/h"));
        List<MountRequest> sorted = MountEngine.ordered(List.of(MountRequest.of("a", d, "/a-b"), MountRequest.of("b", d, "/a/b"),
                MountRequest.of("c", d, "/a"), MountRequest.of("r", d, "/"), MountRequest.of("e", d, "/0")));
        assertThat(sorted).extracting(MountRequest::key).containsExactly("r", "e", "c", "b", "a");
    }

    @Test
    void detachedMountIsMovedLaterAndUnmountTargetChecksMountPoints() throws Exception {
        Path data = Files.createDirectories(sb.host.resolve("data"));
        Files.writeString(data.resolve("f"), "late");
        MountRequest r = MountRequest.of("mp7", new MountSource.HostDirectory(data), "/late/mp").withReadOnly(true);
        try (Fd mnt = engine.detachedMount(r)) {
            assertThat(sb.innerMounts()).isEmpty();
            try (Fd root = PathCalls.openDirectory(sb.rootfs)) {
                engine.attach(mnt, root, r);
            }
        }
        assertThat(Files.readString(sb.rootfs.resolve("late/mp/f"))).isEqualTo("late");
        assertThatThrownBy(() -> engine.unmountTarget(sb.rootfs, "/late"))
                .hasMessage("cannot unmount /late: not a mount point");
        engine.unmountTarget(sb.rootfs, "/late/mp");
        sb.assertClean();
    }

    @Test
    void quotaAndAclOnABindAreWarnings() throws Exception {
        Path data = Files.createDirectories(sb.host.resolve("data"));
        try (MountedSet set = engine.mountAll(sb.rootfs, List.of(MountRequest.of("mp0", new MountSource.HostDirectory(data), "/d")
                .withQuota(true).withOptions(List.of(MountOption.DISCARD))))) {
            assertThat(warnings).containsExactly("mount point mp0: cannot enable quota control for bind mounts",
                    "mount point mp0: mount option discard has no effect on a bind mount");
        }
        sb.assertClean();
    }

    /** The hotplug shape: make the mount here, move it into another process's mount namespace, unmount it there. */
    @Test
    void detachedMountMovesIntoAnotherMountNamespace() throws Exception {
        Path data = Files.createDirectories(sb.host.resolve("data"));
        Files.writeString(data.resolve("f"), "hotplugged");
        Process child = new ProcessBuilder("unshare", "-m", "--propagation", "private", "/bin/sh", "-c", "echo ready; exec sleep 60")
                .redirectErrorStream(true).start();
        try (Fd pidfd = io.berth.sys.Processes.pidfdOpen(child.pid())) {
            assertThat(new String(child.getInputStream().readNBytes(6))).isEqualTo("ready\n");
            MountRequest r = MountRequest.of("mp5", new MountSource.HostDirectory(data), "/hot").withIdmap(SHIFT);
            try (Fd ns = io.berth.sys.Processes.nsFd(pidfd, io.berth.sys.NsType.MNT); Fd mnt = engine.detachedMount(r)) {
                String seen = io.berth.sys.Namespaces.inMountNamespace(ns, () -> {
                    try (Fd root = PathCalls.openDirectory(sb.rootfs)) {
                        engine.attach(mnt, root, r);
                    }
                    return Files.readString(sb.rootfs.resolve("hot/f"))
                            + PathCalls.stat(Fd.CWD, sb.rootfs.resolve("hot/f").toString(), 0).uid();
                });
                assertThat(seen).isEqualTo("hotplugged100000");
                assertThat(sb.rootfs.resolve("hot/f")).doesNotExist();
                boolean stillThere = io.berth.sys.Namespaces.inMountNamespace(ns, () -> {
                    engine.unmountTarget(sb.rootfs, "/hot");
                    return Files.exists(sb.rootfs.resolve("hot/f"));
                });
                assertThat(stillThere).isFalse();
            }
        } finally {
            child.destroyForcibly();
            child.waitFor();
        }
        sb.assertClean();
    }
}
