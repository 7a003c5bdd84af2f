package io.berth.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A container rootfs with planted symlinks pointing outside it: setup must never write (or read) through them.
 * "outside" stands for the host; its files must stay byte-for-byte the same.
 */
@Tag("root") // chowns files to container root ids
class SymlinkSafetyTest {
    private Path tmp;
    private Path rootfs;
    private Path outside;
    private HostEnv host;

    @BeforeEach
    void setUp() throws IOException {
        tmp = Files.createTempDirectory("berth-guest-symlink-");
        rootfs = tmp.resolve("rootfs");
        outside = tmp.resolve("host");
        Files.createDirectories(rootfs.resolve("etc/network"));
        Files.createDirectories(outside);
        Files.writeString(rootfs.resolve("etc/debian_version"), "12.4\n");
        Files.writeString(outside.resolve("shadow"), "root:HOSTSECRET:19000:0:99999:7:::\n");
        Files.writeString(outside.resolve("hostname"), "the-host\n");
        Files.writeString(tmp.resolve("host-resolv.conf"), "nameserver 198.51.100.1\n");
        host = new HostEnv(tmp.resolve("host-resolv.conf"), Optional.empty(), Optional.empty());
    }

    @AfterEach
    void tearDown() throws IOException {
        TreeSnapshot.deleteTree(tmp);
    }

    private GuestSpec spec() {
        return new GuestSpec(io.berth.config.ConfigParser.parse("100.conf", """
                hostname: ct1
                nameserver: 192.0.2.1
                net0: name=eth0,bridge=vmbr0,gw=192.0.2.1,ip=192.0.2.10/24
                ostype: debian
                """).main(), Optional.of("$6$s$hash"), Optional.of("ssh-ed25519 AAAAkey k@x\n"), 0, 0);
    }

    @Test
    void absoluteSymlinkedHostnameIsReplacedNotFollowed() throws IOException {
        Files.createSymbolicLink(rootfs.resolve("etc/hostname"), outside.resolve("hostname"));
        TreeSnapshot hostBefore = TreeSnapshot.of(outside);

        SetupReport r = GuestSetup.apply(rootfs, spec(), Phase.PRE_START, host);

        assertThat(TreeSnapshot.of(outside)).isEqualTo(hostBefore);
        assertThat(Files.isSymbolicLink(rootfs.resolve("etc/hostname"))).isFalse();
        assertThat(Files.readString(rootfs.resolve("etc/hostname"))).isEqualTo("ct1\n");
        assertThat(r.warnings()).anyMatch(w -> w.contains("/etc/hostname was a symlink"));
    }

    @Test
    void relativeDotDotChainToHostShadowIsNeitherReadNorWritten() throws IOException {
        // etc/shadow -> ../x/../../../host/shadow, a ".." chain that climbs out of the rootfs.
        Files.createDirectories(rootfs.resolve("x"));
        Files.createDirectories(rootfs.resolve("root"));
        Files.writeString(rootfs.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
        Files.createSymbolicLink(rootfs.resolve("etc/shadow"), Path.of("../x/../../host/shadow"));
        assertThat(Files.readString(rootfs.resolve("etc/shadow"))).contains("HOSTSECRET"); // really points out
        TreeSnapshot hostBefore = TreeSnapshot.of(outside);

        GuestSetup.apply(rootfs, spec(), Phase.CREATE, host);

        assertThat(TreeSnapshot.of(outside)).isEqualTo(hostBefore);
        // Inside the container the link leads nowhere (resolved in the rootfs), so the hash went to /etc/passwd.
        assertThat(Files.readString(rootfs.resolve("etc/passwd"))).doesNotContain("HOSTSECRET").startsWith("root:$6$s$hash:");
    }

    @Test
    void symlinkedEtcDirectoryIsRefused() throws IOException {
        Path hostEtc = outside.resolve("etc");
        Files.createDirectories(hostEtc.resolve("network"));
        Files.writeString(hostEtc.resolve("hostname"), "host\n");
        TreeSnapshot.deleteTree(rootfs.resolve("etc"));
        Files.createSymbolicLink(rootfs.resolve("etc"), hostEtc);
        // Detection needs a distro file; put it where only an in-root lookup finds it.
        Files.createDirectories(rootfs.resolve("usr/lib"));
        Files.writeString(rootfs.resolve("usr/lib/os-release"), "ID=debian\nVERSION_ID=12\n");
        TreeSnapshot hostBefore = TreeSnapshot.of(outside);

        assertThatThrownBy(() -> GuestSetup.apply(rootfs, spec(), Phase.PRE_START, host))
                .isInstanceOf(GuestSetupException.class)
                // resolved inside the rootfs, /etc leads nowhere: nothing is read from or written to the host's dir
                .hasMessageContaining("/etc/debian_version");
        assertThat(TreeSnapshot.of(outside)).isEqualTo(hostBefore);
    }

    @Test
    void symlinkedNetworkDirectoryWithDotDotChainIsRefused() throws IOException {
        Path target = outside.resolve("net");
        Files.createDirectories(target);
        Files.delete(rootfs.resolve("etc/network"));
        // Relative chain: etc/network -> ../a/b/../../.. /host/net (climbs one above the rootfs).
        Files.createDirectories(rootfs.resolve("a/b"));
        Files.createSymbolicLink(rootfs.resolve("etc/network"), Path.of("../a/b/../../../host/net"));
        assertThat(Files.isDirectory(rootfs.resolve("etc/network"))).isTrue(); // the kernel would follow it out
        TreeSnapshot hostBefore = TreeSnapshot.of(outside);

        assertThatThrownBy(() -> GuestSetup.apply(rootfs, spec(), Phase.NETWORK_CHANGE, host))
                .isInstanceOf(GuestSetupException.class).hasMessageContaining("/etc/network in")
                .hasMessageContaining("is a symlink");
        assertThat(TreeSnapshot.of(outside)).isEqualTo(hostBefore);
        assertThat(Files.list(target)).isEmpty();
    }

    @Test
    void symlinkedRootSshDirectoryIsRefused() throws IOException {
        Path hostSsh = outside.resolve("dot-ssh");
        Files.createDirectories(hostSsh);
        Files.createDirectories(rootfs.resolve("root"));
        Files.createSymbolicLink(rootfs.resolve("root/.ssh"), hostSsh);
        TreeSnapshot hostBefore = TreeSnapshot.of(outside);

        assertThatThrownBy(() -> GuestSetup.apply(rootfs, spec(), Phase.CREATE, host))
                .isInstanceOf(GuestSetupException.class).hasMessageContaining("root/.ssh");
        assertThat(TreeSnapshot.of(outside)).isEqualTo(hostBefore);
        assertThat(Files.list(hostSsh)).isEmpty();
    }

    @Test
    void symlinkedLocaltimeIsReplacedWithoutTouchingTarget() throws IOException {
        Files.createDirectories(rootfs.resolve("usr/share/zoneinfo/Europe"));
        Files.writeString(rootfs.resolve("usr/share/zoneinfo/Europe/Vienna"), "TZif\n");
        Files.writeString(outside.resolve("localtime"), "host zone\n");
        Files.createSymbolicLink(rootfs.resolve("etc/localtime"), outside.resolve("localtime"));
        TreeSnapshot hostBefore = TreeSnapshot.of(outside);
        GuestSpec s = GuestSpec.of(io.berth.config.ConfigParser.parse("100.conf", "hostname: ct1\ntimezone: Europe/Vienna\n").main());

        GuestSetup.apply(rootfs, s, Phase.PRE_START, host);

        assertThat(TreeSnapshot.of(outside)).isEqualTo(hostBefore);
        assertThat(Files.readSymbolicLink(rootfs.resolve("etc/localtime")))
                .isEqualTo(Path.of("/usr/share/zoneinfo/Europe/Vienna"));
    }

    @Test
    void fifoInPlaceOfHostsIsRefusedWithoutBlocking() throws Exception {
        Path fifo = rootfs.resolve("etc/hosts");
        Process p = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertThat(p.waitFor()).isZero();

        assertThatThrownBy(() -> GuestSetup.apply(rootfs, spec(), Phase.HOSTNAME_CHANGE, host))
                .isInstanceOf(GuestSetupException.class).hasMessageContaining("/etc/hosts")
                .hasMessageContaining("not a regular file");
        assertThat(Files.isRegularFile(fifo, LinkOption.NOFOLLOW_LINKS)).isFalse();
    }

    @Test
    void detectionResolvesAbsoluteSymlinksInsideTheRootfsNotOnTheHost() throws IOException {
        // /etc/os-release -> /usr/lib/os-release must mean rootfs/usr/lib/os-release, never the host's file.
        Files.delete(rootfs.resolve("etc/debian_version"));
        Files.createDirectories(rootfs.resolve("usr/lib"));
        Files.writeString(rootfs.resolve("usr/lib/os-release"), "ID=alpine\nVERSION_ID=3.20.1\n");
        Files.createSymbolicLink(rootfs.resolve("etc/os-release"), Path.of("/usr/lib/os-release"));
        Files.createSymbolicLink(rootfs.resolve("etc/alpine-release"), Path.of("/../../../../etc/alpine-rel"));
        Files.writeString(rootfs.resolve("etc/alpine-rel"), "3.20.1\n");

        Detected d = GuestSetup.detect(rootfs);

        assertThat(d.distro()).isEqualTo(Distro.ALPINE);
        assertThat(d.version()).isEqualTo("3.20.1");
    }
}
