package io.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GuestSetupCommandTest {
    @TempDir Path tmp;

    CliRun run(String... args) {
        return CliRun.run(tmp, args);
    }

    @Test void setsUpADirectoryAndTheSecondRunChangesNothing() throws Exception {
        Path rootfs = tmp.resolve("rootfs");
        Files.createDirectories(rootfs.resolve("etc/network"));
        Files.writeString(rootfs.resolve("etc/debian_version"), "12.4\n");
        Files.writeString(rootfs.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n");
        Files.writeString(rootfs.resolve("etc/shadow"), "root:*:19000:0:99999:7:::\n");
        Files.createDirectories(rootfs.resolve("root"));
        Path conf = tmp.resolve("100.conf");
        Files.writeString(conf, """
                hostname: preview
                net0: name=eth0,bridge=vmbr0,gw=10.0.0.1,ip=10.0.0.2/24
                ostype: redhat
                searchdomain: example.com
                nameserver: 192.0.2.53
                """);
        Path keys = tmp.resolve("keys.pub");
        Files.writeString(keys, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPreviewKey user@host\n");
        Path resolv = tmp.resolve("resolv.conf");
        Files.writeString(resolv, "nameserver 198.51.100.1\n");
        String[] args = {"guest-setup", "--rootfs", rootfs.toString(), "--config", conf.toString(), "--phase", "create",
                "--ssh-public-keys", keys.toString(), "--host-resolv-conf", resolv.toString()};

        CliRun first = run(args);
        assertThat(first.rc()).as(first.err()).isZero();
        assertThat(first.out()).contains("distribution: debian 12", "changed: /etc/hosts", "changed: /etc/network/interfaces",
                "changed: /etc/resolv.conf", "changed: /root/.ssh/authorized_keys");
        // the config is read as Proxmox reads it: a value from an older host only warns
        assertThat(first.err()).contains("warning: " + conf + ":3: 'ostype' value 'redhat'", "got unexpected ostype (debian != redhat)");
        assertThat(Files.readString(rootfs.resolve("etc/hosts"))).contains("10.0.0.2 preview.example.com preview\n");

        CliRun second = run(args);
        assertThat(second.rc()).isZero();
        assertThat(second.out()).doesNotContain("changed:");

        CliRun start = run("guest-setup", "--rootfs", rootfs.toString(), "--config", conf.toString(), "--host-resolv-conf",
                resolv.toString());
        assertThat(start.out()).contains("changed: /fastboot").doesNotContain("changed: /etc");
    }

    @Test void badInputNamesWhatIsAllowed() throws Exception {
        Path conf = tmp.resolve("100.conf");
        Files.writeString(conf, "hostname: x\n");
        CliRun r = run("guest-setup", "--rootfs", tmp.toString(), "--config", conf.toString(), "--phase", "boot");
        assertThat(r.rc()).isEqualTo(2);
        assertThat(r.err()).contains("--phase 'boot' is invalid; allowed: create, start");
        CliRun missing = run("guest-setup", "--rootfs", tmp.resolve("nope").toString(), "--config", conf.toString());
        assertThat(missing.rc()).isEqualTo(2);
        assertThat(missing.err()).contains("is not a directory");
    }
}
