package io.berth.ct.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The real check of guest setup (issue 7): a debootstrapped Debian 12 created and started through {@code bin/berth}
 * boots its own init, whose ifupdown brings eth0 up from the /etc/network/interfaces Berth wrote; it has the
 * hostname, /etc/hosts and resolv.conf its config says, and answers a ping from the host side of a bridge the test
 * made. A config change made while stopped is applied by the pre-start hook at the next start.
 */
@Tag("root")
class DebianBootTest {
    private static final String TEMPLATE = "debian-12-standard_12.0-1_amd64.tar.zst";

    private Path work;
    private Path root;
    private BerthCli cli;
    private HostSideNet net;
    private int vmid;

    @BeforeEach
    void setUp() throws IOException {
        Path tarball = DebianRootfs.require();
        work = Files.createTempDirectory("berth-e2e-");
        root = work.resolve("root");
        cli = BerthCli.forRoot(root, work);
        Path cache = Files.createDirectories(root.resolve("var/storage/local/template/cache"));
        try {
            Files.createLink(cache.resolve(TEMPLATE), tarball); // read-only use: a link saves copying 50 MB
        } catch (FileSystemException | UnsupportedOperationException e) {
            Files.copy(tarball, cache.resolve(TEMPLATE));
        }
        // LXC names the host end of net0 veth<vmid>i0 in the host's netns: the vmid must be unused machine-wide
        do {
            vmid = ThreadLocalRandom.current().nextInt(700_000, 800_000);
        } while (Files.exists(Path.of("/sys/class/net/veth" + vmid + "i0")));
        net = HostSideNet.create();
    }

    @AfterEach
    void tearDown() throws IOException {
        List<String> problems = new ArrayList<>();
        try {
            // whatever create left behind (even if it was killed half-way) has a config file
            if (cli != null && Files.exists(root.resolve("etc/lxc/" + vmid + ".conf"))) {
                String id = Integer.toString(vmid);
                if (cli.run("status", id).out().contains("status: running")) {
                    Proc.Result stop = cli.run("stop", id);
                    if (!stop.ok()) {
                        problems.add(stop.describe());
                        Proc.run("lxc-stop", "-P", root.resolve("var/lxc").toString(), "-n", id, "-k");
                    }
                }
                Proc.Result destroy = cli.run("destroy", id, "--purge");
                if (!destroy.ok()) problems.add(destroy.describe());
            }
        } finally {
            if (net != null) {
                try {
                    net.close();
                } catch (RuntimeException e) {
                    problems.add(e.getMessage());
                }
            }
            if (work != null) {
                List<String> mounts = Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                        .filter(l -> l.split(" ")[4].startsWith(work.toString())).toList();
                // never delete recursively through a mount that teardown failed to remove
                if (mounts.isEmpty()) deleteTree(work);
                else problems.add("mounts left under " + work + " (not deleted): " + mounts);
            }
        }
        assertThat(problems).as("teardown").isEmpty();
    }

    @Test
    void privilegedDebianBootsWithItsConfiguredNetworkAndNames() {
        String ip = net.address(2);
        createAndStart(ip, false);
        assertGuest(ip, "e2e");
        assertThat(net.ping(ip).check().out()).contains("1 packets transmitted, 1 ");

        // Changed while stopped: only the pre-start hook can bring these into the guest.
        cli.run("stop", Integer.toString(vmid)).check();
        String ip2 = net.address(3);
        cli.run("set", Integer.toString(vmid), "--hostname", "e2e-two",
                "--net0", "name=eth0,bridge=" + net.bridge + ",ip=" + ip2 + "/24,gw=" + net.gateway()).check();
        cli.run("start", Integer.toString(vmid)).check();
        awaitAddress(ip2);
        assertGuest(ip2, "e2e-two");
        Map<String, String> o = inside("ip -4 addr show eth0", "cat /etc/hosts");
        assertThat(o.get("ip -4 addr show eth0")).doesNotContain(ip + "/");
        assertThat(o.get("cat /etc/hosts")).doesNotContainPattern("\\se2e(\\s|$)");
        assertThat(net.ping(ip2).check().out()).contains("1 packets transmitted, 1 ");

        // Changed live: berth set on the running container moves the address and rewrites the guest's files, so
        // the distro's own config agrees with what the interface has (and survives a restart of networking).
        String ip3 = net.address(4);
        String applied = cli.run("set", Integer.toString(vmid), "--hostname", "e2e-three",
                "--net0", "name=eth0,bridge=" + net.bridge + ",ip=" + ip3 + "/24,gw=" + net.gateway()).check().out();
        assertThat(applied).contains("applied hostname: e2e-three").contains("applied net0: ");
        assertGuest(ip3, "e2e-three");
        assertThat(inside("ip -4 addr show eth0").get("ip -4 addr show eth0")).doesNotContain(ip2 + "/");
        assertThat(net.ping(ip3).check().out()).contains("1 packets transmitted, 1 ");
        assertThat(cli.run("pending", Integer.toString(vmid)).check().out()).doesNotContain("new ");
    }

    @Test
    void unprivilegedDebianBootsWithItsConfiguredNetworkAndNames() {
        String ip = net.address(2);
        createAndStart(ip, true);
        assertGuest(ip, "e2e");
        String files = "/etc/hostname /etc/hosts /etc/network/interfaces /etc/resolv.conf";
        Map<String, String> o = inside("cat /proc/self/uid_map", "stat -c %u:%g " + files);
        assertThat(o.get("cat /proc/self/uid_map").strip().split("\\s+")).containsExactly("0", "100000", "65536");
        // the files Berth wrote belong to the container's root (host uid 100000 on disk), not to nobody
        assertThat(o.get("stat -c %u:%g " + files).lines()).containsExactly("0:0", "0:0", "0:0", "0:0");
        assertThat(net.ping(ip).check().out()).contains("1 packets transmitted, 1 ");
    }

    private void createAndStart(String ip, boolean unprivileged) {
        List<String> args = new ArrayList<>(List.of("create", Integer.toString(vmid), "local:vztmpl/" + TEMPLATE,
                "--rootfs", "local:1", "--hostname", "e2e", "--searchdomain", "e2e.test",
                "--nameserver", net.gateway(),
                "--net0", "name=eth0,bridge=" + net.bridge + ",ip=" + ip + "/24,gw=" + net.gateway(), "--quiet"));
        if (unprivileged) args.addAll(List.of("--unprivileged", "1"));
        cli.run(args.toArray(String[]::new)).check();
        // detected from the rootfs, which selects Debian's ifupdown format for the network
        assertThat(cli.run("config", Integer.toString(vmid)).check().out()).containsPattern("(?m)^ostype: debian$");
        cli.run("start", Integer.toString(vmid)).check();
        awaitAddress(ip);
    }

    /** The guest's rc scripts run after lxc-start reports RUNNING: wait (inside, in one exec) for ifupdown. */
    private void awaitAddress(String ip) {
        String script = "i=0; while [ $i -lt 150 ]; do ip -4 -o addr show dev eth0 | grep -qF 'inet " + ip
                + "/' && exit 0; i=$((i+1)); sleep 0.1; done; ip addr; exit 1";
        Proc.Result r = cli.run(Duration.ofSeconds(40), "exec", Integer.toString(vmid), "--", "sh", "-c",
                script);
        assertThat(r.ok()).as("eth0 gets %s within 15 s of start:\n%s", ip, r.describe()).isTrue();
    }

    private void assertGuest(String ip, String hostname) {
        String gw = net.gateway();
        Map<String, String> o = inside("cat /proc/1/cmdline", "cat /run/network/ifstate.eth0", "ip -4 addr show eth0",
                "ip -4 route show default", "cat /etc/network/interfaces", "hostname", "cat /etc/hostname",
                "cat /etc/hosts", "cat /etc/resolv.conf", "ping -c 1 -W 2 " + gw);
        // the distro's own boot did it: PID 1 is sysvinit, and ifupdown recorded eth0 as configured by it
        assertThat(o.get("cat /proc/1/cmdline")).startsWith("init");
        assertThat(o.get("cat /run/network/ifstate.eth0").strip()).isEqualTo("eth0");
        assertThat(o.get("ip -4 addr show eth0")).contains("inet " + ip + "/24");
        assertThat(o.get("ip -4 route show default")).contains("default via " + gw + " dev eth0");
        assertThat(o.get("cat /etc/network/interfaces"))
                .contains("iface eth0 inet static").contains(ip + "/24").contains("gateway " + gw)
                .contains("source /etc/network/interfaces.d/*"); // the template's own lines stay
        assertThat(o.get("hostname")).isEqualTo(hostname + "\n");
        assertThat(o.get("cat /etc/hostname")).isEqualTo(hostname + "\n");
        assertThat(o.get("cat /etc/hosts"))
                .containsPattern("(?m)^" + java.util.regex.Pattern.quote(ip) + "\\s+" + hostname + "\\.e2e\\.test\\s+" + hostname + "\\s*$")
                .containsPattern("(?m)^127\\.0\\.0\\.1\\s+localhost");
        assertThat(o.get("cat /etc/resolv.conf").lines().map(String::strip)
                        .filter(l -> l.startsWith("nameserver") || l.startsWith("search")))
                .containsExactly("search e2e.test", "nameserver " + gw);
        // and the other direction: the guest reaches its gateway on the test's host side
        assertThat(o.get("ping -c 1 -W 2 " + gw)).contains("1 received");
    }

    /**
     * Runs shell command lines inside the running container in one exec (each exec costs a JVM start and an
     * lxc-attach) and returns each one's output; fails naming the first command that did not exit 0.
     */
    private Map<String, String> inside(String... commands) {
        List<String> cmd = new ArrayList<>(List.of("sh", "-c",
                "for c; do printf '\\036%s\\n' \"$c\"; sh -c \"$c\" || { echo \"failed: $c\" >&2; exit 1; }; done", "sh"));
        cmd.addAll(List.of(commands));
        String out = cli.exec(vmid, cmd.toArray(String[]::new));
        Map<String, String> outputs = new LinkedHashMap<>();
        for (String part : out.split("\u001e")) {
            if (part.isEmpty()) continue;
            int nl = part.indexOf('\n');
            outputs.put(part.substring(0, nl), part.substring(nl + 1));
        }
        assertThat(outputs).containsOnlyKeys(commands);
        return outputs;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
