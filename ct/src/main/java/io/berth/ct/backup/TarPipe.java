package io.berth.ct.backup;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
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
 * standard output (hashed here). tar feeds the compressor through a kernel pipe. A bandwidth
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
        List<Process> procs = new ArrayList<>();
        List<StringBuilder> errs = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        Process tarProc, last;
        try {
            if (compressor.isPresent() && bwlimitKiB <= 0) {
                List<Process> p = ProcessBuilder.startPipeline(List.of(new ProcessBuilder(tar), new ProcessBuilder(compressor.get())));
                tarProc = p.get(0);
                last = p.get(1);
                procs.addAll(p);
            } else {
                tarProc = new ProcessBuilder(tar).start();
                procs.add(tarProc);
                last = tarProc;
                if (compressor.isPresent()) {
                    last = new ProcessBuilder(compressor.get()).start();
                    procs.add(last);
                    Process from = tarProc, to = last;
                    threads.add(Thread.ofPlatform().daemon().start(() -> relay(from.getInputStream(), to.getOutputStream(), bwlimitKiB)));
                }
            }
            tarProc.getOutputStream().close();
            for (Process p : procs) {
                StringBuilder sb = new StringBuilder();
                errs.add(sb);
                threads.add(Thread.ofVirtual().start(() -> drain(p, sb)));
            }
            long bytes;
            String sha;
            InputStream in = last.getInputStream();
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
                        long read = bytesRead(tarProc.pid());
                        progress.accept(String.format(java.util.Locale.ROOT, "%s read in %.0f s (%.1f MiB/s), %s written (%.1f MiB/s)",
                                read < 0 ? "?" : Units.human(read), s, Math.max(read, 0) / s / (1 << 20), Units.human(bytes),
                                bytes / s / (1 << 20)));
                    }
                }
                if (ch instanceof FileChannel fc) fc.force(true);
                sha = HexFormat.of().formatHex(md.digest());
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
            List<String> names = new ArrayList<>(List.of("tar"));
            compressor.ifPresent(c -> names.add(String.join(" ", c)));
            List<String> tarLines = awaitPipeline(procs, names, threads, errs);
            return new Result(bytes, sha, tarLines, (System.nanoTime() - t0) / 1e9);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("backup interrupted", e);
        } finally {
            for (Process p : procs) if (p.isAlive()) p.destroyForcibly();
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
        List<Process> procs = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<StringBuilder> errs = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        List<ProcessBuilder> hashing = List.of(new ProcessBuilder("tee", "--", out.toString()).redirectOutput(ProcessBuilder.Redirect.PIPE),
                new ProcessBuilder("openssl", "dgst", "-sha256", "-r"));
        try {
            Process tarProc;
            List<ProcessBuilder> stages = new ArrayList<>();
            if (compressor.isPresent() && bwlimitKiB > 0) {
                // the limit applies to the uncompressed stream: a throttled relay between tar and the compressor
                tarProc = new ProcessBuilder(tar).start();
                procs.add(tarProc);
                names.add("tar");
                stages.add(new ProcessBuilder(compressor.get()));
            } else {
                tarProc = null;
                stages.add(new ProcessBuilder(tar));
                names.add("tar");
                compressor.ifPresent(c -> stages.add(new ProcessBuilder(c)));
            }
            compressor.ifPresent(c -> names.add(String.join(" ", c)));
            stages.addAll(hashing);
            names.addAll(List.of("tee " + out, "openssl dgst -sha256"));
            procs.addAll(ProcessBuilder.startPipeline(stages));
            if (tarProc == null) tarProc = procs.getFirst();
            else {
                Process from = tarProc, to = procs.get(1);
                threads.add(Thread.ofPlatform().daemon().start(() -> relay(from.getInputStream(), to.getOutputStream(), bwlimitKiB)));
            }
            tarProc.getOutputStream().close();
            for (Process p : procs) {
                StringBuilder sb = new StringBuilder();
                errs.add(sb);
                threads.add(Thread.ofVirtual().start(() -> drain(p, sb)));
            }
            Process hasher = procs.getLast();
            StringBuilder digest = new StringBuilder();
            threads.add(Thread.ofVirtual().start(() -> {
                try (InputStream in = hasher.getInputStream()) {
                    digest.append(new String(in.readNBytes(4096), StandardCharsets.UTF_8).strip());
                } catch (IOException ignored) {
                    // openssl died: its exit status says why
                }
            }));
            long start = System.nanoTime();
            long tarPid = tarProc.pid();
            while (!hasher.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                double sec = (System.nanoTime() - start) / 1e9;
                long read = bytesRead(tarPid), written = Files.exists(out) ? Files.size(out) : 0;
                progress.accept(String.format(java.util.Locale.ROOT, "%s read in %.0f s (%.1f MiB/s), %s written (%.1f MiB/s)",
                        read < 0 ? "?" : Units.human(read), sec, Math.max(read, 0) / sec / (1 << 20), Units.human(written),
                        written / sec / (1 << 20)));
            }
            List<String> tarLines = awaitPipeline(procs, names, threads, errs);
            String line = digest.toString();
            if (!line.matches("[0-9a-f]{64} .*")) throw new IOException("openssl dgst -sha256 gave no digest: '" + line + "'");
            try (FileChannel ch = FileChannel.open(out, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            return new Result(Files.size(out), line.substring(0, 64), tarLines, (System.nanoTime() - t0) / 1e9);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("backup interrupted", e);
        } finally {
            for (Process p : procs) if (p.isAlive()) p.destroyForcibly();
        }
    }

    /**
     * Waits for every process of the pipeline (tar first) and their stderr readers; a non-zero exit of any is an
     * IOException naming the tool and its stderr (tar's first: a tool after it that fails only because tar did is
     * no news). Returns tar's stderr lines (its totals).
     */
    private static List<String> awaitPipeline(List<Process> procs, List<String> names, List<Thread> threads,
                                              List<StringBuilder> errs) throws IOException, InterruptedException {
        int[] rc = new int[procs.size()];
        for (int i = 0; i < procs.size(); i++) rc[i] = procs.get(i).waitFor();
        for (Thread t : threads) t.join();
        List<String> tarLines = errs.get(0).toString().lines().toList();
        if (rc[0] != 0) {
            throw new IOException("tar failed (exit " + rc[0] + "): " + String.join(" | ", tarLines.stream()
                    .filter(l -> !l.startsWith("Total bytes")).limit(20).toList()));
        }
        for (int i = 1; i < procs.size(); i++) {
            if (rc[i] != 0) throw new IOException(names.get(i) + " failed (exit " + rc[i] + "): " + errs.get(i).toString().strip());
        }
        return tarLines;
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

    private static void drain(Process p, StringBuilder sb) {
        try (var r = p.errorReader(StandardCharsets.UTF_8)) {
            r.lines().limit(200).forEach(l -> {
                synchronized (sb) {
                    sb.append(l).append('\n');
                }
            });
            r.transferTo(java.io.Writer.nullWriter());
        } catch (IOException ignored) {
            // the process died; its exit code says why
        }
    }
}
