package io.berth.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** The ext4 steps Proxmox takes for container disks: mkfs with MMP and the container's root owner, grow. */
final class Ext4 {
    private Ext4() {}

    /** {@code mkfs.ext4 -O mmp -E root_owner=U:G}: MMP guards against two nodes mounting a shared image. */
    static void mkfs(Path target, int rootUid, int rootGid) {
        HostCommand.of("mkfs.ext4", "-q", "-F", "-O", "mmp", "-E", "root_owner=" + rootUid + ":" + rootGid,
                target.toString()).run();
    }

    /**
     * resize2fs refuses to grow an unmounted filesystem that was not checked since its last mount, so check
     * it first; a mounted one (in our namespace) is grown online without a check.
     */
    static void checkBeforeResize(Path dev) {
        if (mountPointOf(dev).isPresent()) return;
        HostCommand check = HostCommand.of("e2fsck", "-f", "-p", dev.toString());
        HostCommand.Result r = check.runAllowingFailure();
        if (r.exitCode() >= 2) throw check.failure(r); // 1 = errors corrected; 2+ = not clean or in use
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
