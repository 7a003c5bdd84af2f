package io.berth.ct.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code berth backup}, {@code volume list --content backup}, protection, retention, {@code restore} and
 * {@code create --restore 1} through the real launcher and CLI, with their exit codes.
 */
@Tag("root")
class BackupCliTest {
    @TempDir Path tmp;

    private static Proc.Result ok(Proc.Result r) {
        assertThat(r.exit()).as("%s\nstdout: %s\nstderr: %s", r.argv(), r.out(), r.err()).isZero();
        return r;
    }

    @Test
    void backupListProtectPruneRestore() throws Exception {
        Path root = tmp.resolve("root");
        BerthCli cli = BerthCli.forRoot(root, Files.createDirectories(tmp.resolve("work")));
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/storage.cfg"), "dir: local\n\tpath " + root.resolve("store")
                + "\n\tcontent rootdir,images,vztmpl,backup\n");
        int a = 7000 + ThreadLocalRandom.current().nextInt(900), b = a + 1, c = a + 2, d = a + 3;
        String tmpl = ok(cli.run("template", "build", "busybox")).out().strip().lines().reduce((x, y) -> y).orElseThrow();
        try {
            ok(cli.run("create", "" + a, tmpl, "--rootfs", "local:0", "--hostname", "clitest", "--quiet", "--net0", "name=eth0,bridge=vmbr0"));
            Proc.Result r = ok(cli.run("backup", "" + a, "--mode", "stop", "--compress", "gzip", "--storage", "local",
                    "--notes-template", "{{guestname}} nightly", "--protected"));
            String first = r.out().strip();
            assertThat(first).matches("local:backup/vzdump-lxc-" + a + "-\\d{4}_\\d\\d_\\d\\d-\\d\\d_\\d\\d_\\d\\d\\.tar\\.gz");
            assertThat(r.err()).contains("INFO: backup mode: stop").contains("archive checksum (sha256): ");
            String list = ok(cli.run("volume", "list", "local", "--content", "backup")).out();
            assertThat(list).contains(first).contains("tar.gz").contains("clitest nightly");
            assertThat(list.lines().filter(l -> l.startsWith(first)).findFirst().orElseThrow()).matches(".*\\s1\\s+clitest nightly");

            // protected: not deletable, not pruned
            Proc.Result del = cli.run("volume", "free", first);
            assertThat(del.exit()).isEqualTo(6);
            assertThat(del.err()).contains("protected");
            Thread.sleep(1100);
            String second = ok(cli.run("backup", "" + a, "--mode", "stop", "--compress", "zstd", "--prune-backups", "keep-last=1")).out().strip();
            assertThat(ok(cli.run("volume", "list", "--content", "backup")).out()).contains(first).contains(second);
            ok(cli.run("volume", "set", first, "--protected", "0"));
            Thread.sleep(1100);
            String third = ok(cli.run("backup", "" + a, "--mode", "stop", "--prune-backups", "keep-last=1")).out().strip();
            String after = ok(cli.run("volume", "list", "local", "--content", "backup")).out();
            assertThat(after).contains(third).doesNotContain(first).doesNotContain(second);

            // restore, and create --restore 1 with an option that wins over the archive's
            ok(cli.run("restore", "" + b, third));
            assertThat(ok(cli.run("config", "" + b)).out()).contains("hostname: clitest");
            ok(cli.run("create", "" + c, third, "--restore", "1", "--hostname", "other"));
            assertThat(ok(cli.run("config", "" + c)).out()).contains("hostname: other");
            Proc.Result exists = cli.run("restore", "" + b, third);
            assertThat(exists.exit()).isEqualTo(7);
            assertThat(exists.err()).contains("already exists").contains("--force");
            ok(cli.run("restore", "" + b, third, "--force"));

            // vzdump's pipe: the archive on stdout straight into a restore from stdin, with new MACs
            Proc.Result pipe = cli.shell(java.time.Duration.ofSeconds(180), "berth backup " + a + " --mode stop --stdout --compress zstd"
                    + " | berth restore " + d + " - --unique");
            assertThat(pipe.exit()).as("pipe: %s", pipe.err()).isZero();
            assertThat(pipe.out()).as("stdout of the pipe").isEmpty();
            assertThat(pipe.err()).contains("INFO: creating vzdump archive on standard output").contains("extracting archive from standard input");
            String cd = ok(cli.run("config", "" + d)).out();
            assertThat(cd).contains("hostname: clitest");
            String macA = ok(cli.run("config", "" + a)).out().replaceAll("(?s).*hwaddr=([0-9A-F:]+).*", "$1");
            assertThat(cd).contains("hwaddr=").doesNotContain(macA);

            // every backup and restore is a task: vzdump / vzrestore with logs
            String tasks = ok(cli.run("task", "list", "--limit", "500")).out();
            assertThat(tasks).contains(":vzdump:" + a + ":root@pam:").contains(":vzrestore:" + b + ":root@pam:")
                    .contains(":vzrestore:" + d + ":root@pam:");
            String upid = tasks.lines().filter(l -> l.contains(":vzrestore:" + d + ":")).findFirst().orElseThrow().split("\\s+")[0];
            assertThat(tasks.lines().filter(l -> l.contains(":vzrestore:" + d + ":")).findFirst().orElseThrow()).endsWith("OK");
            assertThat(ok(cli.run("task", "log", upid)).out()).contains("extracting archive from standard input").contains("TASK OK");

            Proc.Result snap = cli.run("backup", "" + a, "--mode", "snapshot");
            assertThat(snap.exit()).isEqualTo(9);
            assertThat(snap.err()).contains("do not support snapshots");
            Proc.Result bad = cli.run("backup", "" + a, "--compress", "bzip9");
            assertThat(bad.exit()).isEqualTo(2);
            assertThat(bad.err()).contains("compress 'bzip9' is invalid");
        } finally {
            for (int id : new int[] {a, b, c, d}) cli.run("destroy", "" + id);
        }
    }
}
