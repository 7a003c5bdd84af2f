package io.berth.guest;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.config.ConfigParser;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files and directories setup creates in an unprivileged container belong to the container's root. */
@Tag("root") // chowns to the container's ids
class UnprivilegedOwnershipTest {
    @TempDir Path tmp;

    @Test void aRelativeLocaltimeLinkToTheRightZoneIsLeftAsItIs() throws Exception {
        Path rootfs = tmp.resolve("tz");
        Files.createDirectories(rootfs.resolve("etc"));
        Files.createDirectories(rootfs.resolve("usr/share/zoneinfo/Europe"));
        Files.writeString(rootfs.resolve("usr/share/zoneinfo/Europe/Vienna"), "TZif\n");
        Files.writeString(rootfs.resolve("etc/debian_version"), "12.2\n");
        Files.createSymbolicLink(rootfs.resolve("etc/localtime"), Path.of("../usr/share/zoneinfo/Europe/Vienna"));
        Path resolv = tmp.resolve("resolv.conf");
        Files.writeString(resolv, "");
        HostEnv host = new HostEnv(resolv, Optional.empty(), Optional.empty());
        GuestSpec vienna = GuestSpec.of(ConfigParser.parse("100.conf", "hostname: tz\ntimezone: Europe/Vienna\n").main());
        SetupReport r = GuestSetup.apply(rootfs, vienna, Phase.PRE_START, host);
        assertThat(r.changed()).doesNotContain("/etc/localtime");
        assertThat(Files.readSymbolicLink(rootfs.resolve("etc/localtime"))).isEqualTo(Path.of("../usr/share/zoneinfo/Europe/Vienna"));
        GuestSpec missing = GuestSpec.of(ConfigParser.parse("100.conf", "hostname: tz\ntimezone: Asia/Tokyo\n").main());
        assertThat(GuestSetup.apply(rootfs, missing, Phase.PRE_START, host).warnings())
                .contains("container does not have /usr/share/zoneinfo/Asia/Tokyo, timezone can not be modified");
    }

    @Test void newFilesDirectoriesAndLinksBelongToTheContainersRoot() throws Exception {
        Path rootfs = tmp.resolve("rootfs");
        Files.createDirectories(rootfs.resolve("etc/systemd/system/getty.target.wants"));
        Files.createDirectories(rootfs.resolve("root"));
        Files.createDirectories(rootfs.resolve("lib/systemd/system"));
        Files.writeString(rootfs.resolve("etc/debian_version"), "12.2\n");
        Files.writeString(rootfs.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n");
        Files.writeString(rootfs.resolve("lib/systemd/system/container-getty@.service"), "TTYPath=/dev/pts/%I\n");
        Files.writeString(rootfs.resolve("lib/systemd/systemd"), "");
        rootfs.resolve("lib/systemd/systemd").toFile().setExecutable(true);
        Files.createDirectories(rootfs.resolve("sbin"));
        Files.createSymbolicLink(rootfs.resolve("sbin/init"), Path.of("/lib/systemd/systemd"));
        Path resolv = tmp.resolve("resolv.conf");
        Files.writeString(resolv, "nameserver 192.0.2.1\n");
        GuestSpec spec = new GuestSpec(ConfigParser.parse("100.conf", """
                hostname: u1
                net0: name=eth0,bridge=vmbr0,ip=dhcp
                unprivileged: 1
                """).main(), Optional.empty(), Optional.of("ssh-ed25519 AAAAkey u@h\n"), 100000, 100000);

        GuestSetup.apply(rootfs, spec, Phase.CREATE, new HostEnv(resolv, Optional.empty(), Optional.empty()));

        for (String p : new String[] {"etc/hosts", "etc/hostname", "etc/resolv.conf", "etc/network", "etc/network/interfaces",
                "root/.ssh", "root/.ssh/authorized_keys", "etc/systemd/system-preset/00-pve.preset",
                "etc/systemd/system/getty.target.wants/container-getty@1.service"}) {
            assertThat(Files.getAttribute(rootfs.resolve(p), "unix:uid", LinkOption.NOFOLLOW_LINKS)).as(p).isEqualTo(100000);
            assertThat(Files.getAttribute(rootfs.resolve(p), "unix:gid", LinkOption.NOFOLLOW_LINKS)).as(p).isEqualTo(100000);
        }
        // an existing file keeps its owner
        assertThat(Files.getAttribute(rootfs.resolve("etc/passwd"), "unix:uid")).isEqualTo(0);
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(rootfs.resolve("root/.ssh"))))
                .isEqualTo("rwx------");
    }
}
