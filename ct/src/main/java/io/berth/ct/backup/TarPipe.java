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
 * Runs {@code tar c | [rate limit] | compressor} into a file. tar feeds the compressor through a kernel pipe; the
 * compressed stream passes through here once, to be hashed (SHA-256), counted for progress and written. A bandwidth
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
            List<String> tarLines = awaitPipeline(procs, threads, errs, compressor);
            return new Result(bytes, sha, tarLines, (System.nanoTime() - t0) / 1e9);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("backup interrupted", e);
        } finally {
            for (Process p : procs) if (p.isAlive()) p.destroyForcibly();
        }
    }

    /**
     * The last process writes the file itself, so the archive never passes through the JVM (a cold JVM runs C1 only,
     * whose SHA-256 is several times slower than the CPU's SHA instructions); it is fsynced and then hashed from the
     * page cache by {@code openssl dgst} (SHA-NI), or by Java where openssl is missing.
     */
    private static Result toFile(List<String> tar, Optional<List<String>> compressor, long bwlimitKiB, Path out,
                                 Consumer<String> progress) throws IOException {
        long t0 = System.nanoTime();
        if (Files.exists(out, java.nio.file.LinkOption.NOFOLLOW_LINKS)) throw new java.nio.file.FileAlreadyExistsException(out.toString());
        List<Process> procs = new ArrayList<>();
        List<StringBuilder> errs = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        ProcessBuilder.Redirect toFile = ProcessBuilder.Redirect.to(out.toFile());
        try {
            Process tarProc, last;
            if (compressor.isPresent() && bwlimitKiB <= 0) {
                List<Process> p = ProcessBuilder.startPipeline(List.of(new ProcessBuilder(tar),
                        new ProcessBuilder(compressor.get()).redirectOutput(toFile)));
                tarProc = p.get(0);
                last = p.get(1);
                procs.addAll(p);
            } else if (compressor.isPresent()) {
                tarProc = new ProcessBuilder(tar).start();
                last = new ProcessBuilder(compressor.get()).redirectOutput(toFile).start();
                procs.addAll(List.of(tarProc, last));
                Process from = tarProc, to = last;
                threads.add(Thread.ofPlatform().daemon().start(() -> relay(from.getInputStream(), to.getOutputStream(), bwlimitKiB)));
            } else {
                tarProc = new ProcessBuilder(tar).redirectOutput(toFile).start();
                last = tarProc;
                procs.add(tarProc);
            }
            tarProc.getOutputStream().close();
            for (Process p : procs) {
                StringBuilder sb = new StringBuilder();
                errs.add(sb);
                threads.add(Thread.ofVirtual().start(() -> drain(p, sb)));
            }
            long start = System.nanoTime();
            while (!last.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                double sec = (System.nanoTime() - start) / 1e9;
                long read = bytesRead(tarProc.pid()), written = Files.size(out);
                progress.accept(String.format(java.util.Locale.ROOT, "%s read in %.0f s (%.1f MiB/s), %s written (%.1f MiB/s)",
                        read < 0 ? "?" : Units.human(read), sec, Math.max(read, 0) / sec / (1 << 20), Units.human(written),
                        written / sec / (1 << 20)));
            }
            List<String> tarLines = awaitPipeline(procs, threads, errs, compressor);
            try (FileChannel ch = FileChannel.open(out, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            return new Result(Files.size(out), sha256(out), tarLines, (System.nanoTime() - t0) / 1e9);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("backup interrupted", e);
        } finally {
            for (Process p : procs) if (p.isAlive()) p.destroyForcibly();
        }
    }

    /** SHA-256 of a file: openssl (SHA instructions), else Java. */
    /**
     * Waits for tar (first) and the compressor (second, if any) and their stderr readers; a non-zero exit of either
     * is an IOException naming the tool and its stderr. Returns tar's stderr lines (its totals).
     */
    private static List<String> awaitPipeline(List<Process> procs, List<Thread> threads, List<StringBuilder> errs,
                                              Optional<List<String>> compressor) throws IOException, InterruptedException {
        int[] rc = new int[procs.size()];
        for (int i = 0; i < procs.size(); i++) rc[i] = procs.get(i).waitFor();
        for (Thread t : threads) t.join();
        List<String> tarLines = errs.get(0).toString().lines().toList();
        if (rc[0] != 0) {
            throw new IOException("tar failed (exit " + rc[0] + "): " + String.join(" | ", tarLines.stream()
                    .filter(l -> !l.startsWith("Total bytes")).limit(20).toList()));
        }
        if (procs.size() > 1 && rc[1] != 0) {
            throw new IOException(String.join(" ", compressor.get()) + " failed (exit " + rc[1] + "): " + errs.get(1).toString().strip());
        }
        return tarLines;
    }

    static String sha256(Path file) throws IOException {
        try {
            Process p = new ProcessBuilder("openssl", "dgst", "-sha256", "-r", file.toString()).redirectErrorStream(true).start();
            String outText = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (p.waitFor() == 0 && outText.matches("[0-9a-f]{64} .*")) return outText.substring(0, 64);
        } catch (IOException e) {
            // no openssl: hash here
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted hashing " + file, e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) md.update(buf, 0, n);
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
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
