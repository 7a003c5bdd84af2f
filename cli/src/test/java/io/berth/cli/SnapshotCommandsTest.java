package io.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The snapshot/clone commands' output and their bad-input errors (exit 2, the value named, the config untouched). */
class SnapshotCommandsTest {
    @TempDir Path root;
    Path conf;

    CliRun run(String... args) {
        return CliRun.run(root, args);
    }

    @BeforeEach void writeConfig() throws Exception {
        conf = root.resolve("etc/lxc/100.conf");
        Files.createDirectories(conf.getParent());
        // as Proxmox writes a container with two snapshots (s2 made after rolling back to s1 and changing memory)
        Files.writeString(conf, """
                arch: amd64
                hostname: alpha
                memory: 1024
                ostype: debian
                parent: s2
                rootfs: local:100/vm-100-disk-0.raw,size=8G

                [s1]
                #first line
                #second line
                arch: amd64
                hostname: alpha
                memory: 512
                ostype: debian
                rootfs: local:100/vm-100-disk-0.raw,size=8G
                snaptime: 1700000000

                [s2]
                arch: amd64
                hostname: alpha
                memory: 1024
                ostype: debian
                parent: s1
                rootfs: local:100/vm-100-disk-0.raw,size=8G
                snaptime: 1700003600
                """);
    }

    @Test void listsnapshotPrintsTheTreeAndJson() throws Exception {
        CliRun r = run("listsnapshot", "100");
        assertThat(r.rc()).as(r.err()).isZero();
        assertThat(r.out().lines().toList()).hasSize(3);
        assertThat(r.out().lines().toList().get(0)).startsWith("`-> s1                          ").endsWith("first line");
        assertThat(r.out().lines().toList().get(1)).startsWith(" `-> s2                         ").endsWith("no-description");
        assertThat(r.out().lines().toList().get(2)).startsWith("  `-> current                   ").endsWith("You are here!");

        CliRun j = run("listsnapshot", "100", "--output-format", "json");
        assertThat(j.rc()).as(j.err()).isZero();
        JsonNode list = new ObjectMapper().readTree(j.out());
        assertThat(list).hasSize(3);
        assertThat(list.get(0).get("name").asText()).isEqualTo("s1");
        assertThat(list.get(0).get("snaptime").asLong()).isEqualTo(1700000000L);
        assertThat(list.get(0).get("description").asText()).isEqualTo("first line\nsecond line");
        assertThat(list.get(1).get("parent").asText()).isEqualTo("s1");
        assertThat(list.get(2).get("name").asText()).isEqualTo("current");
        assertThat(list.get(2).get("parent").asText()).isEqualTo("s2");
        assertThat(list.get(2).get("running").asInt()).isZero();
        assertThat(list.get(2).get("digest").asText()).hasSize(40);
    }

    @Test void badInputNamesTheValueExitsWithItsKindAndChangesNothing() throws Exception {
        String before = Files.readString(conf);
        record Case(String[] args, String message, int exit) {
            Case(String[] args, String message) { this(args, message, CliErrors.EXIT_INVALID); }
        }
        for (Case c : new Case[] {
                new Case(new String[] {"snapshot", "100", "1bad"}, "invalid snapshot name '1bad'"),
                new Case(new String[] {"snapshot", "100", "current"}, "'current' is reserved"),
                new Case(new String[] {"snapshot", "100", "s1"}, "snapshot name 's1' already used", CliErrors.EXIT_EXISTS),
                new Case(new String[] {"delsnapshot", "100", "nope"}, "snapshot 'nope' of container 100 does not exist; its snapshots are s1, s2",
                        CliErrors.EXIT_NOT_FOUND),
                new Case(new String[] {"rollback", "100", "nope"}, "snapshot 'nope' of container 100 does not exist", CliErrors.EXIT_NOT_FOUND),
                new Case(new String[] {"clone", "100", "100"}, "cannot clone container 100 onto itself"),
                new Case(new String[] {"clone", "100", "101", "--full", "2"}, "invalid --full '2'"),
                new Case(new String[] {"move-volume", "100", "unused0", "local"}, "unused volumes cannot be moved"),
                new Case(new String[] {"push", "100", "/etc/hostname", "/x", "--perms", "999"}, "invalid --perms '999'"),
                new Case(new String[] {"fsck", "100", "--device", "disk0"}, "invalid --device 'disk0'"),
                // each refusal of the clone/move/file layer is its kind naming the parameter (no Java exception)
                new Case(new String[] {"clone", "100", "101", "--snapname", "nope"}, "snapshot 'nope' of container 100 does not exist",
                        CliErrors.EXIT_NOT_FOUND),
                new Case(new String[] {"clone", "100", "101", "--snapname", "1bad"}, "snapname: invalid snapshot name '1bad'"),
                new Case(new String[] {"move-volume", "100", "mp7", "local"}, "volume: container 100 has no volume 'mp7'"),
                new Case(new String[] {"move-volume", "100", "rootfs", "local"}, "storage: volume 'local:100/vm-100-disk-0.raw' is on storage 'local' already"),
                new Case(new String[] {"fsck", "100", "--device", "mp5"}, "device: container 100 has no mp5"),
                new Case(new String[] {"push", "100", "/nonexistent-2100", "/x"}, "file: cannot push '/nonexistent-2100': not a regular file on the host"),
                new Case(new String[] {"push", "100", "/etc/hostname", "/x", "--user", "-1"}, "user: invalid user -1: allowed 0 or more")}) {
            CliRun r = run(c.args());
            assertThat(r.rc()).as(String.join(" ", c.args()) + ": " + r.err()).isEqualTo(c.exit());
            assertThat(r.err()).as(String.join(" ", c.args())).contains("error: ").contains(c.message());
            assertThat(Files.readString(conf)).isEqualTo(before);
        }
        CliRun tpl = run("template", "100");
        assertThat(tpl.rc()).isEqualTo(CliErrors.EXIT_STATE);
        assertThat(tpl.err()).contains("unable to create template, because container 100 has snapshots (s1, s2)");
        assertThat(run("template", "--help").out()).contains("template build busybox");
        // a container on dir storage: the storage says why, by name
        CliRun dir = run("snapshot", "100", "s3");
        assertThat(dir.rc()).isEqualTo(CliErrors.EXIT_UNSUPPORTED);
        assertThat(dir.err()).contains("storage 'local' cannot snapshot volume 'local:100/vm-100-disk-0.raw' (dir storage, format raw)");
        assertThat(Files.readString(conf)).isEqualTo(before);
    }
}
