package io.berth.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DetectionTest {
    private Path tmp;

    @BeforeEach
    void setUp() throws IOException {
        tmp = Files.createTempDirectory("berth-guest-detect-");
    }

    @AfterEach
    void tearDown() throws IOException {
        TreeSnapshot.deleteTree(tmp);
    }

    /** The host's architecture as Proxmox names it, from the JVM's own view of the machine. */
    private static Arch hostArch() {
        return switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> Arch.AMD64;
            case "aarch64" -> Arch.ARM64;
            case "x86", "i386" -> Arch.I386;
            default -> throw new IllegalStateException("add os.arch " + System.getProperty("os.arch"));
        };
    }

    @Test
    void archFromARealBusyboxBehindMergedUsrSymlinks() throws IOException {
        Path busybox = Path.of("/bin/busybox");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(busybox), "busybox not installed");
        Path root = tmp.resolve("rootfs");
        Files.createDirectories(root.resolve("usr/bin"));
        Files.createDirectories(root.resolve("etc"));
        Files.copy(busybox, root.resolve("usr/bin/busybox"), StandardCopyOption.COPY_ATTRIBUTES);
        // merged /usr: /bin -> usr/bin, and sh -> an absolute path that exists only inside the rootfs.
        Files.createSymbolicLink(root.resolve("bin"), Path.of("usr/bin"));
        Files.createSymbolicLink(root.resolve("usr/bin/sh"), Path.of("/only-in-root/bb"));
        Files.createDirectories(root.resolve("only-in-root"));
        Files.createSymbolicLink(root.resolve("only-in-root/bb"), Path.of("../usr/bin/busybox"));
        Files.writeString(root.resolve("etc/alpine-release"), "3.21.0\n");

        Detected d = GuestSetup.detect(root);

        assertThat(d.arch()).contains(hostArch());
        assertThat(d.distro()).isEqualTo(Distro.ALPINE);
        assertThat(d.version()).isEqualTo("3.21");
        assertThat(d.ostype()).isEqualTo("alpine");
    }

    @Test
    void noElfMeansNoArch() throws IOException {
        Path root = tmp.resolve("r");
        Files.createDirectories(root.resolve("bin"));
        Files.writeString(root.resolve("bin/sh"), "#!/not/elf\n");
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/arch-release"), "");
        assertThat(GuestSetup.detect(root).arch()).isEmpty();
    }

    @ParameterizedTest
    @CsvSource({
            "2, 1, 0x3e, AMD64", "1, 1, 0x03, I386", "2, 1, 0xb7, ARM64", "1, 1, 0x28, ARMHF",
            "2, 1, 0xf3, RISCV64", "2, 1, 0x15, PPC64EL", "2, 2, 0x16, S390X"})
    void elfHeaders(int cls, int data, String machine, Arch expected) {
        int m = Integer.decode(machine);
        byte[] h = new byte[64];
        h[0] = 0x7f;
        h[1] = 'E';
        h[2] = 'L';
        h[3] = 'F';
        h[4] = (byte) cls;
        h[5] = (byte) data;
        if (data == 1) {
            h[18] = (byte) m;
        } else {
            h[19] = (byte) m;
        }
        assertThat(Detection.elfArch(h)).contains(expected);
        h[1] = 'X';
        assertThat(Detection.elfArch(h)).isEmpty();
    }

    @ParameterizedTest
    @CsvSource({"12.5, 12", "bookworm/sid, 12", "trixie/sid, 13", "7.11, 7", "squeeze, 6", "10, 10"})
    void debianVersions(String raw, String version) {
        assertThat(Detection.debianVersion(raw)).isEqualTo(version);
    }

    @ParameterizedTest
    @CsvSource({"3.19.1, 3.19", "3.20_alpha20240329, edge", "3.0.0, 3.0"})
    void alpineVersions(String raw, String version) {
        assertThat(Detection.alpineVersion(raw)).isEqualTo(version);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "ubuntu|25.04|ok", "ubuntu|26.04|Ubuntu 12.04 to 25.10", "ubuntu|22.05|Ubuntu 12.04",
            "alpine|3.23|ok", "alpine|3.24|Alpine 3.0 to 3.23", "alpine|edge|ok",
            "centos|5|CentOS/RHEL/Rocky/AlmaLinux/Oracle 6 to 10", "centos|10.0|ok",
            "fedora|21|Fedora 22 to 43", "fedora|43|ok", "opensuse|tumbleweed|ok", "opensuse|13.2|openSUSE Leap",
            "devuan|7|Devuan 1.0", "debian|3|Debian 4 to 13"})
    void supportedVersions(String ostype, String version, String expect) {
        Distro d = java.util.Arrays.stream(Distro.values()).filter(x -> x.ostype().equals(ostype)).findFirst()
                .orElseThrow();
        Detected det = new Detected(d, ostype, version, Optional.empty());
        if (expect.equals("ok")) {
            Detection.requireSupported(det);
        } else {
            assertThatThrownBy(() -> Detection.requireSupported(det)).isInstanceOf(GuestSetupException.class)
                    .hasMessageContaining("unsupported " + ostype + " version '" + version + "'")
                    .hasMessageContaining(expect).hasMessageContaining("unmanaged");
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "etc/os-release|ID=ubuntu\\nVERSION_ID=\"24.04\"|ubuntu|24.04",
            "etc/lsb-release|DISTRIB_ID=Ubuntu\\nDISTRIB_RELEASE=20.04|ubuntu|20.04",
            "etc/os-release|ID=\"almalinux\"\\nVERSION_ID=\"9.4\"|centos|9.4",
            "etc/redhat-release|CentOS release 6.10 (Final)|centos|6.10",
            "etc/os-release|ID=\"opensuse-tumbleweed\"\\nVERSION_ID=\"20240601\"|opensuse|tumbleweed",
            "etc/SuSE-release|openSUSE 42.3 (x86_64)\\nVERSION = 42.3|opensuse|42.3",
            "etc/fedora-release|Fedora release 39 (Thirty Nine)|fedora|39",
            "etc/gentoo-release|Gentoo Base System release 2.14|gentoo|rolling",
            "etc/devuan_version|chimaera|devuan|4",
            "etc/NIXOS||nixos|unknown"})
    void distributions(String file, String content, String ostype, String version) throws IOException {
        Path root = tmp.resolve("r");
        Path f = root.resolve(file);
        Files.createDirectories(f.getParent());
        Files.writeString(f, content == null ? "" : content.replace("\\n", "\n") + "\n");
        Detected d = GuestSetup.detect(root);
        assertThat(d.ostype()).isEqualTo(ostype);
        assertThat(d.version()).isEqualTo(version);
    }
}
