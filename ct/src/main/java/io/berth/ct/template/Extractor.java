package io.berth.ct.template;

import io.berth.ct.Progress;
import io.berth.error.HostFailureException;
import io.berth.sys.ProcessRunner;
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
 * (a {@link ProcessRunner#pipeline}), so extraction runs as fast as the host's {@code tar -xpf}, and faster where
 * the format allows several threads (gzip through {@code pigz}, which decompresses, reads, writes and checksums on
 * separate threads; xz with {@code -T0} for multi-block archives). Progress is the decompressor's read position in
 * the archive, read from {@code /proc/PID/fdinfo/0}.
 */
public final class Extractor {
    private Extractor() {}

    private static final List<String> TAR = List.of("tar", "--numeric-owner", "--xattrs", "--xattrs-include=*", "--acls", "-xp");

    /** How often the progress (the decompressor's read position) is sampled. */
    private static final java.time.Duration PROGRESS_EVERY = java.time.Duration.ofMillis(100);

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
        // the decompressor reads the archive itself; tar's output (it prints nothing on success) is discarded
        try (ProcessRunner.Running p = ProcessRunner.pipeline(stages).stdinFrom(archive.path()).stdoutDiscarded().start()) {
            Path fdinfo = Path.of("/proc/" + p.pid(0) + "/fdinfo/0");
            while (!p.waitFor(PROGRESS_EVERY)) position(fdinfo).ifPresent(pos -> progress.update(pos, total));
            check(archive, p.await(), ignoreUnpackErrors, warnings);
        } catch (HostFailureException e) {
            throw new IOException("extracting template '" + archive.path() + "': " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("extraction of " + archive.path() + " interrupted", e);
        }
        progress.finish(total);
    }

    /**
     * Exit codes in pipeline order: a broken archive fails the decompressor first, and tar only sees its truncated
     * output; but a decompressor killed by SIGPIPE (141) only tells that tar stopped reading, so tar's error is the one.
     */
    private static void check(TemplateArchive archive, List<ProcessRunner.Result> rs, boolean ignoreUnpackErrors,
                              java.util.function.Consumer<String> warnings) throws IOException {
        int lastStage = rs.size() - 1;
        for (int i = 0; i < rs.size(); i++) {
            ProcessRunner.Result r = rs.get(i);
            String err = String.join("\n", r.stderr().strip().lines().limit(50).toList());
            if (r.ok()) continue;
            if (i < lastStage && r.signal() == 13 && !rs.get(lastStage).ok()) continue;
            if (i == lastStage && ignoreUnpackErrors && !err.contains("Unexpected EOF") && !err.contains("not look like a tar archive")) {
                warnings.accept("tar reported errors (exit " + r.exitCode() + "), ignored (--ignore-unpack-errors): " + err);
                continue;
            }
            String tool = String.join(" ", r.argv().subList(0, Math.min(2, r.argv().size())));
            throw new IOException("extracting template '" + archive.path() + "' failed (" + tool + " exit " + r.exitCode() + "): " + err);
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
