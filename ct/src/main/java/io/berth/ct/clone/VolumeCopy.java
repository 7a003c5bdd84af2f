package io.berth.ct.clone;

import io.berth.config.MountPoint;
import io.berth.ct.CtException;
import io.berth.ct.Progress;
import io.berth.mount.MountEngine;
import io.berth.mount.MountRequest;
import io.berth.mount.MountSource;
import io.berth.mount.MountedSet;
import io.berth.storage.HostCommand;
import io.berth.storage.Storage;
import io.berth.storage.Storages;
import io.berth.storage.VolumeId;
import io.berth.storage.VolumePath;
import io.berth.sys.Namespaces;
import io.berth.error.HostFailureException;
import io.berth.sys.ProcessRunner;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A full copy of a volume (or of its snapshot) onto a new volume of any storage, file by file, as Proxmox's
 * copy_volume does: the new volume is allocated with the source's size, both are mounted in a private mount namespace
 * (so nothing shows on the host), and GNU tar copies the tree with numeric owners, xattrs, ACLs and sparse files;
 * progress is the bytes streamed against the source's used bytes. On failure the new volume is freed.
 */
public final class VolumeCopy {
    private VolumeCopy() {}

    /**
     * @param mp         the mount point being copied (its {@code size=} is used when the source has no size of its own)
     * @param rootUid    host uid:gid owning the new volume's root (the container's root)
     */
    public static VolumeId copy(Storages storages, VolumeId source, Optional<String> snapname, String targetStorage,
                                int newVmid, MountPoint mp, int rootUid, int rootGid, Path workDir, Progress progress) {
        Storage src = storages.storageOf(source);
        Storage dst = storages.get(targetStorage);
        if (!dst.def().has(io.berth.storage.ContentType.ROOTDIR))
            throw new CtException("content type 'rootdir' is not available or configured on storage '" + targetStorage + "'");
        boolean unlimitedSubvol = src.path(source) instanceof VolumePath.Directory && src.size(source) == 0;
        long allocSize = unlimitedSubvol ? 0 : src.size(source);
        if (unlimitedSubvol && !dst.capabilities().subvols()) {
            allocSize = mp.sizeBytes().orElse(0L);
            if (allocSize == 0)
                throw new CtException("cannot copy '" + source + "' (" + mp.key() + ") to storage '" + targetStorage
                        + "': the source is a subvol without size limit and '" + targetStorage
                        + "' only holds sized volumes; set size= on " + mp.key());
        }
        VolumeId created = dst.alloc(newVmid, allocSize, rootUid, rootGid);
        try {
            src.activate(source);
            dst.activate(created);
            VolumePath from = snapname.isPresent() ? src.snapshotPath(source, snapname.get()) : src.path(source);
            VolumePath to = dst.path(created);
            Namespaces.inNewMountNamespace(() -> {
                copyTree(from, snapname.isPresent(), to, workDir, progress);
                return null;
            });
            return created;
        } catch (IOException | RuntimeException e) {
            RuntimeException r = e instanceof RuntimeException re ? re
                    : new CtException("copying '" + source + "' to storage '" + targetStorage + "' failed: " + e.getMessage(), e);
            try {
                dst.free(created);
            } catch (RuntimeException undo) {
                r.addSuppressed(undo);
            }
            throw r;
        }
    }

    private static MountSource mountSource(VolumePath p) {
        return switch (p) {
            case VolumePath.ImageFile f -> new MountSource.ImageFile(f.path(), "ext4");
            case VolumePath.BlockDevice b -> new MountSource.BlockDevice(b.path(), "ext4");
            case VolumePath.Directory d -> new MountSource.HostDirectory(d.path());
        };
    }

    /** Runs on a thread in a private mount namespace: the mounts vanish with it. */
    private static void copyTree(VolumePath from, boolean fromSnapshot, VolumePath to, Path workDir, Progress progress) throws IOException {
        Path srcDir = Files.createDirectories(workDir.resolve(".copy-volume-src"));
        Path dstDir = Files.createDirectories(workDir.resolve(".copy-volume-dst"));
        MountEngine engine = new MountEngine(w -> {});
        try (MountedSet s = engine.mountAll(srcDir,
                                // a snapshot of a mounted ext4 has a journal to replay, which a read-only mount must skip (noload)
                List.of(MountRequest.of("source", mountSource(from), "/").withReadOnly(true).withSnapshot(fromSnapshot)));
             MountedSet d = engine.mountAll(dstDir, List.of(MountRequest.of("target", mountSource(to), "/")))) {
            long total = usedBytes(srcDir);
            // two pipelines, the stream relayed through this process, which counts it for the progress
            try (ProcessRunner.Running reader = ProcessRunner.pipeline(List.of(List.of("tar", "--numeric-owner", "--xattrs", "--xattrs-include=*",
                         "--acls", "--sparse", "--one-file-system", "-C", srcDir.toString(), "-cf", "-", "."))).stdoutToCaller().start();
                 ProcessRunner.Running writer = ProcessRunner.pipeline(List.of(List.of("tar", "--numeric-owner", "--xattrs", "--xattrs-include=*",
                         "--acls", "-xpf", "-", "-C", dstDir.toString()))).stdinFromCaller().stdoutDiscarded().start()) {
                long done = 0;
                IOException pipe = null;
                try (InputStream in = reader.stdout(); OutputStream out = writer.stdin()) {
                    byte[] buf = new byte[1 << 16];
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        out.write(buf, 0, n);
                        done += n;
                        progress.update(Math.min(done, total), total);
                    }
                } catch (IOException e) {
                    pipe = e; // the writer died; the reader's pipe is closed by now, so it ends too
                }
                ProcessRunner.Result rr, wr;
                try {
                    rr = reader.await().getFirst();
                    wr = writer.await().getFirst();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("copy interrupted", e);
                }
                String errors = (rr.stderr() + wr.stderr()).strip();
                if (!rr.ok() || !wr.ok() || pipe != null)
                    throw new IOException("tar copy failed (exit " + rr.exitCode() + "/" + wr.exitCode() + ")"
                            + (pipe != null ? ": " + pipe.getMessage() : "") + (errors.isEmpty() ? "" : ": " + errors));
            } catch (HostFailureException e) {
                throw new IOException(e.getMessage(), e);
            }
            progress.finish(total);
        } finally {
            Files.deleteIfExists(srcDir);
            Files.deleteIfExists(dstDir);
        }
    }

    /** Used bytes of the filesystem tree (du), the progress total. */
    private static long usedBytes(Path dir) {
        String out = HostCommand.of("du", "-s", "-B1", "--one-file-system", dir.toString()).run();
        try {
            return Math.max(1, Long.parseLong(out.strip().split("\\s+")[0]));
        } catch (NumberFormatException e) {
            return 1;
        }
    }
}
