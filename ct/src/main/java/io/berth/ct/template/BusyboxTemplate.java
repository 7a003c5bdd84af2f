package io.berth.ct.template;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds a minimal busybox template ({@code busybox-<version>_amd64.tar.gz}) from the host's static busybox,
 * so containers can be created offline and in tests.
 */
public final class BusyboxTemplate {
    private static final Pattern VERSION = Pattern.compile("BusyBox v(\\d+(?:\\.\\d+)+)");

    private final Path busybox;

    public BusyboxTemplate(Path busybox) { this.busybox = busybox; }

    /** Uses {@code /bin/busybox}, which Debian's busybox-static installs. */
    public static BusyboxTemplate host() { return new BusyboxTemplate(Path.of("/bin/busybox")); }

    /** The result of a build: the archive and the busybox version it holds. */
    public record Built(Path archive, String version) {}

    /** The version the binary reports, e.g. {@code 1.35.0}. */
    public String version() throws IOException {
        List<String> out = run(List.of(busybox.toString()), null);
        for (String line : out) {
            Matcher m = VERSION.matcher(line);
            if (m.find()) return m.group(1);
        }
        throw new IOException(busybox + " does not report a 'BusyBox vX.Y.Z' version; got: " + String.join(" | ", out));
    }

    /** The archive name this builder produces. */
    public String archiveName() throws IOException { return "busybox-" + version() + "_amd64.tar.gz"; }

    /**
     * Builds the template into {@code templateDir} (created if missing). An existing archive is replaced atomically;
     * {@code reuse} keeps an existing one as it is.
     */
    public Built build(Path templateDir, boolean reuse) throws IOException {
        if (!Files.isExecutable(busybox)) {
            throw new IOException("busybox binary '" + busybox + "' is missing or not executable (install busybox-static)");
        }
        String version = version();
        Files.createDirectories(templateDir);
        Path archive = templateDir.resolve("busybox-" + version + "_amd64.tar.gz");
        if (reuse && Files.isRegularFile(archive)) return new Built(archive, version);
        Path work = Files.createTempDirectory("berth-busybox-");
        Path tmpArchive = templateDir.resolve("." + archive.getFileName() + ".tmp" + ProcessHandle.current().pid());
        try {
            Path root = work.resolve("rootfs");
            populate(root, version);
            run(List.of("tar", "--numeric-owner", "--owner=0", "--group=0", "-czf", tmpArchive.toString(),
                    "-C", root.toString(), "."), null);
            Files.move(tmpArchive, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return new Built(archive, version);
        } finally {
            Files.deleteIfExists(tmpArchive);
            deleteTree(work);
        }
    }

    private void populate(Path root, String version) throws IOException {
        for (String d : List.of("bin", "sbin", "usr/bin", "usr/sbin", "etc/init.d", "dev", "proc", "sys", "tmp", "run",
                "root", "var/log", "mnt", "home")) {
            Files.createDirectories(root.resolve(d));
        }
        Files.setPosixFilePermissions(root.resolve("tmp"), PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.setPosixFilePermissions(root.resolve("root"), PosixFilePermissions.fromString("rwx------"));
        Path bin = root.resolve("bin/busybox");
        Files.copy(busybox, bin, StandardCopyOption.COPY_ATTRIBUTES);
        for (String applet : run(List.of(busybox.toString(), "--list-full"), null)) {
            String rel = applet.strip();
            if (rel.isEmpty() || rel.equals("bin/busybox") || rel.contains("..")) continue;
            Path link = root.resolve(rel);
            if (Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) continue;
            Files.createDirectories(link.getParent());
            Files.createSymbolicLink(link, Path.of("/bin/busybox"));
        }
        write(root, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n", "rw-r--r--");
        write(root, "etc/group", "root:x:0:\nnogroup:x:65534:\n", "rw-r--r--");
        write(root, "etc/shadow", "root:*:19000:0:99999:7:::\n", "rw-------");
        write(root, "etc/hostname", "busybox\n", "rw-r--r--");
        write(root, "etc/hosts", "127.0.0.1 localhost\n::1 localhost\n", "rw-r--r--");
        // busybox init reads this; with only sysinit/shutdown entries it stays up waiting for children, so the
        // container keeps running without a console or getty.
        write(root, "etc/inittab", """
                ::sysinit:/etc/init.d/rcS
                ::shutdown:/bin/umount -a -r
                """, "rw-r--r--");
        write(root, "etc/init.d/rcS", """
                #!/bin/sh
                # the hostname comes from LXC (lxc.uts.name), so it is not set here
                mkdir -p /run /tmp
                exit 0
                """, "rwxr-xr-x");
        write(root, "etc/os-release", """
                NAME="BusyBox"
                ID=busybox
                VERSION_ID=%s
                PRETTY_NAME="BusyBox %s (Berth template)"
                """.formatted(version, version), "rw-r--r--");
        write(root, "etc/profile", "export PATH=/bin:/sbin:/usr/bin:/usr/sbin\n", "rw-r--r--");
    }

    private static void write(Path root, String rel, String text, String perms) throws IOException {
        Path p = root.resolve(rel);
        Files.writeString(p, text, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
    }

    private static List<String> run(List<String> cmd, Path dir) throws IOException {
        io.berth.sys.ProcessRunner runner = io.berth.sys.ProcessRunner.of(cmd).timeout(java.time.Duration.ofSeconds(120));
        if (dir != null) runner.directory(dir);
        io.berth.sys.ProcessRunner.Result r;
        try {
            r = runner.run();
        } catch (io.berth.error.HostFailureException e) {
            throw new IOException(e.getMessage(), e);
        }
        List<String> lines = new ArrayList<>(r.stdout().lines().toList());
        lines.addAll(r.stderr().lines().toList());
        // busybox without arguments prints its usage and exits 0 on Debian; tar must succeed
        if (!r.ok() && !cmd.equals(List.of(cmd.get(0)))) {
            throw new IOException(String.join(" ", cmd) + " failed (exit " + r.exitCode() + "): " + String.join(" | ", lines));
        }
        return lines;
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
