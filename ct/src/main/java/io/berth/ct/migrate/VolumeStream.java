package io.berth.ct.migrate;

import io.berth.ct.Progress;
import io.berth.storage.BtrfsStorage;
import io.berth.storage.HostCommand;
import io.berth.storage.Storage;
import io.berth.storage.VolumeId;
import io.berth.storage.VolumePath;
import io.berth.error.HostFailureException;
import io.berth.sys.ProcessRunner;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * One volume's content as a byte stream between two storages, possibly on two nodes: {@link #send} on the source
 * node writes it, {@link #receive} on the target node allocates a new volume and fills it. The sender applies the
 * bandwidth limit and reports progress; the stream is framed ({@link Frames}), so a sender that fails half-way makes
 * the receiver fail and free what it allocated. The volumes must not be in use (the container is stopped).
 */
public final class VolumeStream {
    private VolumeStream() {}

    /** The read-only snapshot btrfs send needs; removed again after the send. */
    static final String SEND_SNAPSHOT = "berth-migrate";
    private static final int CHUNK = 1 << 16;
    private static final List<String> TAR_OPTS = List.of("--numeric-owner", "--xattrs", "--xattrs-include=*", "--acls");

    /** What the receiver must know about {@code volid} before its bytes. */
    public static VolumeMeta meta(Storage src, VolumeId volid, StreamFormat format) {
        VolumePath p = src.path(volid);
        boolean subvol = p instanceof VolumePath.Directory;
        long size = src.size(volid);
        int uid = 0, gid = 0;
        if (subvol) {
            try {
                uid = (Integer) Files.getAttribute(p.path(), "unix:uid");
                gid = (Integer) Files.getAttribute(p.path(), "unix:gid");
            } catch (IOException e) {
                throw new MigrationException("cannot stat " + p.path() + " of volume '" + volid + "': " + e.getMessage(), e);
            }
        }
        return new VolumeMeta(format, subvol, size, uid, gid, usedBytes(p.path()));
    }

    // ---------------------------------------------------------------- sending

    /** Writes the volume's content to {@code wire} (framed, completed with an end frame only on success). */
    public static void send(Storage src, VolumeId volid, StreamFormat format, OutputStream wire, Throttle throttle,
                            Progress progress) throws IOException, InterruptedException {
        long total = Math.max(1, format == StreamFormat.RAW ? src.size(volid) : usedBytes(src.path(volid).path()));
        Frames.Out out = new Frames.Out(wire);
        Relay relay = new Relay(out, throttle, progress, total);
        switch (format) {
            case BTRFS -> sendBtrfs(src, volid, relay);
            case TAR -> fromProcess(concat(List.of("tar"), TAR_OPTS, List.of("--sparse", "--one-file-system", "-C",
                    src.path(volid).path().toString(), "-cf", "-", ".")), relay);
            case RAW -> sendRaw(src.path(volid).path(), relay);
        }
        out.finish();
        progress.finish(Math.max(total, relay.done));
    }

    private static void sendBtrfs(Storage src, VolumeId volid, Relay relay) throws IOException, InterruptedException {
        if (src.snapshots(volid).contains(SEND_SNAPSHOT)) src.deleteSnapshot(volid, SEND_SNAPSHOT); // left by a crash
        src.snapshot(volid, SEND_SNAPSHOT);
        try {
            fromProcess(List.of("btrfs", "send", "-q", subvolume(src.snapshotPath(volid, SEND_SNAPSHOT)).toString()), relay);
        } finally {
            src.deleteSnapshot(volid, SEND_SNAPSHOT);
        }
    }

    /** Records {@code offset(8) length(4) bytes} for every chunk that is not all zeros, then offset -1. */
    private static void sendRaw(Path image, Relay relay) throws IOException, InterruptedException {
        DataOutputStream d = new DataOutputStream(relay);
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer buf = ByteBuffer.allocate(CHUNK);
            for (long off = 0; off < size; off += CHUNK) {
                buf.clear();
                int n = 0;
                while (buf.hasRemaining()) {
                    int r = ch.read(buf, off + n);
                    if (r < 0) break;
                    n += r;
                }
                if (n == 0) break;
                relay.account(n);
                if (allZero(buf.array(), n)) continue;
                d.writeLong(off);
                d.writeInt(n);
                d.write(buf.array(), 0, n);
            }
            d.writeLong(-1);
            d.flush();
        }
    }

    private static boolean allZero(byte[] b, int n) {
        for (int i = 0; i < n; i++) if (b[i] != 0) return false;
        return true;
    }

    /** Runs a producer tool and relays its stdout; its stderr and exit status make the error. */
    private static void fromProcess(List<String> argv, Relay relay) throws IOException, InterruptedException {
        try (ProcessRunner.Running p = ProcessRunner.pipeline(List.of(argv)).stdoutToCaller().start()) {
            try (InputStream in = p.stdout()) {
                byte[] buf = new byte[CHUNK];
                int n;
                while ((n = in.read(buf)) > 0) relay.pass(buf, n);
            } catch (IOException | RuntimeException ex) {
                p.close();
                p.await();
                throw ex;
            }
            failed(p.await().getFirst());
        } catch (HostFailureException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** A tool's non-zero exit as the stream's failure, with its stderr. */
    private static void failed(ProcessRunner.Result r) throws IOException {
        if (r.ok()) return;
        throw new IOException("'" + String.join(" ", r.argv()) + "' failed with exit status " + r.exitCode()
                + (r.stderr().isBlank() ? "" : ": " + r.stderr().strip()));
    }

    /**
     * The sender's side of the wire: the bandwidth limit counts bytes on the wire; progress counts wire bytes, or
     * for images the volume's bytes read (holes included, which do not travel).
     */
    private static final class Relay extends OutputStream {
        private final OutputStream out;
        private final Throttle throttle;
        private final Progress progress;
        private final long total;
        long done;
        private boolean byVolume;

        Relay(OutputStream out, Throttle throttle, Progress progress, long total) {
            this.out = out;
            this.throttle = throttle;
            this.progress = progress;
            this.total = total;
        }

        void pass(byte[] b, int n) throws IOException { write(b, 0, n); }

        void account(long n) {
            byVolume = true;
            done += n;
            progress.update(Math.min(done, total), total);
        }

        @Override public void write(int b) throws IOException { write(new byte[] {(byte) b}, 0, 1); }

        @Override public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            try {
                throttle.pass(len);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("volume transfer interrupted");
            }
            if (!byVolume) {
                done += len;
                progress.update(Math.min(done, total), total);
            }
        }

        @Override public void flush() throws IOException { out.flush(); }
    }

    // ---------------------------------------------------------------- receiving

    /**
     * Allocates a volume of {@code vmid} on {@code dst} and fills it from {@code wire}; on any failure (including a
     * stream that ends before the sender's end frame) the new volume is freed and nothing is left behind.
     */
    public static VolumeId receive(Storage dst, int vmid, VolumeMeta meta, InputStream wire) {
        checkTarget(dst, meta);
        long alloc = meta.subvol() ? (dst.capabilities().quota() ? meta.sizeBytes() : 0) : meta.sizeBytes();
        VolumeId vol = dst.alloc(vmid, alloc, meta.rootUid(), meta.rootGid());
        Frames.In in = new Frames.In(wire);
        try {
            switch (meta.format()) {
                case BTRFS -> receiveBtrfs(dst, vol, meta, in);
                case TAR -> intoProcess(concat(List.of("tar"), TAR_OPTS, List.of("-xpf", "-", "-C",
                        dst.path(vol).path().toString())), in);
                case RAW -> receiveRaw(dst.path(vol), meta.sizeBytes(), in);
            }
            if (in.read() != -1) throw new IOException("corrupt volume stream: data after the end of the volume");
            return vol;
        } catch (IOException | RuntimeException | InterruptedException e) {
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            MigrationException me = new MigrationException("receiving volume " + vol + " failed: " + e.getMessage(), e);
            try {
                if (dst.exists(vol)) dst.free(vol);
            } catch (RuntimeException undo) {
                me.addSuppressed(undo);
            }
            throw me;
        }
    }

    private static void checkTarget(Storage dst, VolumeMeta meta) {
        if (meta.format() == StreamFormat.BTRFS && !(dst instanceof BtrfsStorage))
            throw new MigrationException("a btrfs stream can only be received by a btrfs storage, not '" + dst.id() + "' ("
                    + dst.def().type() + ")");
        if (!meta.subvol() && dst.capabilities().quota() && dst instanceof BtrfsStorage && meta.format() != StreamFormat.BTRFS)
            throw new io.berth.error.UnsupportedException("storage '" + dst.id() + "' (btrfs, quotas 1) allocates sized "
                    + "volumes as subvols; an image volume cannot move there");
    }

    /**
     * {@code btrfs receive} into a private directory next to the volumes, then the received (read-only) subvolume is
     * snapshotted writable in place of the freshly allocated one, which gives the Proxmox name and a quota limit.
     */
    private static void receiveBtrfs(Storage dst, VolumeId vol, VolumeMeta meta, InputStream in) throws IOException, InterruptedException {
        Path subvol = subvolume(dst.path(vol));
        Path tmp = subvol.resolveSibling(".receive-" + subvol.getFileName() + "-" + ProcessHandle.current().pid());
        Files.createDirectory(tmp);
        try {
            intoProcess(List.of("btrfs", "receive", "-e", tmp.toString()), in);
            List<Path> got;
            try (Stream<Path> s = Files.list(tmp)) {
                got = s.toList();
            }
            if (got.size() != 1) throw new IOException("btrfs receive left " + got.size() + " subvolumes in " + tmp + ", expected 1");
            HostCommand.of("btrfs", "subvolume", "delete", subvol.toString()).run();
            HostCommand.of("btrfs", "subvolume", "snapshot", got.get(0).toString(), subvol.toString()).run();
            if (meta.subvol() && meta.sizeBytes() > 0 && dst.capabilities().quota()) dst.resize(vol, meta.sizeBytes());
        } finally {
            try (Stream<Path> s = Files.list(tmp)) {
                for (Path p : s.toList()) HostCommand.of("btrfs", "subvolume", "delete", p.toString()).runAllowingFailure();
            }
            Files.deleteIfExists(tmp);
        }
    }

    /** Writes the non-zero chunks; the rest of an image file becomes holes, a block device gets zeros. */
    private static void receiveRaw(VolumePath target, long size, InputStream wire) throws IOException {
        DataInputStream d = new DataInputStream(wire);
        boolean file = target instanceof VolumePath.ImageFile;
        try (FileChannel ch = FileChannel.open(target.path(), StandardOpenOption.WRITE)) {
            if (file) { // drop what mkfs wrote: every byte not sent is zero
                ch.truncate(0);
                try (var raf = new java.io.RandomAccessFile(target.path().toFile(), "rw")) {
                    raf.setLength(size);
                }
            }
            long pos = 0;
            byte[] zeros = file ? null : new byte[CHUNK];
            while (true) {
                long off = d.readLong();
                if (off == -1) break;
                int n = d.readInt();
                if (off < pos || n <= 0 || n > CHUNK || off + n > size)
                    throw new IOException("corrupt raw stream: chunk at " + off + " of " + n + " bytes (image size " + size + ")");
                if (!file) for (; pos < off; pos += Math.min(CHUNK, off - pos))
                    ch.write(ByteBuffer.wrap(zeros, 0, (int) Math.min(CHUNK, off - pos)), pos);
                byte[] b = d.readNBytes(n);
                if (b.length != n) throw new IOException("corrupt raw stream: chunk at " + off + " cut short");
                ByteBuffer bb = ByteBuffer.wrap(b);
                while (bb.hasRemaining()) ch.write(bb, off + bb.position());
                pos = off + n;
            }
            if (!file) for (; pos < size; pos += Math.min(CHUNK, size - pos))
                ch.write(ByteBuffer.wrap(zeros, 0, (int) Math.min(CHUNK, size - pos)), pos);
            ch.force(true);
        }
    }

    /** Runs a consumer tool with the stream as its stdin; its stderr and exit status make the error. */
    private static void intoProcess(List<String> argv, InputStream in) throws IOException, InterruptedException {
        try (ProcessRunner.Running p = ProcessRunner.pipeline(List.of(argv)).stdinFromCaller().stdoutDiscarded().start()) {
            try (OutputStream out = p.stdin()) {
                in.transferTo(out);
            } catch (IOException | RuntimeException ex) {
                p.close();
                String err = p.await().getFirst().stderr();
                throw new IOException(ex.getMessage() + (err.isBlank() ? "" : " ('" + argv.get(0) + "': " + err.strip() + ")"), ex);
            }
            failed(p.await().getFirst());
        } catch (HostFailureException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- helpers

    /** The subvolume holding a btrfs volume: the directory itself, or the one around {@code disk.raw}. */
    private static Path subvolume(VolumePath p) {
        return p instanceof VolumePath.ImageFile f ? f.path().getParent() : p.path();
    }

    /** Bytes in use below {@code p} ({@code du}), the progress total; 1 when unknown. */
    static long usedBytes(Path p) {
        HostCommand.Result r = HostCommand.of("du", "-s", "-B1", "--one-file-system", p.toString()).runAllowingFailure();
        try {
            return Math.max(1, Long.parseLong(r.stdout().strip().split("\\s+")[0]));
        } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
            return 1;
        }
    }

    @SafeVarargs
    private static List<String> concat(List<String>... parts) {
        List<String> l = new ArrayList<>();
        for (List<String> p : parts) l.addAll(p);
        return l;
    }

}
