package io.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command exits with the code of its error's kind (CliErrors.exitCode), in-process through the same
 * command tree berthd and the launcher build; no container is started (the refusals come before LXC).
 */
class ExitCodesTest {
    @TempDir Path root;
    Path conf;

    CliRun run(String... args) {
        CliRun r = CliRun.run(root, args);
        // never a Java class name or a stack trace in what an admin reads
        assertThat(r.err()).doesNotContainPattern("(java|io\\.berth)\\.[a-z]+\\.|Exception|\\tat ");
        return r;
    }

    @BeforeEach void writeConfig() throws Exception {
        conf = root.resolve("etc/lxc/2100.conf");
        Files.createDirectories(conf.getParent());
        Files.writeString(conf, "arch: amd64\nhostname: alpha\nmemory: 512\nostype: debian\nrootfs: local:2100/vm-2100-disk-0.raw,size=8G\n");
    }

    @Test void notFoundExits3FromEveryCommand() {
        for (String[] cmd : new String[][] {{"config", "2999"}, {"pending", "2999"}, {"start", "2999"}, {"stop", "2999"},
                {"destroy", "2999"}, {"status", "2999"}, {"suspend", "2999"}, {"set", "2999", "--memory", "64"}, {"unlock", "2999"}}) {
            CliRun r = run(cmd);
            assertThat(r.rc()).as(String.join(" ", cmd) + ": " + r.err()).isEqualTo(3);
            assertThat(r.err()).as(String.join(" ", cmd)).contains("container 2999 does not exist");
        }
    }

    /** pct spells booleans --force 1 / --keep-env 0: the value is the option's, not a stray argument (exit 2). */
    @Test void pctBooleanValuesAfterASpaceBelongToTheOption() {
        for (String[] cmd : new String[][] {{"destroy", "2999", "--force", "0"}, {"destroy", "2999", "--force", "1",
                "--destroy-unreferenced-disks", "0"}, {"shutdown", "2999", "--forceStop", "1"}, {"stop", "2999",
                "--overrule-shutdown", "0"}, {"destroy", "2999", "--force=yes"}, {"destroy", "2999", "--force"}}) {
            CliRun r = run(cmd);
            assertThat(r.rc()).as(String.join(" ", cmd) + ": " + r.err()).isEqualTo(3);
        }
        CliRun bad = run("destroy", "2999", "--force=maybe");
        assertThat(bad.rc()).isEqualTo(2);
        assertThat(bad.err()).contains("'maybe'");
    }

    @Test void badIdsExit2AndAreNotReadAsAnotherId() {
        for (String id : new String[] {"0", "-1", "1000000000", "0999", "+9305", "99", "abc"}) {
            CliRun r = run("create", id, "/nonexistent.tar.gz", "--rootfs", "local:1");
            assertThat(r.rc()).as("create " + id + ": " + r.err()).isEqualTo(2);
            assertThat(r.err()).as(id).startsWith("error: ");
            CliRun s = run("start", id);
            assertThat(s.rc()).as("start " + id + ": " + s.err()).isEqualTo(2);
        }
        assertThat(run("create", "0999", "/x.tar.gz", "--rootfs", "local:1").err()).contains("'0999' is invalid");
        assertThat(root.resolve("etc/lxc/999.conf")).doesNotExist();
        assertThat(root.resolve("etc/lxc/9305.conf")).doesNotExist();
    }

    @Test void existingIdExits7AndAMissingTemplate3() {
        CliRun t = run("create", "2101", "/nonexistent.tar.gz", "--rootfs", "local:1");
        assertThat(t.rc()).as(t.err()).isEqualTo(3);
        assertThat(t.err()).contains("template '/nonexistent.tar.gz' not found");
        assertThat(root.resolve("etc/lxc/2101.conf")).doesNotExist();
        CliRun r = run("create", "2100", "/nonexistent.tar.gz", "--rootfs", "local:1");
        assertThat(r.rc()).as(r.err()).isEqualTo(7);
        assertThat(r.err()).contains("container 2100 exists already");
    }

    @Test void lockedExits5AndUnlockClearsIt() throws Exception {
        Files.writeString(conf, Files.readString(conf) + "lock: backup\n");
        CliRun r = run("start", "2100");
        assertThat(r.rc()).as(r.err()).isEqualTo(5);
        assertThat(r.err()).contains("container 2100 is locked (backup)");
        assertThat(run("set", "2100", "--memory", "64").rc()).isEqualTo(5);
        CliRun u = run("unlock", "2100");
        assertThat(u.rc()).as(u.err()).isZero();
        assertThat(Files.readString(conf)).doesNotContain("lock:");
        assertThat(run("set", "2100", "--memory", "64").rc()).isZero();
    }

    @Test void wrongStateExits6AndIsRecordedAsAFailedTask() {
        CliRun r = run("suspend", "2100");
        assertThat(r.rc()).as(r.err()).isEqualTo(6);
        assertThat(r.err()).contains("container 2100 is not running");
        CliRun list = run("task", "list");
        assertThat(list.rc()).as(list.err()).isZero();
        Matcher m = Pattern.compile("(UPID:\\S+:vzsuspend:2100:root@pam:)\\s.*ERROR: container 2100 is not running").matcher(list.out());
        assertThat(m.find()).as(list.out()).isTrue();
        String upid = m.group(1);
        CliRun st = run("task", "status", upid);
        assertThat(st.out()).contains("status: stopped", "exitstatus: container 2100 is not running");
        assertThat(run("task", "log", upid).out()).endsWith("TASK ERROR: container 2100 is not running\n");
        CliRun bad = run("task", "log", "UPID:nope");
        assertThat(bad.rc()).isEqualTo(2);
        assertThat(bad.err()).contains("'UPID:nope' is not a task id");
        CliRun gone = run("task", "status", "UPID:n:00000001:00000001:00000001:vzstart:2100:root@pam:");
        assertThat(gone.rc()).isEqualTo(3);
    }

    @Test void setWithAStaleDigestExits8AndChangesNothing() throws Exception {
        CliRun show = run("config", "2100");
        Matcher m = Pattern.compile("(?m)^digest: ([0-9a-f]{40})$").matcher(show.out());
        assertThat(m.find()).as(show.out()).isTrue();
        String digest = m.group(1);
        assertThat(run("set", "2100", "--memory", "256", "--digest", digest).rc()).isZero();
        String after = Files.readString(conf);
        CliRun stale = run("set", "2100", "--cores", "2", "--digest", digest);
        assertThat(stale.rc()).as(stale.err()).isEqualTo(8);
        assertThat(stale.err()).contains("modified by another operation");
        assertThat(Files.readString(conf)).isEqualTo(after);
        CliRun malformed = run("set", "2100", "--cores", "2", "--digest", "xyz");
        assertThat(malformed.rc()).isEqualTo(2);
        assertThat(malformed.err()).contains("digest", "'xyz' is invalid", "40 lowercase hex digits");
    }

    @Test void damagedConfigsAreRefusedAtLoadWithTheReason() throws Exception {
        String[][] cases = {{"", "the file is empty"}, {"arch: amd64\r\nostype: debian\r\n", "Windows line ending"},
                {"arch: amd64\nhostname: al", "the last line does not end with a newline"}};
        for (String[] c : cases) {
            Files.writeString(conf, c[0]);
            for (String cmd : new String[] {"config", "start"}) {
                CliRun r = run(cmd, "2100");
                assertThat(r.rc()).as(cmd + " with " + c[1]).isEqualTo(2);
                assertThat(r.err()).contains(conf.toString(), c[1]);
            }
        }
        Files.write(conf, new byte[] {'a', 'r', 'c', 'h', ':', ' ', 0, (byte) 0xc3, '\n'});
        CliRun bin = run("config", "2100");
        assertThat(bin.rc()).isEqualTo(2);
        assertThat(bin.err()).contains("binary byte 0x00").doesNotContain("Input length");
    }

    /** A bad storage.cfg is the admin's input, not a host failure: exit 2 (HTTP 400), naming file, line and value. */
    @Test void aBadStorageCfgExits2AndIsA400() throws Exception {
        Path cfg = root.resolve("etc/storage.cfg");
        Files.writeString(cfg, "dir: local\n\tpath /var/lib/berth\n\tcontent images,floppy\n");
        for (String[] cmd : new String[][] {{"storage", "list"}, {"set", "2100", "--mp0", "local:1,mp=/data"}}) {
            CliRun r = run(cmd);
            assertThat(r.rc()).as(String.join(" ", cmd) + ": " + r.err()).isEqualTo(2);
            assertThat(r.err()).as(String.join(" ", cmd)).contains(cfg.toString() + ":3", "floppy");
        }
        var e = org.assertj.core.api.Assertions.catchThrowableOfType(io.berth.storage.StorageConfigException.class,
                () -> io.berth.storage.Storages.load(cfg, root.resolve("var")));
        assertThat(io.berth.error.HttpStatus.of(e)).isEqualTo(400);
        assertThat(e.paramErrors()).singleElement().satisfies(pe -> assertThat(pe.message()).contains("floppy"));
    }

    /** The CLI exit code and the API status of one failure: both mappings of its kind, from the same exception. */
    static void assertKind(Throwable t, int exit, int http, String... params) {
        assertThat(t).as("no Java exception outside the sealed kinds").isInstanceOf(io.berth.error.BerthException.class);
        var e = (io.berth.error.BerthException) t;
        assertThat(CliErrors.exitCode(e)).as(e.getMessage()).isEqualTo(exit);
        var api = io.berth.api.ApiErrors.map(e);
        assertThat(api.status()).as(e.getMessage()).isEqualTo(http);
        assertThat(io.berth.error.HttpStatus.of(e)).isEqualTo(http);
        if (params.length > 0) assertThat(api.errors()).as(e.getMessage()).containsOnlyKeys(params);
    }

    /**
     * Storage refusals are a missing object (unknown storage, volume) or the admin's input (size, volume id), not a
     * host failure: exit 3 / HTTP 404 and exit 2 / HTTP 400 naming the parameter, through the commands and the layer
     * the API calls.
     */
    @Test void storageRefusalsAreNotFoundOrInvalidInput() {
        CliRun unknown = run("volume", "list", "--storage", "nope");
        assertThat(unknown.rc()).as(unknown.err()).isEqualTo(3);
        assertThat(unknown.err()).contains("unknown storage 'nope'", "local");
        CliRun alloc = run("volume", "alloc", "nope", "2100", "1G");
        assertThat(alloc.rc()).as(alloc.err()).isEqualTo(3);
        CliRun size = run("volume", "alloc", "local", "2100", "1X");
        assertThat(size.rc()).as(size.err()).isEqualTo(2);
        assertThat(size.err()).contains("size: invalid size '1X'");
        CliRun missing = run("resize", "2100", "rootfs", "+1G");
        assertThat(missing.rc()).as(missing.err()).isEqualTo(3);
        assertThat(missing.err()).contains("volume 'local:2100/vm-2100-disk-0.raw' does not exist");
        CliRun free = run("volume", "free", "local:2100/vm-2100-disk-7.raw");
        assertThat(free.rc()).as(free.err()).isEqualTo(3);
        CliRun volid = run("volume", "free", "local:nonsense");
        assertThat(volid.rc()).as(volid.err()).isEqualTo(2);
        assertThat(volid.err()).contains("volume: invalid volume name 'nonsense' in volume id 'local:nonsense'");
        CliRun disk = run("resize", "2100", "mp999", "+1G");
        assertThat(disk.rc()).as(disk.err()).isEqualTo(2);
        assertThat(disk.err()).contains("disk: invalid disk 'mp999'");
        CliRun shrinkSpec = run("resize", "2100", "rootfs", "1X");
        assertThat(shrinkSpec.rc()).as(shrinkSpec.err()).isEqualTo(2);

        var storages = io.berth.storage.Storages.load(root.resolve("etc/storage.cfg"), root.resolve("var/storage/local"));
        assertKind(catchThrowable(() -> storages.get("nope")), 3, 404);
        var local = storages.get("local");
        assertKind(catchThrowable(() -> local.size(io.berth.storage.VolumeId.parse("local:2100/vm-2100-disk-0.raw"))), 3, 404);
        assertKind(catchThrowable(() -> local.alloc(2100, -1, 0, 0)), 2, 400, "size");
        assertKind(catchThrowable(() -> io.berth.storage.VolumeId.parse("local:nonsense")), 2, 400, "volume");
        assertKind(catchThrowable(() -> io.berth.storage.VolumeId.parse("1x:vm-2100-disk-0")), 2, 400, "storage");
        assertKind(catchThrowable(() -> io.berth.storage.NewDisk.parse("local:x")), 2, 400, "volume");
    }

    /** Snapshot names, id maps and LXC rendering are the admin's input (no IllegalArgumentException fallback). */
    @Test void inputRefusalsOfOtherLayersAreInvalidInputNamingTheKey() {
        CliRun snap = run("snapshot", "2100", "1bad");
        assertThat(snap.rc()).as(snap.err()).isEqualTo(2);
        assertThat(snap.err()).contains("snapname: invalid snapshot name '1bad'");
        assertKind(catchThrowable(() -> io.berth.ct.snapshot.SnapshotService.checkName("pending")), 2, 400, "snapname");
        assertKind(catchThrowable(() -> io.berth.idmap.IdMap.parseLxcIdmaps(java.util.List.of("x 0 1 2"))), 2, 400, "lxc.idmap");
        assertKind(catchThrowable(() -> io.berth.idmap.IdMap.parseLxcIdmaps(java.util.List.of("u 0 100000 65536", "u 10 200000 5"))
                .validate()), 2, 400, "lxc.idmap");
        assertKind(catchThrowable(() -> io.berth.idmap.MountIdMap.parse("u:0:0:1  g:0:0:1")), 2, 400, "idmap");
        assertKind(new io.berth.lxc.render.RenderException("net0", "bridge 'nobr0' does not exist on this host"), 2, 400, "net0");
        assertKind(catchThrowable(() -> io.berth.ct.template.TemplateArchive.of(Path.of("/tmp/debian.zip"))), 2, 400, "ostemplate");
        assertKind(catchThrowable(() -> new io.berth.guest.GuestSpec(io.berth.config.ContainerConfig.empty(), java.util.Optional.empty(),
                java.util.Optional.of("ssh-ed25519 AAAA\r\nx"), 0, 0)), 2, 400, "ssh-public-keys");
    }

    /** A guest whose distribution cannot be set up, and a failed LXC monitor command, are host failures: exit 1, 500. */
    @Test void guestSetupAndLxcCommandFailuresAreHostFailures() throws Exception {
        Path plan9 = Files.createDirectories(root.resolve("plan9fs/etc"));
        Files.writeString(plan9.resolve("os-release"), "ID=plan9\n");
        Throwable unknownOs = catchThrowable(() -> io.berth.guest.GuestSetup.detect(plan9.getParent()));
        assertKind(unknownOs, 1, 500);
        assertThat(unknownOs).hasMessageContaining("unable to detect OS distribution").hasMessageContaining("'plan9'");
        var lxc = new io.berth.lxc.socket.LxcCommandException("container 2100: LXC answered get_state with EINVAL", 22);
        assertKind(lxc, 1, 500);
        assertThat(lxc.errno()).isEqualTo(22);
    }

    @Test void usageMistakesAreShortAndUnknownCommandsFailEvenWithHelp() {
        CliRun r = run("set", "2100", "--bogus-option", "1");
        assertThat(r.rc()).isEqualTo(2);
        assertThat(r.err().lines().count()).as(r.err()).isLessThanOrEqualTo(3);
        assertThat(r.err()).contains("error: Unknown options: '--bogus-option', '1'", "Try 'berth set --help'");
        CliRun unknown = run("frobnicate", "--help");
        assertThat(unknown.rc()).isNotZero();
        assertThat(unknown.err()).contains("unknown command 'frobnicate'");
        CliRun daemonHelp = run("daemon", "--help");
        assertThat(daemonHelp.rc()).as(daemonHelp.err()).isZero();
        assertThat(daemonHelp.out()).contains("daemon");
    }
}
