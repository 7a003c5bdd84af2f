package io.berth.lxc.host;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HostFactsTest {

    @Test
    void probeOfThisHostAgreesWithProcAndSys() throws Exception {
        HostFacts h = HostFacts.probe();
        String mountinfo = Files.readString(Path.of("/proc/self/mountinfo"));
        boolean hasV2 = mountinfo.contains(" - cgroup2 ");
        boolean hasV1Memory = mountinfo.lines().anyMatch(l -> l.contains(" - cgroup ") && l.matches(".*[ ,]memory(,.*|$)"));
        assertThat(h.v1Controllers().contains("memory")).isEqualTo(hasV1Memory);
        assertThat(h.unifiedMount().isPresent()).isEqualTo(hasV2);
        if (hasV1Memory && hasV2) assertThat(h.cgroupMode()).isEqualTo(CgroupMode.HYBRID);
        assertThat(h.kernelRelease()).isEqualTo(Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip());
        assertThat(h.cpus()).isNotEmpty().isSubsetOf(HostFacts.parseCpuList(Files.readString(Path.of("/sys/devices/system/cpu/online"))));
        assertThat(h.apparmor()).isEqualTo(Files.exists(Path.of("/sys/module/apparmor/parameters/enabled"))
                && Files.readString(Path.of("/sys/module/apparmor/parameters/enabled")).startsWith("Y"));
        Map<String, Integer> bridges = new TreeMap<>();
        try (var ds = Files.newDirectoryStream(Path.of("/sys/class/net"))) {
            for (Path d : ds) {
                if (Files.isDirectory(d.resolve("bridge"))) {
                    bridges.put(d.getFileName().toString(), Integer.parseInt(Files.readString(d.resolve("mtu")).strip()));
                }
            }
        }
        assertThat(h.bridgeMtus()).isEqualTo(bridges);
        if (Files.exists(Path.of("/usr/bin/lxc-start"))) {
            Process p = new ProcessBuilder("lxc-start", "--version").redirectErrorStream(true).start();
            String v = new String(p.getInputStream().readAllBytes()).strip();
            p.waitFor();
            assertThat(h.lxcVersion()).isEqualTo(v);
            assertThat(h.lxcMajor()).isEqualTo(Integer.parseInt(v.substring(0, v.indexOf('.'))));
        }
    }

    /** Only cgroup, cgroup2 and lxcfs lines of mountinfo count, whatever the other lines' paths and options say. */
    @Test
    void aFakeHybridHostWithLxcfsIsReadFromItsCgroupAndLxcfsLinesOnly(@TempDir Path root) throws Exception {
        write(root, "proc/self/mountinfo", """
                22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
                30 22 0:40 / /srv/cgroup\\040memory\\040-\\040cgroup rw,relatime shared:5 - ext4 /dev/sdb1 rw,memory
                31 22 0:41 / /sys/fs/cgroup/memory rw,nosuid shared:10 - cgroup cgroup rw,memory
                32 22 0:42 / /sys/fs/cgroup/cpuset rw,nosuid shared:11 - cgroup cgroup rw,cpuset,clone_children
                33 22 0:43 / /sys/fs/cgroup/unified rw,nosuid shared:12 - cgroup2 cgroup2 rw,nsdelegate
                34 22 0:44 / /sys/fs/cgroup/systemd rw,nosuid shared:13 - cgroup cgroup rw,xattr,name=systemd
                35 22 0:45 / /var/lib/lxcfs rw,nosuid,nodev,relatime shared:14 - fuse.lxcfs lxcfs rw,user_id=0,group_id=0
                """);
        write(root, "sys/fs/cgroup/unified/cgroup.controllers", "hugetlb\n");
        write(root, "sys/fs/cgroup/cpuset/cpuset.effective_cpus", "0-1\n");
        write(root, "proc/sys/kernel/osrelease", "6.1.0-18-amd64\n");

        HostFacts h = HostFacts.probe(root);
        assertThat(h.cgroupMode()).isEqualTo(CgroupMode.HYBRID);
        assertThat(h.v1Controllers()).containsExactly("cpuset", "memory");
        assertThat(h.unifiedMount()).contains(Path.of("/sys/fs/cgroup/unified"));
        assertThat(h.v2Controllers()).containsExactly("hugetlb");
        assertThat(h.cpus()).containsExactly(0, 1);
        assertThat(h.lxcfs()).isTrue();
        assertThat(h.seccompNotify()).isFalse();
        assertThat(h.kernelRelease()).isEqualTo("6.1.0-18-amd64");
    }

    @Test
    void aFakePureV2HostIsUnifiedWithItsControllersAndCpuset(@TempDir Path root) throws Exception {
        write(root, "proc/self/mountinfo", """
                22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
                25 22 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate
                """);
        write(root, "sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
        write(root, "sys/fs/cgroup/cpuset.cpus.effective", "0-3,6\n");
        Files.createDirectories(root.resolve("sys/class/net/vmbr0/bridge"));
        write(root, "sys/class/net/vmbr0/mtu", "9000\n");
        write(root, "sys/class/net/eth0/mtu", "1500\n");
        write(root, "proc/sys/kernel/seccomp/actions_avail", "kill_process kill_thread trap errno user_notif trace log allow\n");
        write(root, "proc/sys/kernel/osrelease", "6.8.12-4-pve\n");
        write(root, "usr/share/pkgconfig/lxc.pc", "Name: lxc\nVersion: 6.0.0\n");

        HostFacts h = HostFacts.probe(root);
        assertThat(h.cgroupMode()).isEqualTo(CgroupMode.UNIFIED);
        assertThat(h.usesCgroup2Keys()).isTrue();
        assertThat(h.v1Controllers()).isEmpty();
        assertThat(h.v2Controllers()).contains("memory", "cpu", "cpuset", "io", "pids");
        assertThat(h.cpus()).containsExactly(0, 1, 2, 3, 6);
        assertThat(h.bridgeMtus()).containsExactly(Map.entry("vmbr0", 9000));
        assertThat(h.seccompNotify()).isTrue();
        assertThat(h.apparmor()).isFalse();
        assertThat(h.kernelRelease()).isEqualTo("6.8.12-4-pve");
        assertThat(h.lxcVersion()).isEqualTo("6.0.0");
        assertThat(h.lxcMajor()).isEqualTo(6);
    }

    @Test
    void withoutAPkgConfigFileTheVersionComesFromDpkgsLxcPackage(@TempDir Path root) throws Exception {
        // a fresh Debian 12 has no liblxc-dev, hence no lxc.pc (issue 10.6)
        Path status = root.resolve("var/lib/dpkg/status");
        Files.createDirectories(status.getParent());
        Files.writeString(status, """
                Package: lxc-templates
                Status: install ok installed
                Version: 3.0.4.48.g4765da8-1+deb12u1

                Package: lxc
                Status: install ok installed
                Priority: optional
                Version: 1:5.0.2-1+deb12u4
                Depends: dnsmasq-base

                Package: lxcfs
                Version: 5.0.3-1
                """);
        assertThat(HostFacts.probe(root).lxcVersion()).isEqualTo("5.0.2");
        assertThat(HostFacts.probe(root).lxcMajor()).isEqualTo(5);
        Files.writeString(status, "Package: lxcfs\nVersion: 5.0.3-1\n");
        Files.setLastModifiedTime(status, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
        assertThat(HostFacts.probe(root).lxcVersion()).isEmpty();
    }

    @Test
    void cpuListsParseAndBadOnesNameTheValue() {
        assertThat(HostFacts.parseCpuList("0-2,5,7-8\n")).isEqualTo(List.of(0, 1, 2, 5, 7, 8));
        assertThat(HostFacts.parseCpuList("")).isEmpty();
        assertThatThrownBy(() -> HostFacts.parseCpuList("0-x")).hasMessageContaining("'0-x'");
        assertThatThrownBy(() -> HostFacts.parseCpuList("3-1")).hasMessageContaining("reversed");
    }

    @Test
    void deviceNumbersOfRealNodes() throws Exception {
        assertThat(DeviceNumber.probe(Path.of("/dev/null"))).isEqualTo(new DeviceNumber(DeviceNumber.Type.CHAR, 1, 3));
        assertThat(DeviceNumber.probe(Path.of("/dev/zero")).rule()).isEqualTo("c 1:5");
        assertThatThrownBy(() -> DeviceNumber.probe(Path.of("/etc/hostname"))).hasMessageContaining("not a character or block device");
        // glibc's encoding of large numbers
        long dev = (0x123L << 8) | 0x45L | ((0xabcdeL & ~0xffL) << 12) | ((0x1000L & ~0xfffL) << 32);
        assertThat(DeviceNumber.major(dev)).isEqualTo(0x1123);
        assertThat(DeviceNumber.minor(dev)).isEqualTo(0xabc45);
    }

    /** Writes a file of a fake host under {@code root}, creating its directories. */
    static void write(Path root, String file, String content) throws java.io.IOException {
        Files.createDirectories(root.resolve(file).getParent());
        Files.writeString(root.resolve(file), content);
    }
}
