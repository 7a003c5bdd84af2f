package io.berth.ct.template;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Extracts a template into a rootfs with GNU tar, keeping numeric owners, xattrs and ACLs. The archive is fed to
 * tar's stdin from here so progress is the share of the compressed file consumed.
 */
public final class Extractor {
    private Extractor() {}

    public static void extract(TemplateArchive archive, Path rootfs, Progress progress) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("tar", "--numeric-owner", "--xattrs", "--xattrs-include=*", "--acls",
                "-xp"));
        cmd.addAll(archive.compression().tarFlags());
        cmd.addAll(List.of("-f", "-", "-C", rootfs.toString()));
        long total = Files.size(archive.path());
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        // stderr is drained on a virtual thread so a chatty tar never blocks on a full pipe
        StringBuilder err = new StringBuilder();
        Thread drain = Thread.ofVirtual().start(() -> {
            try (var r = p.errorReader(StandardCharsets.UTF_8)) {
                r.lines().limit(50).forEach(l -> err.append(l).append('\n'));
                r.transferTo(java.io.Writer.nullWriter());
            } catch (IOException ignored) {
                // tar died; the exit code reports it
            }
        });
        IOException feedError = null;
        try (InputStream in = Files.newInputStream(archive.path()); OutputStream out = p.getOutputStream()) {
            byte[] buf = new byte[1 << 16];
            long done = 0;
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
                done += n;
                progress.update(done, total);
            }
        } catch (IOException e) {
            feedError = e; // tar closed its stdin early: its exit status says why
        }
        int rc;
        try {
            rc = p.waitFor();
            drain.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("extraction of " + archive.path() + " interrupted", e);
        }
        if (rc != 0) {
            throw new IOException("extracting template '" + archive.path() + "' failed (tar exit " + rc + "): "
                    + err.toString().strip());
        }
        if (feedError != null) throw new IOException("feeding template '" + archive.path() + "' to tar failed", feedError);
        progress.finish(total);
    }
}
