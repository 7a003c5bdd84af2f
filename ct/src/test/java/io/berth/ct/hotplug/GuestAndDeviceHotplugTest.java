package io.berth.ct.hotplug;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.berth.config.ConfigFile;
import io.berth.config.ContainerConfig;
import io.berth.sys.Fd;
import io.berth.sys.PathCalls;
import io.berth.sys.Stat;
import io.berth.storage.Storages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** hostname, DNS and devN changes through LiveChanges on a running privileged container with LXC's device rules. */
@Tag("root")
class GuestAndDeviceHotplugTest {
    @TempDir
    static Path tmp;
    static BusyboxContainer ct;
    static Storages storages;

    @BeforeAll
    static void start() throws Exception {
        // LXC's common.conf device rules: deny by default, so devices.allow changes are visible in devices.list
        ct = new BusyboxContainer(tmp, false, List.of(
                "lxc.cgroup.devices.deny = a",
                "lxc.cgroup.devices.allow = c *:* m",
                "lxc.cgroup.devices.allow = b *:* m",
                "lxc.cgroup.devices.allow = c 1:3 rwm",
                "lxc.cgroup.devices.allow = c 1:5 rwm",
                "lxc.cgroup.devices.allow = c 1:8 rwm",
                "lxc.cgroup.devices.allow = c 1:9 rwm",
                "lxc.cgroup.devices.allow = c 5:0 rwm",
                "lxc.cgroup.devices.allow = c 136:* rwm",
                "lxc.cgroup.devices.allow = c 5:2 rwm"));
        storages = Storages.load(tmp.resolve("storage.cfg"), tmp.resolve("local"));
    }

    @AfterAll
    static void stop() {
        if (ct != null) ct.close();
    }

    private static ContainerConfig config(Map<String, String> kv) {
        return ContainerConfig.of(kv, List.of(), Optional.empty(), List.of());
    }

    private static LiveResult apply(ContainerConfig cur, Map<String, String> set, List<String> delete) {
        try (RunningContainer rc = ct.pin()) {
            return new LiveChanges(storages).apply(100, ConfigFile.of(cur), set, delete, rc);
        }
    }

    @Test
    void hostnameAndDnsChangeInsideAndRollBackOnFailure() throws Exception {
        ContainerConfig cur = config(Map.of("ostype", "alpine", "hostname", "old1"));
        Map<String, String> set = new LinkedHashMap<>();
        set.put("hostname", "web1");
        set.put("searchdomain", "example.test");
        set.put("nameserver", "192.0.2.53 192.0.2.54");
        LiveResult r = apply(cur, set, List.of());
        assertThat(r.appliedSet()).as("%s", r.describe()).containsOnlyKeys("hostname", "searchdomain", "nameserver");
        assertThat(ct.attach("hostname").strip()).isEqualTo("web1");
        assertThat(ct.attach("cat", "/etc/hostname").strip()).isEqualTo("web1");
        assertThat(ct.attach("cat", "/etc/hosts")).contains("web1.example.test").contains("web1");
        String resolv = ct.attach("cat", "/etc/resolv.conf");
        assertThat(resolv).contains("nameserver 192.0.2.53").contains("nameserver 192.0.2.54").contains("example.test");
        ContainerConfig now = r.applyTo(ConfigFile.of(cur)).main();
        assertThat(now.hostname()).contains("web1");

        // DNS alone: resolv.conf changes, the host name stays
        LiveResult dns = apply(now, Map.of("nameserver", "198.51.100.7"), List.of());
        assertThat(dns.appliedSet()).containsOnlyKeys("nameserver");
        assertThat(ct.attach("cat", "/etc/resolv.conf")).contains("nameserver 198.51.100.7").doesNotContain("192.0.2.53");
        now = dns.applyTo(ConfigFile.of(now)).main();

        // a valid FQDN whose name is too long for the kernel (> 64 bytes): the files are written first, then
        // sethostname refuses, and everything is put back
        String tooLong = "h" + "x".repeat(40) + "." + "y".repeat(40) + ".test";
        LiveResult bad = apply(now, Map.of("hostname", tooLong), List.of());
        assertThat(bad.failures()).containsKey("hostname");
        assertThat(bad.pendingSet()).containsEntry("hostname", tooLong);
        assertThat(ct.attach("hostname").strip()).isEqualTo("web1");
        assertThat(ct.attach("cat", "/etc/hostname").strip()).isEqualTo("web1");
        assertThat(ct.attach("cat", "/etc/hosts")).contains("web1").doesNotContain("hxxx");
    }

    @Test
    void unmanagedChangesOnlyTheKernelHostname() throws Exception {
        Files.writeString(ct.rootfs.resolve("etc/hostname"), "untouched\n");
        ContainerConfig cur = config(Map.of("ostype", "unmanaged", "hostname", "um0"));
        LiveResult r = apply(cur, Map.of("hostname", "um1"), List.of());
        assertThat(r.appliedSet()).containsOnlyKeys("hostname");
        assertThat(r.warnings()).anyMatch(w -> w.contains("unmanaged"));
        assertThat(ct.attach("hostname").strip()).isEqualTo("um1");
        assertThat(ct.attach("cat", "/etc/hostname").strip()).isEqualTo("untouched");
    }

    @Test
    void deviceAppearsWithModeAndOwnerAndDisappears() throws Exception {
        Stat host = PathCalls.stat(Fd.CWD, "/dev/net/tun", 0);
        String rule = "c " + host.rdevMajor() + ":" + host.rdevMinor();
        ContainerCgroup cg = ContainerCgroup.locate(ct.name, ct.initPid);
        Path list = cg.v1().get("devices").resolve("devices.list");
        assertThat(Files.readString(list)).doesNotContain(rule + " ");
        assertThat(ct.attach("ls", "/dev")).doesNotContain("net");

        ContainerConfig cur = config(Map.of("ostype", "alpine"));
        LiveResult r = apply(cur, Map.of("dev0", "/dev/net/tun,mode=0640,uid=7,gid=8"), List.of());
        assertThat(r.appliedSet()).as("%s", r.describe()).containsOnlyKeys("dev0");
        assertThat(Files.readString(list)).contains(rule + " rw");
        String st = ct.attach("stat", "-c", "%F %t:%T %a %u:%g", "/dev/net/tun").strip();
        assertThat(st).isEqualTo("character special file " + Integer.toHexString(host.rdevMajor()) + ":"
                + Integer.toHexString(host.rdevMinor()) + " 640 7:8");
        // the device is really usable: the cgroup lets the container open it
        assertThat(ct.attach("sh", "-c", "head -c 0 /dev/net/tun 2>&1; echo rc=$?")).doesNotContain("Operation not permitted");

        ContainerConfig after = r.applyTo(ConfigFile.of(cur)).main();
        LiveResult del = apply(after, Map.of(), List.of("dev0"));
        assertThat(del.appliedDelete()).as("%s", del.describe()).containsExactly("dev0");
        assertThat(ct.attach("ls", "/dev/net")).doesNotContain("tun");
        assertThat(Files.readString(list)).doesNotContain(rule + " ");
        assertThat(ct.mountinfo()).doesNotContain("/dev/net/tun");
    }
}
