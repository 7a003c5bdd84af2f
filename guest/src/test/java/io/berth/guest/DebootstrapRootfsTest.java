package io.berth.guest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Setup on a real Debian 12 minbase rootfs made by debootstrap, checked with the guest's own tools in a chroot
 * (ifquery parses our interfaces file, getent resolves our hosts entry, passwd sees the password, date uses the
 * zone).
 *
 * <p>The rootfs comes from a cached tarball, {@value #DEFAULT_TARBALL} (or {@code $BERTH_DEBIAN_ROOTFS}), built by
 * {@code guest/src/test/scripts/build-debian-rootfs.sh}. When the tarball is missing and {@code BERTH_DEBOOTSTRAP=1}
 * is set, the test builds it first (a few minutes, needs Debian's package mirror); otherwise it is skipped.
 */
@Tag("root")
class DebootstrapRootfsTest {
    static final String DEFAULT_TARBALL = "/var/cache/berth/debian-12-rootfs.tar.zst";
    private static final String PATH = "/usr/sbin:/usr/bin:/sbin:/bin";

    private Path tmp;

    static Path tarball() throws Exception {
        Path tar = Path.of(Optional.ofNullable(System.getenv("BERTH_DEBIAN_ROOTFS")).orElse(DEFAULT_TARBALL));
        if (!Files.isRegularFile(tar) && "1".equals(System.getenv("BERTH_DEBOOTSTRAP"))) {
            Path script = Path.of(System.getProperty("berth.source.root", ".."),
                    "guest/src/test/scripts/build-debian-rootfs.sh");
            run(List.of("bash", script.toString(), tar.toString()), 900);
        }
        Assumptions.assumeTrue(Files.isRegularFile(tar), "no Debian rootfs tarball at " + tar
                + ": run guest/src/test/scripts/build-debian-rootfs.sh, or set BERTH_DEBOOTSTRAP=1 to build it"
                + " during the test");
        return tar;
    }

    @BeforeEach
    void setUp() throws IOException {
        tmp = Files.createTempDirectory("berth-guest-deb-");
    }

    @AfterEach
    void tearDown() throws IOException {
        TreeSnapshot.deleteTree(tmp);
    }

    @Test
    void setupOnDebootstrappedBookworm() throws Exception {
        Path tar = tarball();
        Path rootfs = tmp.resolve("rootfs");
        Files.createDirectories(rootfs);
        run(List.of("tar", "--zstd", "-xpf", tar.toString(), "-C", rootfs.toString(), "--numeric-owner"), 300);

        Detected d = GuestSetup.detect(rootfs);
        assertThat(d.distro()).isEqualTo(Distro.DEBIAN);
        assertThat(d.version()).isEqualTo("12");
        assertThat(d.arch()).isPresent();

        Files.writeString(tmp.resolve("host-resolv.conf"), "nameserver 198.51.100.1\n");
        HostEnv host = new HostEnv(tmp.resolve("host-resolv.conf"), Optional.empty(), Optional.empty());
        GuestSpec spec = new GuestSpec(io.berth.config.ConfigParser.parse("100.conf", """
                hostname: ct-deb
                nameserver: 192.0.2.53
                net0: name=eth0,bridge=vmbr0,gw=192.0.2.1,gw6=fd00::1,ip=192.0.2.10/24,ip6=fd00::10/64
                net1: name=eth1,bridge=vmbr0,ip=dhcp,ip6=auto
                ostype: debian
                searchdomain: example.com
                timezone: Europe/Vienna
                """).main(),
                // "berth" hashed with openssl passwd -6 -salt berthsalt
                Optional.of("$6$berthsalt$cPfpiADXaCPXEVVszOQQUKsnBBvxPDTHPCBRIuW7tcqJmI31Qgyex4vJLLwiwPN5b6jNekvDvOMIV"
                        + "UkCjnUxr/"),
                Optional.of("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDebootstrapTestKeyDebootstrapTestKey0 t@berth\n"), 0, 0);

        SetupReport first = GuestSetup.apply(rootfs, spec, Phase.CREATE, host);
        assertThat(first.changed()).contains("/etc/hostname", "/etc/hosts", "/etc/network/interfaces",
                "/etc/resolv.conf", "/etc/localtime", "/etc/timezone", "/etc/shadow", "/root/.ssh/authorized_keys");
        TreeSnapshot etc = TreeSnapshot.of(rootfs.resolve("etc"));
        SetupReport second = GuestSetup.apply(rootfs, spec, Phase.CREATE, host);
        assertThat(second.changed()).isEmpty();
        assertThat(TreeSnapshot.of(rootfs.resolve("etc"))).isEqualTo(etc);

        // The guest's own tools read what we wrote.
        String eth0 = chroot(rootfs, "ifquery", "eth0");
        assertThat(eth0).contains("address: 192.0.2.10", "netmask: 255.255.255.0", "gateway: 192.0.2.1",
                "address: fd00::10", "gateway: fd00::1");
        assertThat(chroot(rootfs, "ifquery", "--list").lines()).contains("lo", "eth0", "eth1");
        assertThat(chroot(rootfs, "getent", "hosts", "ct-deb")).contains("192.0.2.10").contains("ct-deb.example.com");
        assertThat(chroot(rootfs, "passwd", "-S", "root")).startsWith("root P ");
        assertThat(chroot(rootfs, "date", "+%Z").strip()).isIn("CET", "CEST");
        assertThat(Files.readString(rootfs.resolve("etc/hostname"))).isEqualTo("ct-deb\n");
        assertThat(Files.readString(rootfs.resolve("etc/resolv.conf")))
                .contains("search example.com\nnameserver 192.0.2.53\n");
        // The template's own interfaces content (comment and source line) is still there.
        assertThat(Files.readString(rootfs.resolve("etc/network/interfaces")))
                .contains("source /etc/network/interfaces.d/*");
    }

    private static String chroot(Path rootfs, String... cmd) throws Exception {
        List<String> argv = new ArrayList<>(List.of("chroot", rootfs.toString()));
        argv.addAll(List.of(cmd));
        return run(argv, 60);
    }

    private static String run(List<String> argv, int timeoutSeconds) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().put("PATH", PATH);
        pb.environment().put("LC_ALL", "C");
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(argv + ": timed out");
        }
        String s = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IllegalStateException(argv + ": exit " + p.exitValue() + ": " + s);
        }
        return s;
    }
}
