package io.berth.ct.template;

import io.berth.ct.Progress;
import io.berth.sys.Fd;
import io.berth.sys.FdStreams;
import io.berth.sys.PathCalls;
import io.berth.sys.Processes;
import io.berth.sys.Reverter;
import io.berth.sys.Spawn;
import io.berth.sys.SysException;
import io.berth.sys.UnixSockets;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Extracts a template into a rootfs with GNU tar, keeping numeric owners, xattrs and ACLs.
 *
 * <p>Nothing passes through this JVM: the decompressor reads the archive itself (as its stdin) and pipes into tar
 * (both started with posix_spawn on descriptors set up here), so extraction runs as fast as the host's {@code tar -xpf}, and faster where
 * the format allows several threads (gzip through {@code pigz}, which decompresses, reads, writes and checksums on
 * separate threads; xz with {@code -T0} for multi-block archives). Progress is the decompressor's read position in
 * the archive, read from {@code /proc/PID/fdinfo/0}.
 */
public final class Extractor {
    private Extractor() {}

    private static final List<String> TAR = List.of("tar", "--numeric-owner", "--xattrs", "--xattrs-include=*", "--acls", "-xp");

    public static void extract(TemplateArchive archive, Path rootfs, Progress progress) throws IOException {
        extract(archive, rootfs, progress, false, w -> {});
    }

    /**
     * {@code ignoreUnpackErrors} (pct create --ignore-unpack-errors): members tar could not create are reported to
     * {@code warnings} instead of failing, when the whole archive was read; a truncated or corrupt archive still fails.
     */
    public static void extract(TemplateArchive archive, Path rootfs, Progress progress, boolean ignoreUnpackErrors,
                               java.util.function.Consumer<String> warnings) throws IOException {
        long total = Files.size(archive.path());
        List<String> tar = new ArrayList<>(TAR);
        tar.addAll(List.of("-f", "-", "-C", rootfs.toString()));
        List<List<String>> stages = new ArrayList<>();
        decompressor(archive.compression()).ifPresent(stages::add);
        stages.add(tar);
        // not ProcessRunner: a pipeline (decompressor | tar) whose progress is the archive bytes read. Spawned with
        // posix_spawn (Spawn) on descriptors set up here, not ProcessBuilder.startPipeline: the JDK starts each process
        // through its jspawnhelper (one more exec) and pipes its launch data to it, ~1.5 ms a process on this machine
        List<String> env = new ArrayList<>();
        System.getenv().forEach((k, v) -> env.add(k + "=" + v));
        List<Spawn.Child> ps = new ArrayList<>();
        List<StringBuilder> errs = new ArrayList<>();
        List<Thread> drains = new ArrayList<>();
        boolean done = false;
        try (Reverter closeAll = new Reverter()) {
            Fd in = open(archive.path().toString(), closeAll);
            Fd nullOut = open("/dev/null", closeAll);
            for (int i = 0; i < stages.size(); i++) {
                boolean last = i == stages.size() - 1;
                Fd[] next = last ? null : Spawn.pipe();
                Fd[] err = Spawn.pipe();
                Spawn.Child c;
                try {
                    // in berthd's (or the cold command's) process group, as ProcessBuilder children were: Ctrl-C on a cold
                    // create stops tar with it instead of leaving it extracting on its own
                    c = Spawn.spawn(stages.get(i), env, Path.of("/"), new Fd[] {in, last ? nullOut : next[1], err[1]}, false);
                } catch (RuntimeException e) {
                    if (next != null) {
                        next[0].close();
                        next[1].close();
                    }
                    err[0].close();
                    err[1].close();
                    throw new IOException("cannot run " + stages.get(i).getFirst() + ": " + e.getMessage(), e);
                } finally {
                    // the child has its copies; ours must close, or the reader downstream never sees end of file
                    if (next != null) next[1].close();
                    err[1].close();
                    if (i > 0) in.close();
                }
                ps.add(c);
                if (next != null) in = next[0];
                errs.add(drain(err[0], drains, c.pid()));
            }
            Path fdinfo = Path.of("/proc/" + ps.getFirst().pid() + "/fdinfo/0");
            while ((UnixSockets.poll(ps.getFirst().pidfd(), UnixSockets.POLLIN, 100) & UnixSockets.POLLIN) == 0) {
                if (Thread.currentThread().isInterrupted()) throw new InterruptedException();
                position(fdinfo).ifPresent(pos -> progress.update(pos, total));
            }
            int[] rc = new int[ps.size()];
            for (int i = 0; i < ps.size(); i++) rc[i] = Spawn.reap(ps.get(i).pidfd());
            for (Thread t : drains) t.join();
            done = true;
            check(archive, stages, rc, errs, ignoreUnpackErrors, warnings);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("extraction of " + archive.path() + " interrupted", e);
        } finally {
            if (!done) {
                for (Spawn.Child c : ps) {
                    try {
                        Processes.pidfdSendSignal(c.pidfd(), Processes.SIGKILL);
                    } catch (RuntimeException ignored) {
                        // exited already
                    }
                    try {
                        Spawn.reap(c.pidfd());
                    } catch (RuntimeException ignored) {
                        // reaped already
                    }
                }
            }
            ps.forEach(Spawn.Child::close);
        }
        progress.finish(total);
    }

    private static Fd open(String path, Reverter closeAll) throws IOException {
        try {
            Fd fd = PathCalls.openat(Fd.CWD, path, PathCalls.O_RDONLY | PathCalls.O_CLOEXEC, 0);
            closeAll.push("close " + path, fd::close);
            return fd;
        } catch (SysException e) {
            throw new IOException("cannot open " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a child's stderr until it closes, keeping the first 50 lines. On a platform thread: the read is a native
     * call, which would hold one of the virtual threads' few carriers for the whole extraction.
     */
    private static StringBuilder drain(Fd err, List<Thread> drains, long pid) {
        StringBuilder sb = new StringBuilder();
        drains.add(Thread.ofPlatform().daemon(true).name("extract-stderr-" + pid).start(() -> {
            try (err; var r = new java.io.BufferedReader(new java.io.InputStreamReader(FdStreams.input(err), StandardCharsets.UTF_8))) {
                r.lines().limit(50).forEach(l -> sb.append(l).append('\n'));
                r.transferTo(java.io.Writer.nullWriter());
            } catch (IOException | java.io.UncheckedIOException ignored) {
                // the tool died; its exit code reports it
            }
        }));
        return sb;
    }

    /**
     * Exit codes in pipeline order: a broken archive fails the decompressor first, and tar only sees its truncated
     * output; but a decompressor killed by SIGPIPE (141) only tells that tar stopped reading, so tar's error is the one.
     */
    private static void check(TemplateArchive archive, List<List<String>> stages, int[] rc, List<StringBuilder> errs,
                              boolean ignoreUnpackErrors, java.util.function.Consumer<String> warnings) throws IOException {
        int lastStage = rc.length - 1;
        for (int i = 0; i < rc.length; i++) {
            String err = errs.get(i).toString();
            if (rc[i] == 0) continue;
            if (i < lastStage && rc[i] == 128 + 13 && rc[lastStage] != 0) continue;
            if (i == lastStage && ignoreUnpackErrors && !err.contains("Unexpected EOF") && !err.contains("not look like a tar archive")) {
                warnings.accept("tar reported errors (exit " + rc[i] + "), ignored (--ignore-unpack-errors): " + err.strip());
                continue;
            }
            String tool = String.join(" ", stages.get(i).subList(0, Math.min(2, stages.get(i).size())));
            throw new IOException("extracting template '" + archive.path() + "' failed (" + tool + " exit " + rc[i] + "): " + err.strip());
        }
    }

    /** The command that decompresses the archive from stdin to stdout; none for a plain tar. */
    static java.util.Optional<List<String>> decompressor(TemplateArchive.Compression c) {
        return switch (c) {
            case GZIP -> java.util.Optional.of(onPath("pigz") ? List.of("pigz", "-d", "-c") : List.of("gzip", "-d", "-c"));
            case XZ -> java.util.Optional.of(List.of("xz", "-d", "-c", "-T0"));
            case ZSTD -> java.util.Optional.of(List.of("zstd", "-d", "-c", "-q"));
            case NONE -> java.util.Optional.empty();
        };
    }

    private static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) return true;
        }
        return false;
    }

    /** The file position in a /proc fdinfo file ("pos:" line); empty once the process is gone. */
    private static java.util.Optional<Long> position(Path fdinfo) {
        try (InputStream in = Files.newInputStream(fdinfo)) {
            String text = new String(in.readNBytes(256), StandardCharsets.US_ASCII);
            for (String line : text.split("\n")) {
                if (line.startsWith("pos:")) return java.util.Optional.of(Long.parseLong(line.substring(4).strip()));
            }
        } catch (IOException | NumberFormatException e) {
            // the decompressor finished meanwhile
        }
        return java.util.Optional.empty();
    }
}
