package io.berth.sys;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Loop devices through ioctls on /dev/loop-control and /dev/loopN (no losetup process):
 * LOOP_CTL_GET_FREE, LOOP_CONFIGURE, LOOP_CLR_FD, and lookup by backing file (device and inode, LOOP_GET_STATUS64).
 */
public final class LoopDevices {
    private LoopDevices() {}

    static final long LOOP_SET_FD = 0x4C00, LOOP_CLR_FD = 0x4C01, LOOP_GET_STATUS64 = 0x4C05, LOOP_CONFIGURE = 0x4C0A,
            LOOP_CTL_GET_FREE = 0x4C82;
    static final int LO_FLAGS_READ_ONLY = 1, LO_FLAGS_AUTOCLEAR = 4, LO_FLAGS_PARTSCAN = 8, LO_FLAGS_DIRECT_IO = 16;

    private static final Native.Fn IOCTL_PTR = Native.fnVariadic("ioctl", 2);
    private static final Native.Fn IOCTL_LONG = Native.fnVariadic("ioctl", 2);

    /**
     * How to attach. With {@code autoclear} the kernel detaches the device once the last user (our fd,
     * a mount) is gone, so a mount that outlives the process cleans up after itself.
     */
    public record Options(boolean readOnly, boolean autoclear, boolean directIo) {
        /** Read-write, autoclear, buffered: what the mount engine uses. */
        public static Options autoclearing(boolean readOnly) { return new Options(readOnly, true, false); }
    }

    /** An attached device together with the open fd that keeps it alive (for autoclear devices) until closed. */
    public record LoopDevice(Path device, int number, Fd fd) implements AutoCloseable {
        @Override public void close() { fd.close(); }
    }

    /** Attaches {@code file} to a free loop device. Retries when another process takes the same free device. */
    public static LoopDevice attach(Path file, Options opts) {
        try (Fd backing = PathCalls.openat(Fd.CWD, file.toString(),
                (opts.readOnly() ? PathCalls.O_RDONLY : PathCalls.O_RDWR) | PathCalls.O_CLOEXEC, 0)) {
            SysException last = null;
            for (int attempt = 0; attempt < 20; attempt++) {
                int n = getFree();
                Path dev = Path.of("/dev/loop" + n);
                Fd loop = PathCalls.openat(Fd.CWD, dev.toString(),
                        (opts.readOnly() ? PathCalls.O_RDONLY : PathCalls.O_RDWR) | PathCalls.O_CLOEXEC, 0);
                try {
                    configure(loop, dev, backing, file, opts);
                    return new LoopDevice(dev, n, loop);
                } catch (SysException e) {
                    loop.close();
                    if (!e.is(Errno.EBUSY)) throw e;
                    last = e;
                }
            }
            throw last;
        }
    }

    private static int getFree() {
        try (Fd ctl = PathCalls.openat(Fd.CWD, "/dev/loop-control", PathCalls.O_RDWR | PathCalls.O_CLOEXEC, 0);
             Arena a = Arena.ofConfined()) {
            int fd = ctl.fd();
            return (int) Native.call(a, () -> "ioctl(/dev/loop-control, LOOP_CTL_GET_FREE)",
                    IOCTL_LONG, fd, LOOP_CTL_GET_FREE, 0L);
        }
    }

    private static void configure(Fd loop, Path dev, Fd backing, Path file, Options opts) {
        try (Arena a = Arena.ofConfined()) {
            // struct loop_config { __u32 fd; __u32 block_size; struct loop_info64 info; __u64 __reserved[8]; }
            MemorySegment cfg = a.allocate(304, 8);
            cfg.set(JAVA_INT, 0, backing.fd());
            int flags = (opts.readOnly() ? LO_FLAGS_READ_ONLY : 0) | (opts.autoclear() ? LO_FLAGS_AUTOCLEAR : 0)
                    | (opts.directIo() ? LO_FLAGS_DIRECT_IO : 0);
            cfg.set(JAVA_INT, 8 + 52, flags); // info.lo_flags
            byte[] name = file.toString().getBytes(StandardCharsets.UTF_8);
            MemorySegment.copy(name, 0, cfg, JAVA_BYTE, 8 + 56, Math.min(name.length, 63)); // info.lo_file_name
            int fd = loop.fd();
            Native.call(a, () -> "ioctl(" + dev + ", LOOP_CONFIGURE, {fd=" + file + ", flags=" + loFlags(flags) + "})",
                    IOCTL_PTR, fd, LOOP_CONFIGURE, cfg.address());
        }
    }

    /** LOOP_CLR_FD: detaches the device now if unused, or (for a busy device) once its last user is gone. */
    public static void detach(Path device) {
        try (Fd loop = PathCalls.openat(Fd.CWD, device.toString(), PathCalls.O_RDONLY | PathCalls.O_CLOEXEC, 0);
             Arena a = Arena.ofConfined()) {
            int fd = loop.fd();
            Native.call(a, () -> "ioctl(" + device + ", LOOP_CLR_FD)", IOCTL_LONG, fd, LOOP_CLR_FD, 0L);
        }
    }

    /** Every attached loop device and its backing file, from /sys/block/loop*&#47;loop/backing_file. */
    public static Map<Path, Path> attached() {
        Map<Path, Path> out = new LinkedHashMap<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/sys/block"), "loop*")) {
            List<Path> devs = new ArrayList<>();
            ds.forEach(devs::add);
            devs.sort(null);
            for (Path d : devs) {
                Path bf = d.resolve("loop/backing_file");
                try {
                    String f = Files.readString(bf).strip();
                    if (!f.isEmpty()) out.put(Path.of("/dev").resolve(d.getFileName()), Path.of(f));
                } catch (IOException e) {
                    // not attached (no loop/ dir) or detached while we looked
                }
            }
        } catch (IOException e) {
            throw new SysException("opendir(\"/sys/block\")", Errno.EIO.number(), e.getMessage());
        }
        return out;
    }

    /**
     * The loop devices backed by {@code file}, matched by the backing file's device and inode (LOOP_GET_STATUS64), not by
     * sysfs's {@code backing_file}: that is a path as seen from the reader's root, and for a file opened in another mount
     * namespace whose mounts are detached (a private namespace ending, a stopped container's) it reads relative to the
     * file's own filesystem (e.g. {@code /images/100/vm-100-disk-0.raw} without the storage's mount point). A lookup by
     * path then misses a device that still holds the image, a second device gets attached, and ext4's multi-mount
     * protection sees the image in use. An unbound or detaching device is skipped.
     */
    public static List<Path> findByBackingFile(Path file) {
        Stat want;
        try {
            want = PathCalls.stat(Fd.CWD, file.toString(), 0);
        } catch (SysException e) {
            return findByBackingPath(file); // gone: only its name is left to compare
        }
        List<Path> out = new ArrayList<>();
        for (Path dev : attached().keySet()) {
            backing(dev).filter(b -> b.devMajor() == want.devMajor() && b.devMinor() == want.devMinor() && b.ino() == want.ino())
                    .ifPresent(b -> out.add(dev));
        }
        return out;
    }

    private static List<Path> findByBackingPath(Path file) {
        Path want = realPath(file);
        List<Path> out = new ArrayList<>();
        attached().forEach((dev, f) -> {
            if (f.equals(want) || f.equals(file)) out.add(dev);
        });
        return out;
    }

    /** A bound loop device's backing file: its filesystem's device number and its inode. */
    public record Backing(int devMajor, int devMinor, long ino) {}

    /** LOOP_GET_STATUS64 on {@code device}: its backing file, empty if it is unbound or being torn down (ENXIO). */
    public static Optional<Backing> backing(Path device) {
        Fd loop;
        try {
            loop = PathCalls.openat(Fd.CWD, device.toString(), PathCalls.O_RDONLY | PathCalls.O_CLOEXEC, 0);
        } catch (SysException e) {
            if (e.is(Errno.ENXIO) || e.is(Errno.ENOENT)) return Optional.empty();
            throw e;
        }
        try (loop; Arena a = Arena.ofConfined()) {
            return backing(loop, device, a);
        }
    }

    private static Optional<Backing> backing(Fd loop, Path device, Arena a) {
        // struct loop_info64 { __u64 lo_device, lo_inode, ...; } (232 bytes); lo_device is new_encode_dev(st_dev)
        MemorySegment info = a.allocate(232, 8);
        int fd = loop.fd();
        try {
            Native.call(a, () -> "ioctl(" + device + ", LOOP_GET_STATUS64)", IOCTL_PTR, fd, LOOP_GET_STATUS64, info.address());
        } catch (SysException e) {
            if (e.is(Errno.ENXIO)) return Optional.empty();
            throw e;
        }
        long dev = info.get(JAVA_LONG, 0), ino = info.get(JAVA_LONG, 8);
        int major = (int) ((dev & 0xfff00) >>> 8), minor = (int) ((dev & 0xff) | ((dev >>> 12) & 0xfff00));
        return Optional.of(new Backing(major, minor, ino));
    }

    /** The first loop device backed by {@code file}, if any. */
    public static Optional<Path> findOneByBackingFile(Path file) {
        List<Path> l = findByBackingFile(file);
        return l.isEmpty() ? Optional.empty() : Optional.of(l.getFirst());
    }

    private static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p.toAbsolutePath().normalize();
        }
    }

    static String loFlags(int f) {
        return Bits.render(f, "0", LO_FLAGS_READ_ONLY, "LO_FLAGS_READ_ONLY", LO_FLAGS_AUTOCLEAR, "LO_FLAGS_AUTOCLEAR",
                LO_FLAGS_PARTSCAN, "LO_FLAGS_PARTSCAN", LO_FLAGS_DIRECT_IO, "LO_FLAGS_DIRECT_IO");
    }
}
