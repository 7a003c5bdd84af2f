package io.berth.mount;

import io.berth.sys.Errno;
import io.berth.sys.Fd;
import io.berth.sys.PathCalls;
import io.berth.sys.SysException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Symlinks and races planted by a hostile container must never move a mount outside its rootfs. */
@Tag("root")
class SymlinkSecurityTest {
    Sandbox sb;
    Path data;
    final List<String> warnings = new ArrayList<>();
    final MountEngine engine = new MountEngine(warnings::add);

    @BeforeEach
    void setUp() throws Exception {
        sb = new Sandbox();
        data = Files.createDirectories(sb.host.resolve("data"));
        Files.writeString(data.resolve("payload"), "payload");
    }

    @AfterEach
    void tearDown() throws Exception {
        sb.close();
    }

    private MountRequest bind(String target) {
        return MountRequest.of("mp0", new MountSource.HostDirectory(data), target).withOwner(100000, 100000);
    }

    private void assertRefused(String target, String message) throws Exception {
        assertThatThrownBy(() -> engine.mountAll(sb.rootfs, List.of(bind(target))))
                .isInstanceOf(MountException.class)
                .hasMessageContaining(message);
        sb.assertClean();
        assertThat(Files.exists(sb.outside.resolve("payload"))).isFalse();
    }

    @Test
    void absoluteSymlinkToAHostDirectory() throws Exception {
        Files.createSymbolicLink(sb.rootfs.resolve("evil"), sb.outside);
        assertRefused("/evil", "'/evil' is a symlink");
        assertRefused("/evil/sub/deeper", "'/evil' is a symlink");
    }

    @Test
    void absoluteSymlinkToEtc() throws Exception {
        Files.createSymbolicLink(sb.rootfs.resolve("etc"), Path.of("/etc"));
        assertRefused("/etc/berth-never-here", "'/etc' is a symlink");
        assertThat(Path.of("/etc/berth-never-here")).doesNotExist();
    }

    @Test
    void relativeSymlinkClimbingOut() throws Exception {
        Files.createDirectories(sb.rootfs.resolve("var"));
        Files.createSymbolicLink(sb.rootfs.resolve("var/run"), Path.of("../../outside"));
        assertRefused("/var/run/x", "'/var/run' is a symlink");
        Files.createSymbolicLink(sb.rootfs.resolve("up"), Path.of("../../../../../../.."));
        assertRefused("/up" + sb.outside, "'/up' is a symlink");
    }

    @Test
    void dotDotComponentsAreRejected() throws Exception {
        assertThatThrownBy(() -> bind("/../outside")).hasMessage(
                "mount point mp0: target '/../outside' has a '..' component: not allowed, use a path without '..'");
        assertThatThrownBy(() -> bind("/a/b/../../../outside")).hasMessageContaining("'..' component");
        // ".." in a symlink target is a symlink like any other
        Files.createSymbolicLink(sb.rootfs.resolve("dots"), Path.of(".."));
        assertRefused("/dots/outside", "'/dots' is a symlink");
        sb.assertClean();
    }

    @Test
    void symlinkedParentDeepInThePath() throws Exception {
        Files.createDirectories(sb.rootfs.resolve("a/b"));
        Files.createSymbolicLink(sb.rootfs.resolve("a/b/c"), sb.outside);
        assertRefused("/a/b/c/d/e", "'/a/b/c' is a symlink");
        assertThat(sb.rootfs.resolve("a/b/c")).isSymbolicLink();
    }

    @Test
    void symlinkPointingInsideIsRefusedToo() throws Exception {
        Files.createDirectories(sb.rootfs.resolve("real"));
        Files.createSymbolicLink(sb.rootfs.resolve("alias"), Path.of("/real"));
        assertRefused("/alias", "'/alias' is a symlink");
    }

    @Test
    void fileInThePath() throws Exception {
        Files.writeString(sb.rootfs.resolve("file"), "f");
        assertRefused("/file/x", "'/file' is a regular file, not a directory: a mount point is mounted over a directory");
    }

    @ParameterizedTest(name = "openat2={0}")
    @ValueSource(booleans = {true, false})
    void safePathRefusesEverySymlinkWithAndWithoutOpenat2(boolean openat2) throws Exception {
        Files.createSymbolicLink(sb.rootfs.resolve("abs"), sb.outside);
        Files.createSymbolicLink(sb.rootfs.resolve("rel"), Path.of("../outside"));
        Files.createDirectories(sb.rootfs.resolve("d"));
        Files.createSymbolicLink(sb.rootfs.resolve("d/last"), Path.of("/d"));
        try (Fd root = PathCalls.openDirectory(sb.rootfs)) {
            for (String[] c : new String[][] {{"/abs", "'/abs'"}, {"/abs/new", "'/abs'"}, {"/rel/new", "'/rel'"},
                    {"/d/last", "'/d/last'"}, {"/d/last/x", "'/d/last'"}}) {
                assertThatThrownBy(() -> SafePath.openTarget(root, c[0], 100000, 100000, true, openat2))
                        .hasMessageContaining(c[1] + " is a symlink");
            }
            try (Fd made = SafePath.openTarget(root, "/d/new/deep", 100000, 100001, true, openat2)) {
                assertThat(PathCalls.fstat(made).uid()).isEqualTo(100000);
                assertThat(PathCalls.fstat(made).gid()).isEqualTo(100001);
                assertThat(Files.readSymbolicLink(Path.of("/proc/self/fd/" + made.fd()))).isEqualTo(sb.rootfs.resolve("d/new/deep"));
            }
            assertThatThrownBy(() -> SafePath.openTarget(root, "/d/missing", -1, -1, false, openat2))
                    .hasMessageContaining("'/d/missing' does not exist");
        }
        sb.assertOutsideUntouched();
    }

    /**
     * A racer keeps swapping /race between a real directory and a symlink to the outside while
     * mounts onto /race/sub run. Each mount either fails or lands inside the rootfs, never outside.
     */
    @Test
    void directorySwappedForASymlinkWhileMounting() throws Exception {
        Path race = sb.rootfs.resolve("race");
        Path hidden = sb.rootfs.resolve("race.hidden");
        Files.createDirectories(race.resolve("sub"));
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger swaps = new AtomicInteger();
        Thread racer = Thread.ofPlatform().start(() -> {
            while (!stop.get()) {
                try {
                    Files.move(race, hidden);
                    Files.createSymbolicLink(race, sb.outside);
                    java.util.concurrent.locks.LockSupport.parkNanos(300_000);
                    Files.delete(race);
                    Files.move(hidden, race);
                    swaps.incrementAndGet();
                    java.util.concurrent.locks.LockSupport.parkNanos(300_000);
                } catch (Exception e) {
                    // collided with a mkdir of the engine: try again
                }
            }
        });
        int ok = 0, refused = 0;
        try {
            for (int i = 0; i < 300; i++) {
                MountedSet set;
                try {
                    set = engine.mountAll(sb.rootfs, List.of(bind("/race/sub")));
                } catch (MountException e) {
                    refused++;
                    continue;
                }
                ok++;
                for (MountInfo m : sb.innerMounts()) {
                    assertThat(m.mountPoint()).startsWith(sb.rootfs + "/");
                }
                try {
                    set.close();
                } catch (MountException e) {
                    // /race was a symlink at unmount time: swept up below
                }
                sb.assertOutsideUntouched();
            }
        } finally {
            stop.set(true);
            racer.join();
        }
        if (!Files.isDirectory(race, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            Files.deleteIfExists(race);
            Files.move(hidden, race);
        }
        engine.unmountAll(sb.rootfs);
        System.out.println("race: " + ok + " mounted inside, " + refused + " refused, " + swaps.get() + " swaps");
        assertThat(ok + refused).isEqualTo(300);
        assertThat(swaps.get()).isGreaterThan(0);
        assertThat(refused).as("the racer must actually hit some lookups").isGreaterThan(0);
        sb.assertClean();
    }

    @Test
    void readOnlyMountsAreNeverWritable() throws Exception {
        Path img = sb.ext4Image("ro.raw", null);
        Files.writeString(data.resolve("existing"), "old");
        try (MountedSet set = engine.mountAll(sb.rootfs, List.of(
                bind("/robind").withReadOnly(true),
                MountRequest.of("mp1", new MountSource.ImageFile(img, "ext4"), "/roimg").withReadOnly(true)))) {
            for (String dir : List.of("robind", "roimg")) {
                Path d = sb.rootfs.resolve(dir);
                assertThatThrownBy(() -> Files.writeString(d.resolve("new"), "x")).hasMessageContaining("Read-only");
                assertThatThrownBy(() -> Files.createDirectory(d.resolve("newdir"))).hasMessageContaining("Read-only");
                assertThatThrownBy(() -> Sandbox.run("touch", d.resolve("viaprocess").toString())).hasMessageContaining("Read-only");
                assertThat(PathCalls.accessErrno(Fd.CWD, d.toString(), PathCalls.W_OK, 0)).isEqualTo(Errno.EROFS.number());
            }
            assertThatThrownBy(() -> PathCalls.openat(Fd.CWD, sb.rootfs.resolve("robind/existing").toString(), PathCalls.O_RDWR, 0))
                    .isInstanceOfSatisfying(SysException.class, e -> assertThat(e.is(Errno.EROFS)).isTrue());
            assertThat(Files.readString(data.resolve("existing"))).isEqualTo("old");
        }
        sb.assertClean();
    }
}
