package io.berth.ct.backup;

import io.berth.error.HostFailureException;
import io.berth.sys.ProcessRunner;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Runs {@code tar c | [rate limit] | compressor} into a file (hashed on the way by {@code tee | openssl dgst}) or to
 * standard output (hashed here), as {@link ProcessRunner#pipeline}s: tar feeds the compressor through a kernel pipe. A bandwidth
 * limit (KiB/s, on the uncompressed stream as vzdump's cstream does) puts a throttled relay between the two.
 * Must be called on the thread whose mount namespace tar should see.
 */
final class TarPipe {
    private TarPipe() {}

    record Result(long bytes, String sha256, List<String> tarMessages, double seconds) {}

    /** Into {@code out}, or to {@code stdout} (left open) when it is empty ({@code --stdout}). */
    static Result run(List<String> tar, Optional<List<String>> compressor, long bwlimitKiB, Optional<Path> out,
                      OutputStream stdout, Consumer<String> progress) throws IOException {
        if (out.isPresent() && (compressor.isPresent() || bwlimitKiB <= 0)) return toFile(tar, compressor, bwlimitKiB, out.get(), progress);
        long t0 = System.nanoTime();
        List<ProcessRunner.Running> parts = new ArrayList<>();
        List<Thread> relays = new ArrayList<>();
        try {
            ProcessRunner.Running tarPart, last;
            if (compressor.isPresent() && bwlimitKiB <= 0) {
                tarPart = last = start(parts, ProcessRunner.pipeline(List.of(tar, compressor.get())));
            } else {
                tarPart = last = start(parts, ProcessRunner.pipeline(List.of(tar)));
                if (compressor.isPresent()) {
                    last = start(parts, ProcessRunner.pipeline(List.of(compressor.get())).stdinFromCaller());
                    relays.add(relay(tarPart, last, bwlimitKiB));
                }
            }
            long bytes;
            String sha;
            InputStream in = last.stdout();
            long limit = compressor.isEmpty() ? bwlimitKiB : 0; // without a compressor the limit applies here
            try (java.nio.channels.WritableByteChannel ch = out.isPresent()
                    ? FileChannel.open(out.get(), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)
                    : java.nio.channels.Channels.newChannel(new NonClosing(stdout))) {
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                byte[] buf = new byte[1 << 20];
                ByteBuffer bb = ByteBuffer.wrap(buf);
                bytes = 0;
                long lastReport = System.nanoTime(), start = lastReport;
                int n;
                while ((n = in.read(buf)) > 0) {
                    md.update(buf, 0, n);
                    bb.clear().limit(n);
                    while (bb.hasRemaining()) ch.write(bb);
                    bytes += n;
                    if (limit > 0) throttle(bytes, start, limit);
                    long now = System.nanoTime();
                    if (now - lastReport > 5_000_000_000L) {
                        lastReport = now;
                        double s = (now - start) / 1e9;
                        long read = bytesRead(tarPart.pid(0));
                        progress.accept(String.format(java.util.Locale.ROOT, "%s read in %.0f s (%.1f MiB/s), %s written (%.1f MiB/s)",
                                read < 0 ? "?" : Units.human(read), s, Math.max(read, 0) / s / (1 << 20), Units.human(bytes),
                                bytes / s / (1 << 20)));
                    }
                }
                if (ch instanceof FileChannel fc) fc.force(true);
                sha = HexFormat.of().formatHex(md.digest());
            } catch (NoSuchAlgorithmException e) {
                throw new HostFailureException("this JVM lacks SHA-256: " + e.getMessage(), e);
            }
            List<String> tarLines = awaitPipeline(parts, relays).getFirst().stderr().lines().toList();
            return new Result(bytes, sha, tarLines, (System.nanoTime() - t0) / 1e9);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("backup interrupted", e);
        } finally {
            for (ProcessRunner.Running p : parts) p.close();
        }
    }

    /**
     * The archive never passes through the JVM (a cold JVM runs C1 only, whose SHA-256 is several times slower than
     * the CPU's SHA instructions): {@code tee} writes the compressor's output to the file and hands the same bytes to
     * {@code openssl dgst -sha256} (SHA-NI), so the archive is hashed while it is written, on the core the compressor
     * leaves idle, instead of being read a second time afterwards. Then the file is fsynced.
     */
    private static Result toFile(List<String> tar, Optional<List<String>> compressor, long bwlimitKiB, Path out,
                                 Consumer<String> progress) throws IOException {
        long t0 = System.nanoTime();
        if (Files.exists(out, java.nio.file.LinkOption.NOFOLLOW_LINKS)) throw new java.nio.file.FileAlreadyExistsException(out.toString());
        List<ProcessRunner.Running> parts = new ArrayList<>();
        List<Thread> relays = new ArrayList<>();
        try {
            ProcessRunner.Running tarAlone = null;
            List<List<String>> stages = new ArrayList<>();
            if (compressor.isPresent() && bwlimitKiB > 0) {
                // the limit applies to the uncompressed stream: a throttled relay between tar and the compressor
                tarAlone = start(parts, ProcessRunner.pipeline(List.of(tar)));
            } else {
                stages.add(tar);
            }
            compressor.ifPresent(stages::add);
            stages.add(List.of("tee", "--", out.toString()));
            stages.add(List.of("openssl", "dgst", "-sha256", "-r"));
            ProcessRunner.Pipeline pl = ProcessRunner.pipeline(stages).stdoutCaptured();
            ProcessRunner.Running hashing = start(parts, tarAlone == null ? pl : pl.stdinFromCaller());
            if (tarAlone != null) relays.add(relay(tarAlone, hashing, bwlimitKiB));
            long start = System.nanoTime();
            long tarPid = (tarAlone != null ? tarAlone : hashing).pid(0);
            while (!hashing.waitFor(java.time.Duration.ofSeconds(5))) {
                double sec = (System.nanoTime() - start) / 1e9;
                long read = bytesRead(tarPid), written = Files.exists(out) ? Files.size(out) : 0;
                progress.accept(String.format(java.util.Locale.ROOT, "%s read in %.0f s (%.1f MiB/s), %s written (%.1f MiB/s)",
                        read < 0 ? "?" : Units.human(read), sec, Math.max(read, 0) / sec / (1 << 20), Units.human(written),
                        written / sec / (1 << 20)));
            }
            List<ProcessRunner.Result> rs = awaitPipeline(parts, relays);
            List<String> tarLines = rs.getFirst().stderr().lines().toList();
            String line = rs.getLast().stdout().strip();
            if (!line.matches("[0-9a-f]{64} .*")) throw new IOException("openssl dgst -sha256 gave no digest: '" + line + "'");
            try (FileChannel ch = FileChannel.open(out, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            return new Result(Files.size(out), line.substring(0, 64), tarLines, (System.nanoTime() - t0) / 1e9);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("backup interrupted", e);
        } finally {
            for (ProcessRunner.Running p : parts) p.close();
        }
    }

    private static ProcessRunner.Running start(List<ProcessRunner.Running> parts, ProcessRunner.Pipeline p) {
        ProcessRunner.Running r = p.start();
        parts.add(r);
        return r;
    }

    /** Copies tar's output to the next part, throttled to {@code kibPerSec}, on its own thread. */
    private static Thread relay(ProcessRunner.Running from, ProcessRunner.Running to, long kibPerSec) {
        return Thread.ofPlatform().daemon().start(() -> relay(from.stdout(), to.stdin(), kibPerSec));
    }

    /**
     * Waits for every stage of the pipeline (tar first) and the relays; a non-zero exit of any is an IOException
     * naming the tool and its stderr (tar's first: a tool after it that fails only because tar did is no news).
     * Returns every stage's result, tar's first (its stderr has the totals).
     */
    private static List<ProcessRunner.Result> awaitPipeline(List<ProcessRunner.Running> parts, List<Thread> relays)
            throws IOException, InterruptedException {
        List<ProcessRunner.Result> rs = new ArrayList<>();
        for (ProcessRunner.Running p : parts) rs.addAll(p.await());
        for (Thread t : relays) t.join();
        List<String> tarLines = rs.getFirst().stderr().lines().toList();
        if (!rs.getFirst().ok()) {
            throw new IOException("tar failed (exit " + rs.getFirst().exitCode() + "): " + String.join(" | ", tarLines.stream()
                    .filter(l -> !l.startsWith("Total bytes")).limit(20).toList()));
        }
        for (ProcessRunner.Result r : rs.subList(1, rs.size())) {
            if (!r.ok()) throw new IOException(String.join(" ", r.argv()) + " failed (exit " + r.exitCode() + "): " + r.stderr().strip());
        }
        return rs;
    }

    /** Standard output stays open for whatever the caller writes after the archive (nothing, for the CLI). */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream o) { super(o); }

        @Override public void write(byte[] b, int off, int len) throws IOException { out.write(b, off, len); }

        @Override public void close() throws IOException { flush(); }
    }

    /** What tar has read from the files so far: {@code rchar} of /proc/PID/io; -1 once it is gone. */
    private static long bytesRead(long pid) {
        try {
            for (String l : java.nio.file.Files.readAllLines(Path.of("/proc/" + pid + "/io"))) {
                if (l.startsWith("rchar: ")) return Long.parseLong(l.substring(7).strip());
            }
        } catch (IOException | NumberFormatException e) {
            // it ended meanwhile
        }
        return -1;
    }

    private static void relay(InputStream in, OutputStream out, long kibPerSec) {
        byte[] buf = new byte[1 << 16];
        long done = 0, start = System.nanoTime();
        try (in; out) {
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
                done += n;
                throttle(done, start, kibPerSec);
            }
        } catch (IOException e) {
            // the other side died: its exit status reports why
        }
    }

    /** Sleeps until {@code done} bytes are within {@code kibPerSec} of the time since {@code start}. */
    static void throttle(long done, long start, long kibPerSec) {
        long dueNanos = (long) (done / (kibPerSec * 1024.0) * 1e9);
        long ahead = dueNanos - (System.nanoTime() - start);
        if (ahead > 1_000_000) {
            try {
                Thread.sleep(ahead / 1_000_000, (int) (ahead % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
