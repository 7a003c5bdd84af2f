package io.berth.ct.template;

import io.berth.ct.Progress;
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
 * ({@link ProcessBuilder#startPipeline}), so extraction runs as fast as the host's {@code tar -xpf}, and faster where
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
        // not ProcessRunner: a pipeline (decompressor | tar) whose progress is the archive bytes read, which a
        // run-to-completion runner with captured output cannot give
        List<ProcessBuilder> stages = new ArrayList<>();
        decompressor(archive.compression()).ifPresent(d -> stages.add(new ProcessBuilder(d)));
        stages.add(new ProcessBuilder(tar).redirectOutput(ProcessBuilder.Redirect.DISCARD));
        stages.getFirst().redirectInput(archive.path().toFile());
        List<Process> ps = ProcessBuilder.startPipeline(stages);
        List<StringBuilder> errs = new ArrayList<>();
        List<Thread> drains = new ArrayList<>();
        for (Process p : ps) {
            StringBuilder err = new StringBuilder();
            errs.add(err);
            // stderr is drained on a virtual thread so a chatty tool never blocks on a full pipe
            drains.add(Thread.ofVirtual().start(() -> {
                try (var r = p.errorReader(StandardCharsets.UTF_8)) {
                    r.lines().limit(50).forEach(l -> err.append(l).append('\n'));
                    r.transferTo(java.io.Writer.nullWriter());
                } catch (IOException ignored) {
                    // the tool died; its exit code reports it
                }
            }));
        }
        Process reader = ps.getFirst();
        Path fdinfo = Path.of("/proc/" + reader.pid() + "/fdinfo/0");
        try {
            while (!reader.waitFor(100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                position(fdinfo).ifPresent(pos -> progress.update(pos, total));
            }
            for (Process p : ps) p.waitFor();
            for (Thread t : drains) t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ps.forEach(Process::destroyForcibly);
            throw new IOException("extraction of " + archive.path() + " interrupted", e);
        }
        // in pipeline order: a broken archive fails the decompressor first, and tar only sees its truncated output
        for (int i = 0; i < ps.size(); i++) {
            int rc = ps.get(i).exitValue();
            String err = errs.get(i).toString();
            boolean lastStage = i == ps.size() - 1;
            if (rc != 0 && ignoreUnpackErrors && lastStage && !err.contains("Unexpected EOF") && !err.contains("not look like a tar archive")) {
                warnings.accept("tar reported errors (exit " + rc + "), ignored (--ignore-unpack-errors): " + err.strip());
                continue;
            }
            if (rc != 0) {
                String tool = String.join(" ", stages.get(i).command().subList(0, Math.min(2, stages.get(i).command().size())));
                throw new IOException("extracting template '" + archive.path() + "' failed (" + tool + " exit " + rc + "): "
                        + errs.get(i).toString().strip());
            }
        }
        progress.finish(total);
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
