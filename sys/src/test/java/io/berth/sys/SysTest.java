package io.berth.sys;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("root")
class SysTest {
    Path tmp;

    @BeforeEach
    void setUp() throws IOException {
        tmp = Files.createTempDirectory("berth-sys-");
    }

    @AfterEach
    void tearDown() throws IOException {
        // anything a failed test left mounted below tmp goes first
        List<String> lines = Files.readAllLines(Path.of("/proc/self/mountinfo"));
        for (String l : lines.reversed()) {
            String mp = l.split(" ")[4];
            if (mp.startsWith(tmp.toString())) {
                try { Mounts.umount2(mp, Mounts.MNT_DETACH); } catch (SysException ignored) { }
            }
        }
        try (var s = Files.walk(tmp)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private boolean mountedAt(Path p) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().anyMatch(l -> l.split(" ")[4].equals(p.toString()));
    }

    @Test
    void errnoIsCapturedAndNamedWithTheCall() {
        assertThatThrownBy(() -> PathCalls.openat(Fd.CWD, tmp + "/missing", PathCalls.O_RDONLY | PathCalls.O_CLOEXEC, 0))
                .isInstanceOfSatisfying(SysException.class, e -> {
                    assertThat(e.errno()).isEqualTo(2);
                    assertThat(e.errnoName()).isEqualTo("ENOENT");
                    assertThat(e.is(Errno.ENOENT)).isTrue();
                    assertThat(e.call()).isEqualTo("openat(AT_FDCWD, \"" + tmp + "/missing\", O_RDONLY|O_CLOEXEC)");
                    assertThat(e.getMessage()).endsWith(": ENOENT (No such file or directory)");
                });
        assertThatThrownBy(() -> Mounts.cloneTree(tmp + "/nope", false))
                .hasMessage("open_tree(\"" + tmp + "/nope\", OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC): ENOENT (No such file or directory)");
        assertThatThrownBy(() -> PathCalls.mkdirat(Fd.CWD, tmp.toString(), 0755))
                .isInstanceOfSatisfying(SysException.class, e -> assertThat(e.is(Errno.EEXIST)).isTrue());
    }

    @Test
    void fdDupAndIdempotentClose() throws IOException {
        Files.writeString(tmp.resolve("f"), "hello");
        Fd fd = PathCalls.openat(Fd.CWD, tmp.resolve("f").toString(), PathCalls.O_RDONLY | PathCalls.O_CLOEXEC, 0);
        Fd d = fd.dup();
        assertThat(d.fd()).isNotEqualTo(fd.fd());
        assertThat(Files.readSymbolicLink(Path.of("/proc/self/fd/" + d.fd()))).isEqualTo(tmp.resolve("f"));
        fd.close();
        fd.close();
        assertThat(fd.isOpen()).isFalse();
        assertThatThrownBy(fd::fd).isInstanceOf(IllegalStateException.class);
        assertThat(PathCalls.fstat(d).size()).isEqualTo(5);
        d.close();
        Fd.CWD.close();
        assertThat(Fd.CWD.isOpen()).isTrue();
    }

    @Test
    void statMatchesJavaAndKnowsMountRoots() throws IOException {
        Path f = tmp.resolve("f");
        Files.writeString(f, "12345678");
        Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----"));
        PathCalls.fchownat(Fd.CWD, f.toString(), 1234, 5678, 0);
        Stat st = PathCalls.stat(Fd.CWD, f.toString(), 0);
        PosixFileAttributes attrs = Files.readAttributes(f, PosixFileAttributes.class);
        assertThat(st.type()).isEqualTo(Stat.FileType.REGULAR);
        assertThat(st.size()).isEqualTo(8);
        assertThat(st.permissions()).isEqualTo(0640);
        assertThat(st.uid()).isEqualTo(1234);
        assertThat(st.gid()).isEqualTo(5678);
        assertThat(st.ino()).isEqualTo(Files.getAttribute(f, "unix:ino"));
        assertThat(st.mountRoot()).isFalse();
        assertThat(attrs.size()).isEqualTo(8);
        assertThat(PathCalls.stat(Fd.CWD, "/proc", 0).mountRoot()).isTrue();
        PathCalls.symlinkat("f", Fd.CWD, tmp.resolve("l").toString());
        assertThat(PathCalls.stat(Fd.CWD, tmp.resolve("l").toString(), PathCalls.AT_SYMLINK_NOFOLLOW).isSymlink()).isTrue();
        assertThat(PathCalls.readlinkat(Fd.CWD, tmp.resolve("l").toString())).isEqualTo("f");
        PathCalls.unlinkat(Fd.CWD, tmp.resolve("l").toString(), 0);
        assertThat(tmp.resolve("l")).doesNotExist();
    }

    @Test
    void openat2ResolvesInRootAndRefusesSymlinks() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("root"));
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/marker"), "inside");
        Files.createSymbolicLink(root.resolve("abs"), Path.of("/etc"));
        try (Fd r = PathCalls.openDirectory(root);
             Fd viaLink = PathCalls.openat2(r, "abs/marker", PathCalls.O_RDONLY | PathCalls.O_CLOEXEC, 0, PathCalls.RESOLVE_IN_ROOT)) {
            // the absolute symlink is resolved against the root, not the host's /etc
            assertThat(Files.readString(Path.of("/proc/self/fd/" + viaLink.fd()))).isEqualTo("inside");
            assertThatThrownBy(() -> PathCalls.openat2(r, "abs/marker", PathCalls.O_RDONLY, 0,
                    PathCalls.RESOLVE_IN_ROOT | PathCalls.RESOLVE_NO_SYMLINKS))
                    .isInstanceOfSatisfying(SysException.class, e -> assertThat(e.is(Errno.ELOOP)).isTrue())
                    .hasMessageContaining("resolve=RESOLVE_NO_SYMLINKS|RESOLVE_IN_ROOT");
            assertThatThrownBy(() -> PathCalls.openat2(r, "../../etc/passwd", PathCalls.O_RDONLY, 0, PathCalls.RESOLVE_BENEATH))
                    .isInstanceOfSatisfying(SysException.class, e -> assertThat(e.is(Errno.EXDEV)).isTrue());
        }
    }

    @Test
    void detachedTmpfsIsMovedReadOnlyAndUnmountedByFd() throws IOException {
        Path target = Files.createDirectories(tmp.resolve("target"));
        Files.writeString(target.resolve("under"), "x");
        try (Fd fs = Mounts.fsopen("tmpfs")) {
            Mounts.fsconfigString(fs, "size", "1m");
            Mounts.fsconfigCreate(fs);
            try (Fd mnt = Mounts.fsmount(fs, 0); Fd t = PathCalls.openDirectory(target)) {
                Mounts.moveMountOnto(mnt, t);
            }
        }
        assertThat(mountedAt(target)).isTrue();
        assertThat(target.resolve("under")).doesNotExist();
        Files.writeString(target.resolve("on-tmpfs"), "y");
        try (Fd m = PathCalls.openDirectory(target)) {
            assertThat(PathCalls.fstat(m).mountRoot()).isTrue();
            Mounts.setAttr(m, Mounts.MOUNT_ATTR_RDONLY, 0, null);
            assertThat(PathCalls.accessErrno(m, "", PathCalls.W_OK, PathCalls.AT_EMPTY_PATH)).isEqualTo(Errno.EROFS.number());
            assertThatThrownBy(() -> Files.writeString(target.resolve("more"), "z")).hasMessageContaining("Read-only");
            Mounts.umountAt(m, Mounts.MNT_DETACH);
        }
        assertThat(mountedAt(target)).isFalse();
        assertThat(target.resolve("under")).exists();
    }

    @Test
    void openTreeCloneBindsAHostDirectory() throws IOException {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Path dst = Files.createDirectories(tmp.resolve("dst"));
        Files.writeString(src.resolve("data"), "bound");
        try (Fd clone = Mounts.cloneTree(src.toString(), false)) {
            Mounts.moveMount(clone, "", Fd.CWD, dst.toString(), Mounts.MOVE_MOUNT_F_EMPTY_PATH);
        }
        try {
            assertThat(Files.readString(dst.resolve("data"))).isEqualTo("bound");
        } finally {
            Mounts.umount2(dst.toString(), Mounts.MNT_DETACH | Mounts.UMOUNT_NOFOLLOW);
        }
        assertThat(dst.resolve("data")).doesNotExist();
    }

    @Test
    void fsconfigErrorsCarryTheKernelLog() {
        try (Fd fs = Mounts.fsopen("tmpfs")) {
            assertThatThrownBy(() -> Mounts.fsconfigString(fs, "no_such_option", "1"))
                    .isInstanceOfSatisfying(SysException.class, e -> assertThat(e.is(Errno.EINVAL)).isTrue())
                    .hasMessageContaining("fsconfig(")
                    .hasMessageContaining("no_such_option");
        }
    }

    @Test
    void namespaceThreadSeesAMountOnlyTheChildNamespaceHas() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("nsdir"));
        Process child = new ProcessBuilder("unshare", "-m", "--propagation", "private", "/bin/sh", "-c",
                "mount -t tmpfs berth-test " + dir + " && echo secret > " + dir + "/only-here && echo ready && exec sleep 60")
                .redirectErrorStream(true).start();
        try {
            String ready = new String(child.getInputStream().readNBytes(6), StandardCharsets.US_ASCII);
            assertThat(ready).isEqualTo("ready\n");
            assertThat(dir.resolve("only-here")).doesNotExist();
            try (Fd pidfd = Processes.pidfdOpen(child.pid());
                 Fd ns = Processes.nsFd(pidfd, NsType.MNT);
                 Fd ns2 = Processes.nsFd(child.pid(), NsType.MNT)) {
                assertThat(PathCalls.fstat(ns).ino()).isEqualTo(PathCalls.fstat(ns2).ino());
                String seen = Namespaces.inMountNamespace(ns, () -> Files.readString(dir.resolve("only-here")).strip());
                assertThat(seen).isEqualTo("secret");
                // a checked exception from the task comes through as itself
                assertThatThrownBy(() -> Namespaces.inMountNamespace(ns, () -> Files.readString(dir.resolve("absent"))))
                        .isInstanceOf(java.nio.file.NoSuchFileException.class);
            }
            assertThat(dir.resolve("only-here")).doesNotExist();
            // the JVM's own threads cannot join: their fs state is shared
            try (Fd ns = Processes.nsFd(child.pid(), NsType.MNT)) {
                assertThatThrownBy(() -> Namespaces.setns(ns, Namespaces.CLONE_NEWNS))
                        .isInstanceOfSatisfying(SysException.class, e -> assertThat(e.is(Errno.EINVAL)).isTrue());
            }
        } finally {
            child.destroyForcibly();
            child.waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void newMountNamespaceKeepsMountsToItself() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("private"));
        boolean insideSees = Namespaces.inNewMountNamespace(() -> {
            Mounts.mount("berth-test", dir.toString(), "tmpfs", 0, "size=1m");
            Files.writeString(dir.resolve("x"), "1");
            return Files.exists(dir.resolve("x"));
        });
        assertThat(insideSees).isTrue();
        assertThat(dir.resolve("x")).doesNotExist();
        assertThat(mountedAt(dir)).isFalse();
    }

    /**
     * What berth start relies on: a child spawned (posix_spawn, CLONE_VM|CLONE_VFORK) on a worker in a new namespace
     * is in that namespace and keeps it after the task (LXC's monitor copies it), the host never sees its mounts,
     * and the worker is back in the process's namespace for the next task, which does not see the last one's mounts.
     */
    @Test
    void aNamespaceWorkersChildKeepsTheTasksMountsAndTheWorkerGoesBackHome() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("worker"));
        String home = Files.readSymbolicLink(Path.of("/proc/self/ns/mnt")).toString();
        long[] tid = new long[1];
        ProcessRunner.Running child = Namespaces.inNewMountNamespaceOnWorker(() -> {
            tid[0] = Long.parseLong(Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString());
            Mounts.mount("berth-test", dir.toString(), "tmpfs", 0, "size=1m");
            Files.writeString(dir.resolve("x"), "1");
            return ProcessRunner.pipeline(List.of(List.of("sh", "-c", "read line; cat " + dir.resolve("x")))).stdinFromCaller()
                    .stdoutCaptured().start();
        });
        assertThat(mountedAt(dir)).isFalse();
        assertThat(Files.readSymbolicLink(Path.of("/proc/self/task/" + tid[0] + "/ns/mnt")).toString()).isEqualTo(home);
        // the task's namespace lives on in the child, mounts and all
        try (var in = child.stdin()) {
            in.write('\n');
        }
        assertThat(child.await().getFirst().stdout()).isEqualTo("1");
        boolean nextSees = Namespaces.inNewMountNamespaceOnWorker(() -> Files.exists(dir.resolve("x")));
        assertThat(nextSees).isFalse();
        assertThatThrownBy(() -> Namespaces.inNewMountNamespaceOnWorker(() -> {
            throw new IOException("task failed");
        })).isInstanceOf(IOException.class).hasMessage("task failed");
        assertThat(mountedAt(dir)).isFalse();
    }

    @Test
    void pidfdSignalsAChild() throws Exception {
        Process child = new ProcessBuilder("sleep", "60").start();
        try (Fd pidfd = Processes.pidfdOpen(child.pid())) {
            assertThat(Processes.isAlive(pidfd)).isTrue();
            assertThat(Processes.pidOf(pidfd)).isEqualTo(child.pid());
            assertThat(Processes.parentPid(child.pid())).isEqualTo(ProcessHandle.current().pid());
            Processes.pidfdSendSignal(pidfd, Processes.SIGKILL);
            assertThat(child.waitFor(5, TimeUnit.SECONDS)).isTrue();
            assertThat(child.exitValue()).isEqualTo(128 + Processes.SIGKILL);
            assertThat(Processes.isAlive(pidfd)).isFalse();
            assertThatThrownBy(() -> Processes.pidfdSendSignal(pidfd, Processes.SIGTERM))
                    .isInstanceOfSatisfying(SysException.class, e -> assertThat(e.is(Errno.ESRCH)).isTrue());
        } finally {
            child.destroyForcibly();
        }
    }

    @Test
    void kernelFeaturesOnThisKernel() {
        KernelFeatures k = KernelFeatures.get();
        assertThat(k).isSameAs(KernelFeatures.get());
        // kernel 6.x: every probed feature is there; the probe must agree with the fresh one
        assertThat(k).isEqualTo(KernelFeatures.probe());
        assertThat(k.openat2()).isTrue();
        assertThat(k.openTree()).isTrue();
        assertThat(k.moveMount()).isTrue();
        assertThat(k.mountSetattr()).isTrue();
        assertThat(k.idmappedMounts()).isTrue();
        assertThat(k.fsopen()).isTrue();
        assertThat(k.pidfd()).isTrue();
    }

    @Test
    void loopDeviceAttachAutoclearAndDetach() throws Exception {
        Path img = tmp.resolve("disk.img");
        try (var ch = java.nio.channels.FileChannel.open(img, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(4 << 20);
            ch.write(java.nio.ByteBuffer.allocate(1), (4 << 20) - 1);
        }
        Path dev;
        try (LoopDevices.LoopDevice loop = LoopDevices.attach(img, LoopDevices.Options.autoclearing(true))) {
            dev = loop.device();
            assertThat(LoopDevices.findByBackingFile(img)).containsExactly(dev);
            assertThat(Files.readString(Path.of("/sys/block/" + dev.getFileName() + "/ro")).strip()).isEqualTo("1");
        }
        awaitDetached(img);
        LoopDevices.LoopDevice kept = LoopDevices.attach(img, new LoopDevices.Options(false, false, false));
        try {
            kept.close();
            assertThat(LoopDevices.findByBackingFile(img)).containsExactly(kept.device());
        } finally {
            LoopDevices.detach(kept.device());
        }
        awaitDetached(img);
    }

    static void awaitDetached(Path img) throws InterruptedException {
        for (int i = 0; i < 100 && !LoopDevices.findByBackingFile(img).isEmpty(); i++) Thread.sleep(20);
        assertThat(LoopDevices.findByBackingFile(img)).isEmpty();
    }

    @Test
    void userNamespacesAreCachedPerMap() throws IOException {
        List<UserNamespaces.Range> map = List.of(new UserNamespaces.Range('u', 0, 200000, 65536),
                new UserNamespaces.Range('g', 0, 200000, 65536));
        List<UserNamespaces.Range> sameReordered = List.of(map.get(1), map.get(0));
        List<UserNamespaces.Range> other = List.of(new UserNamespaces.Range('u', 0, 300000, 10),
                new UserNamespaces.Range('g', 0, 300000, 10));
        try (Fd a = UserNamespaces.forMap(map); Fd b = UserNamespaces.forMap(sameReordered); Fd c = UserNamespaces.forMap(other)) {
            assertThat(Files.readSymbolicLink(Path.of("/proc/self/fd/" + a.fd())).toString()).startsWith("user:[");
            assertThat(PathCalls.fstat(a).ino()).isEqualTo(PathCalls.fstat(b).ino());
            assertThat(PathCalls.fstat(a).ino()).isNotEqualTo(PathCalls.fstat(c).ino());
            assertThat(UserNamespaces.canonical(map)).isEqualTo("u 0 200000 65536\ng 0 200000 65536\n");
        }
        assertThatThrownBy(() -> new UserNamespaces.Range('x', 0, 0, 1)).hasMessageContaining("'x'");
    }
}
