package io.berth.guest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Owners and modes for unprivileged containers, ignore files, and SSH host keys. */
@Tag("root") // chowns files to container root ids
class OwnershipAndIgnoreTest {
    private Path tmp;
    private Path rootfs;
    private HostEnv host;

    @BeforeEach
    void setUp() throws IOException {
        tmp = Files.createTempDirectory("berth-guest-own-");
        rootfs = tmp.resolve("rootfs");
        Files.createDirectories(rootfs.resolve("etc"));
        Files.writeString(rootfs.resolve("etc/os-release"), "ID=debian\nVERSION_ID=12\n");
        Files.writeString(tmp.resolve("resolv.conf"), "nameserver 198.51.100.1\n");
        host = new HostEnv(tmp.resolve("resolv.conf"), Optional.empty(), Optional.empty());
    }

    @AfterEach
    void tearDown() throws IOException {
        TreeSnapshot.deleteTree(tmp);
    }

    private static int uid(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }

    private static int gid(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS);
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void newFilesBelongToTheContainerRootAndExistingOnesKeepTheirOwner() throws IOException {
        Path hosts = rootfs.resolve("etc/hosts");
        Files.writeString(hosts, "127.0.0.1 localhost\n");
        Files.setAttribute(hosts, "unix:uid", 100033);
        Files.setAttribute(hosts, "unix:gid", 100044);
        Files.setPosixFilePermissions(hosts, PosixFilePermissions.fromString("rw-rw-r--"));
        GuestSpec s = new GuestSpec("ct1", Optional.empty(), List.of(), List.of(
                GuestNet.of("eth0", "dhcp", null, null, null)), Optional.empty(), Optional.of("$y$j9T$salt$hash"),
                List.of("ssh-ed25519 AAAAkey k@x"), "debian", 100000, 100000);

        SetupReport r = GuestSetup.apply(rootfs, s, Phase.CREATE, host);

        assertThat(r.changed()).contains("/etc/hosts", "/etc/hostname", "/etc/network/interfaces",
                "/etc/shadow", "/root/.ssh/authorized_keys");
        assertThat(uid(hosts)).isEqualTo(100033);
        assertThat(gid(hosts)).isEqualTo(100044);
        assertThat(mode(hosts)).isEqualTo("rw-rw-r--");
        for (String f : List.of("etc/hostname", "etc/network", "etc/network/interfaces", "root", "root/.ssh",
                "root/.ssh/authorized_keys", "etc/shadow")) {
            assertThat(uid(rootfs.resolve(f))).as(f).isEqualTo(100000);
            assertThat(gid(rootfs.resolve(f))).as(f).isEqualTo(100000);
        }
        assertThat(mode(rootfs.resolve("root/.ssh"))).isEqualTo("rwx------");
        assertThat(mode(rootfs.resolve("root/.ssh/authorized_keys"))).isEqualTo("rw-------");
        assertThat(mode(rootfs.resolve("etc/shadow"))).isEqualTo("rw-r-----");
        assertThat(mode(rootfs.resolve("etc/hostname"))).isEqualTo("rw-r--r--");
        assertThat(r.warnings()).anyMatch(w -> w.contains("/etc/shadow did not exist"));
        // No temp files left behind.
        try (var s2 = Files.walk(rootfs)) {
            assertThat(s2.map(Path::toString)).noneMatch(p -> p.contains(".berth-tmp-"));
        }
    }

    @Test
    void networkManagerKeyfilesAreMode0600() throws IOException {
        Files.writeString(rootfs.resolve("etc/os-release"), "ID=rocky\nVERSION_ID=9.4\n");
        GuestSpec s = new GuestSpec("ct1", Optional.empty(), List.of(), List.of(
                GuestNet.of("eth0", "dhcp", null, "auto", null)), Optional.empty(), Optional.empty(), List.of(),
                "centos", 0, 0);
        GuestSetup.apply(rootfs, s, Phase.NETWORK_CHANGE, host);
        Path f = rootfs.resolve("etc/NetworkManager/system-connections/eth0.nmconnection");
        assertThat(mode(f)).isEqualTo("rw-------");
        assertThat(Files.readString(f)).contains("[ipv4]\nmethod=auto", "[ipv6]\naddr-gen-mode=eui64\nmethod=auto");
    }

    @Test
    void ignoreFilesKeepTheAdminsVersion() throws IOException {
        Files.createDirectories(rootfs.resolve("etc/network"));
        Files.writeString(rootfs.resolve("etc/hostname"), "mine\n");
        Files.writeString(rootfs.resolve("etc/.berth-ignore.hostname"), "");
        Files.writeString(rootfs.resolve("etc/network/interfaces"), "iface eth0 inet dhcp\n");
        Files.writeString(rootfs.resolve("etc/network/.pve-ignore.interfaces"), "");
        GuestSpec s = new GuestSpec("ct1", Optional.empty(), List.of("192.0.2.1"), List.of(
                GuestNet.of("eth0", "10.0.0.2/24", "10.0.0.1", null, null)), Optional.empty(), Optional.empty(),
                List.of(), "", 0, 0);

        SetupReport r = GuestSetup.apply(rootfs, s, Phase.PRE_START, host);

        assertThat(Files.readString(rootfs.resolve("etc/hostname"))).isEqualTo("mine\n");
        assertThat(Files.readString(rootfs.resolve("etc/network/interfaces"))).isEqualTo("iface eth0 inet dhcp\n");
        assertThat(r.skipped()).anyMatch(x -> x.startsWith("/etc/hostname: ignore file"))
                .anyMatch(x -> x.startsWith("/etc/network/interfaces: ignore file"));
        assertThat(r.changed()).contains("/etc/hosts", "/etc/resolv.conf");
    }

    @Test
    void phasesTouchOnlyTheirSubset() throws IOException {
        GuestSpec s = new GuestSpec("ct1", Optional.of("example.com"), List.of("192.0.2.1"), List.of(
                GuestNet.of("eth0", "10.0.0.2/24", "10.0.0.1", null, null)), Optional.empty(),
                Optional.of("$6$a$b"), List.of("ssh-ed25519 AAAAkey k@x"), "", 0, 0);
        assertThat(GuestSetup.apply(rootfs, s, Phase.NETWORK_CHANGE, host).changed())
                .containsExactly("/etc/network/interfaces");
        assertThat(GuestSetup.apply(rootfs, s, Phase.HOSTNAME_CHANGE, host).changed())
                .containsExactly("/etc/hostname", "/etc/hosts");
        assertThat(GuestSetup.apply(rootfs, s, Phase.DNS_CHANGE, host).changed())
                .containsExactly("/etc/resolv.conf");
        // Nothing left for pre-start but what it alone covers; password and keys only at create.
        assertThat(GuestSetup.apply(rootfs, s, Phase.PRE_START, host).changed()).isEmpty();
        assertThat(Files.exists(rootfs.resolve("etc/shadow"))).isFalse();
        assertThat(GuestSetup.apply(rootfs, s, Phase.CREATE, host).changed())
                .containsExactly("/etc/shadow", "/root/.ssh/authorized_keys");
    }

    @Test
    void hostnameChangeRewritesHostsEntry() throws IOException {
        GuestSpec a = GuestSpec.minimal("old");
        GuestSetup.apply(rootfs, a, Phase.HOSTNAME_CHANGE, host);
        GuestSetup.apply(rootfs, GuestSpec.minimal("new.example.org"), Phase.HOSTNAME_CHANGE, host);
        String hosts = Files.readString(rootfs.resolve("etc/hosts"));
        assertThat(hosts).contains("127.0.1.1 new.example.org new").doesNotContain("old");
        assertThat(hosts.lines().filter(l -> l.startsWith("127.0.1.1"))).hasSize(1);
    }

    @Test
    void sshHostKeysAreGeneratedOnceAtCreate() throws IOException {
        Optional<Path> keygen = HostEnv.system().sshKeygen();
        org.junit.jupiter.api.Assumptions.assumeTrue(keygen.isPresent(), "ssh-keygen not installed on this host");
        Files.createDirectories(rootfs.resolve("etc/ssh"));
        Files.writeString(rootfs.resolve("etc/ssh/sshd_config"), "PermitRootLogin prohibit-password\n");
        HostEnv h = new HostEnv(host.resolvConf(), Optional.empty(), keygen);
        GuestSetup.apply(rootfs, GuestSpec.minimal("keys").withOwner(100000, 100000), Phase.CREATE, h);
        for (String t : List.of("rsa", "ecdsa", "ed25519")) {
            Path k = rootfs.resolve("etc/ssh/ssh_host_" + t + "_key");
            assertThat(Files.readString(k)).startsWith("-----BEGIN OPENSSH PRIVATE KEY-----");
            assertThat(mode(k)).isEqualTo("rw-------");
            assertThat(uid(k)).isEqualTo(100000);
            assertThat(Files.readString(rootfs.resolve("etc/ssh/ssh_host_" + t + "_key.pub"))).endsWith(
                    " root@keys\n");
        }
        TreeSnapshot before = TreeSnapshot.of(rootfs.resolve("etc/ssh"));
        SetupReport again = GuestSetup.apply(rootfs, GuestSpec.minimal("keys").withOwner(100000, 100000),
                Phase.CREATE, h);
        assertThat(again.changed()).isEmpty();
        assertThat(TreeSnapshot.of(rootfs.resolve("etc/ssh"))).isEqualTo(before);
    }
}
