package io.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code berth move-volume VMID VOLUME --target-vmid N --target-volume KEY} in-process on the dir storage of a
 * temp root: the subvol directory is renamed to the target's name with its files, the configs change, and each
 * refusal exits with its kind's code and changes nothing.
 */
class MoveVolumeTargetTest {
    @TempDir Path root;
    Path confA, confB, images;

    CliRun run(String... args) {
        return CliRun.run(root, args);
    }

    @BeforeEach void twoContainers() throws Exception {
        confA = root.resolve("etc/lxc/8601.conf");
        confB = root.resolve("etc/lxc/8602.conf");
        Files.createDirectories(confA.getParent());
        images = io.berth.config.BerthRoots.resolve(root.toString()).defaultStorageDir().resolve("images");
        Files.writeString(confA, "arch: amd64\nhostname: a\nmp0: local:subvol-8601-disk-1,mp=/data,ro=1\nostype: debian\n"
                + "rootfs: local:subvol-8601-disk-0\nunused0: local:subvol-8601-disk-2\n");
        Files.writeString(confB, "arch: amd64\nhostname: b\nmp0: local:subvol-8602-disk-1,mp=/x\nostype: debian\n"
                + "rootfs: local:subvol-8602-disk-0\n");
        for (String v : new String[] {"8601/subvol-8601-disk-0", "8601/subvol-8601-disk-1", "8601/subvol-8601-disk-2",
                "8602/subvol-8602-disk-0", "8602/subvol-8602-disk-1"}) {
            Files.createDirectories(images.resolve(v));
        }
        Files.writeString(images.resolve("8601/subvol-8601-disk-1/payload"), "mp0 data\n");
        Files.writeString(images.resolve("8601/subvol-8601-disk-2/payload"), "unused data\n");
    }

    @Test void refusalsExitWithTheirKindAndChangeNothing() throws Exception {
        String a = Files.readString(confA), b = Files.readString(confB);
        assertThat(images.getParent()).as("the default dir storage of --root").isDirectory();
        record Case(int rc, String message, String[] args) {}
        for (Case c : new Case[] {
                new Case(CliErrors.EXIT_INVALID, "not rootfs", new String[] {"move-volume", "8601", "rootfs", "--target-vmid", "8602", "--target-volume", "mp5"}),
                new Case(CliErrors.EXIT_INVALID, "the same", new String[] {"move-volume", "8601", "mp0", "--target-vmid", "8601", "--target-volume", "mp5"}),
                new Case(CliErrors.EXIT_INVALID, "not both", new String[] {"move-volume", "8601", "mp0", "local", "--target-vmid", "8602"}),
                new Case(CliErrors.EXIT_INVALID, "unused volume", new String[] {"move-volume", "8601", "unused0", "--target-vmid", "8602", "--target-volume", "mp5"}),
                new Case(CliErrors.EXIT_EXISTS, "'mp0' is already in use", new String[] {"move-volume", "8601", "mp0", "--target-vmid", "8602"}),
                new Case(CliErrors.EXIT_NOT_FOUND, "8699", new String[] {"move-volume", "8601", "mp0", "--target-vmid", "8699", "--target-volume", "mp5"}),
                new Case(CliErrors.EXIT_NOT_FOUND, "'mp3' of container 8601", new String[] {"move-volume", "8601", "mp3", "--target-vmid", "8602", "--target-volume", "mp5"}),
                new Case(CliErrors.EXIT_DIGEST, "8601", new String[] {"move-volume", "8601", "mp0", "--target-vmid", "8602", "--target-volume", "mp5", "--digest", "0".repeat(40)})}) {
            CliRun r = run(c.args());
            assertThat(r.rc()).as(String.join(" ", c.args()) + ": " + r.err()).isEqualTo(c.rc());
            assertThat(r.err()).as(String.join(" ", c.args())).contains(c.message());
        }
        Files.writeString(confB, b + "lock: backup\n");
        CliRun locked = run("move-volume", "8601", "mp0", "--target-vmid", "8602", "--target-volume", "mp5");
        assertThat(locked.rc()).as(locked.err()).isEqualTo(CliErrors.EXIT_LOCKED);
        assertThat(locked.err()).contains("container 8602 is locked (backup)");
        Files.writeString(confB, b);
        assertThat(Files.readString(confA)).isEqualTo(a);
        assertThat(images.resolve("8601/subvol-8601-disk-1/payload")).hasContent("mp0 data\n");
    }

    @Test void mpAndUnusedVolumesMoveWithTheirFilesAndOptions() throws Exception {
        CliRun r = run("move-volume", "8601", "mp0", "--target-vmid", "8602", "--target-volume", "mp3");
        assertThat(r.rc()).as(r.err()).isZero();
        assertThat(r.out()).contains("moved mp0 ('local:subvol-8601-disk-1') of container 8601 to container 8602 as mp3 ('local:subvol-8602-disk-2')");
        assertThat(Files.readString(confA)).doesNotContain("mp0").doesNotContain("subvol-8601-disk-1").contains("unused0: local:subvol-8601-disk-2");
        assertThat(Files.readString(confB)).contains("mp3: local:subvol-8602-disk-2,mp=/data,ro=1\n");
        assertThat(images.resolve("8602/subvol-8602-disk-2/payload")).hasContent("mp0 data\n");
        assertThat(images.resolve("8601/subvol-8601-disk-1")).doesNotExist();

        r = run("move-volume", "8601", "unused0", "--target-vmid", "8602");
        assertThat(r.rc()).as(r.err()).isZero();
        assertThat(Files.readString(confA)).doesNotContain("unused");
        assertThat(Files.readString(confB)).contains("unused0: local:subvol-8602-disk-3\n");
        assertThat(images.resolve("8602/subvol-8602-disk-3/payload")).hasContent("unused data\n");
    }
}
