package io.berth.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import io.berth.sys.Errno;
import io.berth.sys.Fd;
import io.berth.sys.PathCalls;
import io.berth.sys.SysException;

/** The ext4 steps Proxmox takes for container disks: mkfs with MMP and the container's root owner, grow. */
public final class Ext4 {
    private Ext4() {}

    /** {@code mkfs.ext4 -O mmp -E root_owner=U:G}: MMP guards against two nodes mounting a shared image. */
    static void mkfs(Path target, int rootUid, int rootGid) {
        HostCommand.of("mkfs.ext4", "-q", "-F", "-O", "mmp", "-E", "root_owner=" + rootUid + ":" + rootGid,
                target.toString()).run();
    }

    /**
     * A snapshot of a mounted image (a running container's) carries that mount's MMP sequence: the next read-write
     * mount takes it for another node's and waits 2 * interval + 1 s, where the interval grows with I/O latency (85 s
     * per volume on a loaded host, longer than a start may take). A volume rolled back to, or cloned from, such a
     * snapshot is a new file nothing has mounted, so its MMP block is reset ({@code tune2fs -E clear_mmp}, which also
     * replays the journal) before anything can mount it.
     */
    static void clearMmp(Path image) {
        if (!Files.isRegularFile(image) || mmpClean(image)) return;
        HostCommand.of("tune2fs", "-f", "-E", "clear_mmp", image.toString()).run();
    }

    private static final int EXT4_SB_OFFSET = 1024, EXT4_FEATURE_INCOMPAT_MMP = 0x100, EXT4_MMP_MAGIC = 0x004D4D50;
    private static final int EXT4_MMP_SEQ_CLEAN = 0xFF4D4D50;

    /**
     * Whether the image's MMP block says "cleanly unmounted" (a snapshot of a stopped container's image): then
     * there is nothing to reset and the image stays byte for byte what was snapshotted. Anything unreadable or
     * unexpected counts as not clean, so tune2fs decides.
     */
    static boolean mmpClean(Path image) {
        try (var ch = java.nio.channels.FileChannel.open(image, java.nio.file.StandardOpenOption.READ)) {
            var sb = java.nio.ByteBuffer.allocate(1024).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            if (ch.read(sb, EXT4_SB_OFFSET) != 1024) return false;
            if ((sb.getShort(0x38) & 0xffff) != 0xEF53) return false;
            if ((sb.getInt(0x60) & EXT4_FEATURE_INCOMPAT_MMP) == 0) return true; // no MMP: nothing to reset
            long blockSize = 1024L << sb.getInt(0x18);
            long mmpBlock = sb.getLong(0x168);
            if (mmpBlock == 0) return false;
            var mmp = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            if (ch.read(mmp, mmpBlock * blockSize) != 8) return false;
            return mmp.getInt(0) == EXT4_MMP_MAGIC && mmp.getInt(4) == EXT4_MMP_SEQ_CLEAN;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static final int EXT4_MMP_SEQ_FSCK = 0xE24D4D50;
    /** fs/ext4/ext4.h EXT4_MMP_MIN_CHECK_INTERVAL: the kernel never waits on a shorter interval. */
    private static final int EXT4_MMP_MIN_CHECK_INTERVAL = 5;

    /**
     * How long the kernel's multi-mount protection will make the next mount of this ext4 image or device wait, as
     * fs/ext4/mmp.c does it: an MMP block that is not "clean" (the last mount was not unmounted: a host crash, or
     * it is mounted elsewhere) costs {@code min(2 * i + 1, i + 60)} seconds twice (before and after writing a new
     * sequence), {@code i} being the larger of the superblock's update interval, the block's check interval (which
     * the kernel raises up to 300 s when the block's I/O is slow) and 5. Empty when the mount will not wait: clean,
     * no MMP, an fsck marker (that mount fails at once) or unreadable.
     */
    public static Optional<MmpWait> mmpMountWait(Path imageOrDevice) {
        try (var ch = java.nio.channels.FileChannel.open(imageOrDevice, java.nio.file.StandardOpenOption.READ)) {
            var sb = java.nio.ByteBuffer.allocate(1024).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            if (ch.read(sb, EXT4_SB_OFFSET) != 1024) return Optional.empty();
            if ((sb.getShort(0x38) & 0xffff) != 0xEF53 || (sb.getInt(0x60) & EXT4_FEATURE_INCOMPAT_MMP) == 0) return Optional.empty();
            long blockSize = 1024L << sb.getInt(0x18);
            long mmpBlock = sb.getLong(0x168);
            if (mmpBlock == 0) return Optional.empty();
            var mmp = java.nio.ByteBuffer.allocate(116).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            if (ch.read(mmp, mmpBlock * blockSize) != 116 || mmp.getInt(0) != EXT4_MMP_MAGIC) return Optional.empty();
            int seq = mmp.getInt(4);
            if (seq == EXT4_MMP_SEQ_CLEAN || seq == EXT4_MMP_SEQ_FSCK) return Optional.empty();
            int interval = Math.max(Math.max(sb.getShort(0x166) & 0xffff, mmp.getShort(112) & 0xffff), EXT4_MMP_MIN_CHECK_INTERVAL);
            long once = Math.min(2L * interval + 1, interval + 60L);
            byte[] node = new byte[64];
            mmp.get(16, node);
            int len = 0;
            while (len < node.length && node[len] != 0) len++;
            return Optional.of(new MmpWait(java.time.Duration.ofSeconds(2 * once),
                    new String(node, 0, len, java.nio.charset.StandardCharsets.UTF_8)));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The longest a mount will wait on the MMP block, and the node that last wrote it (as ext4 recorded it). */
    public record MmpWait(java.time.Duration upTo, String lastNode) {}

    /**
     * resize2fs refuses to grow an unmounted filesystem not checked since its last mount, so check it first,
     * but only then: with MMP every read-write open of the image waits 2 * 5 + 1 s for other nodes, and
     * a fresh or freshly checked filesystem (mount count 0, state clean) does not need it. A mounted one (in
     * our namespace) is grown online without a check.
     */
    static void checkBeforeResize(Path dev) {
        if (mountPointOf(dev).isPresent()) return;
        String sb = HostCommand.of("dumpe2fs", "-h", dev.toString()).run();
        if (field(sb, "Mount count").equals("0") && field(sb, "Filesystem state").equals("clean")) return;
        HostCommand check = HostCommand.of("e2fsck", "-f", "-p", dev.toString());
        HostCommand.Result r = check.runAllowingFailure();
        if (r.exitCode() >= 2) throw check.failure(r); // 1 = errors corrected; 2+ = not clean or in use
    }

    private static String field(String dumpe2fs, String name) {
        return dumpe2fs.lines().filter(l -> l.startsWith(name + ":")).map(l -> l.substring(name.length() + 1).strip())
                .findFirst().orElse("");
    }

    /** Growing a mounted ext4 (EXT4_IOC_RESIZE_FS) needs CAP_SYS_RESOURCE, which sandboxes may drop. */
    static boolean canResizeOnline() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status")))
                if (line.startsWith("CapEff:"))
                    return (Long.parseUnsignedLong(line.substring(7).strip(), 16) & (1L << CAP_SYS_RESOURCE)) != 0;
        } catch (IOException | NumberFormatException e) {
            // unknown: let resize2fs tell
        }
        return true;
    }

    private static final int CAP_SYS_RESOURCE = 24;

    /** Refuses, before anything changed, an online grow that the kernel would deny. */
    static void requireOnlineResize(Object volume, Path dev) {
        if (!canResizeOnline())
            throw new StorageException("cannot grow '" + volume + "' while it is mounted (" + dev + " is in use"
                    + mountPointOf(dev).map(m -> ", mounted on " + m).orElse(", e.g. by a running container")
                    + "): online ext4 resize needs CAP_SYS_RESOURCE, which this process lacks; "
                    + "stop the container and resize offline");
    }

    /**
     * True if block device {@code dev} is mounted (or held exclusively) in any mount namespace: a running
     * container's volume is mounted in the container's namespace, invisible in our {@code /proc/self/mounts},
     * but the kernel still refuses an {@code O_EXCL} open of it with EBUSY.
     */
    static boolean inUse(Path dev) {
        try (Fd fd = PathCalls.openat(Fd.CWD, dev.toString(), PathCalls.O_RDONLY | PathCalls.O_EXCL | PathCalls.O_CLOEXEC, 0)) {
            return false;
        } catch (SysException e) {
            if (e.is(Errno.EBUSY)) return true;
            throw new StorageException("cannot check whether " + dev + " is in use: " + e.getMessage(), e);
        }
    }

    /**
     * Grows the mounted ext4 on {@code dev}. resize2fs grows online only through a mount it can see, so when the
     * filesystem is mounted in another namespace only (a running container), it is mounted once more (the kernel
     * shares the superblock) in a private mount namespace of a child process that ends with it.
     */
    static void resizeOnline(Path dev) {
        if (mountPointOf(dev).isPresent()) {
            resize(dev);
            return;
        }
        Path dir;
        try {
            dir = Files.createTempDirectory("berth-resize-");
        } catch (IOException e) {
            throw new StorageException("cannot create a temporary mount point: " + e.getMessage(), e);
        }
        try {
            HostCommand.of("unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
                    "mount -t ext4 \"$1\" \"$2\" && { resize2fs \"$1\"; rc=$?; umount \"$2\"; exit $rc; }",
                    "sh", dev.toString(), dir.toString()).run();
        } finally {
            try {
                Files.deleteIfExists(dir);
            } catch (IOException e) {
                // an empty directory in the temp dir; nothing is mounted on it outside the child's namespace
            }
        }
    }

    /** Grows the filesystem on {@code dev} to fill the device. */
    static void resize(Path dev) {
        HostCommand.of("resize2fs", dev.toString()).run();
    }

    /** Checks (if unmounted) and grows the filesystem on {@code dev}. */
    static void grow(Path dev) {
        checkBeforeResize(dev);
        resize(dev);
    }

    /** Where {@code dev} (a block device) is mounted in our mount namespace, if anywhere. */
    static Optional<String> mountPointOf(Path dev) {
        if (!Files.exists(dev)) return Optional.empty();
        try {
            Path real = dev.toRealPath();
            for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
                String[] f = line.split(" ");
                if (f.length < 2 || !f[0].startsWith("/")) continue;
                Path src = Path.of(f[0].replace("\\040", " "));
                if (Files.exists(src) && src.toRealPath().equals(real)) return Optional.of(f[1]);
            }
            return Optional.empty();
        } catch (IOException e) {
            throw new StorageException("cannot read mounts: " + e.getMessage(), e);
        }
    }
}
