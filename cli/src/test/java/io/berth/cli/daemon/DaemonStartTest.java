package io.berth.cli.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code berth start} through a real berthd, which does the pre-start work itself in a private mount namespace and
 * spawns lxc-start from it with LXC's pre-start hook cleared: the host's mount table never sees a mount, the container
 * sees its rootfs, mount points and devices, hotplug into the monitor's namespace works afterwards, the rendered config
 * still starts by hand through the hook, a failing prepare leaves nothing mounted, and start/stop loops leave no
 * descriptor, thread or mount namespace behind in berthd. Every berth command here must be served by berthd: the
 * cold path has no jar to run.
 */
@Tag("root")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DaemonStartTest {
    static final int PRIV = 3201, UNPRIV = 3202, FAILING = 3203;
    @TempDir static Path tmp;
    static Path root, launcher, template;
    static Map<String, String> env;

    record Result(int exit, String out, String err) {}

    @BeforeAll static void startBerthd() throws Exception {
        TestBerthd b = TestBerthd.in(tmp);
        launcher = b.launcher();
        root = b.root();
        env = b.env();
        run(List.of("daemon", "start"), Map.of());
        template = Path.of(ok("template", "build", "busybox").strip());
    }

    @AfterAll static void cleanUp() throws Exception {
        if (root == null) return;
        for (int id : List.of(PRIV, UNPRIV, FAILING)) {
            run(List.of("stop", Integer.toString(id)), Map.of("BERTH_NO_DAEMON", "1"));
            run(List.of("destroy", Integer.toString(id), "--purge"), Map.of("BERTH_NO_DAEMON", "1"));
        }
        run(List.of("daemon", "stop"), Map.of());
    }

    @Test @Order(1) void aPrivilegedStartMountsNothingOnTheHostAndStillStartsByHandThroughTheHook() throws Exception {
        String id = Integer.toString(PRIV);
        Path share = Files.createDirectories(tmp.resolve("share1"));
        Files.writeString(share.resolve("f"), "from-host");
        ok("create", id, template.toString(), "--rootfs", "local:0", "--mp0", "local:0.1,mp=/data", "--mp1", share + ",mp=/mnt/share", "--quiet");
        // a raw pre-start hook of the config's own still runs when berth start clears ours
        Path marker = tmp.resolve("raw-hook-ran");
        Path conf = root.resolve("etc/lxc/" + id + ".conf");
        Files.writeString(conf, Files.readString(conf) + "lxc.hook.pre-start: /bin/touch " + marker + "\n");
        List<String> before = hostMountsOfTheTest();

        viaBerthd("start", id);
        assertThat(marker).exists();
        assertThat(hostMountsOfTheTest()).as("the host's mount table after berth start").isEqualTo(before);
        assertThat(inside(id, "cat /mnt/share/f; echo; grep -c busybox /etc/os-release; grep ' /data ' /proc/mounts"))
                .contains("from-host").contains("ext4");
        // mounted once, by berthd: LXC ran no pre-start hook, which would have mounted the rootfs a second time
        assertThat(monitorMountsAt(id, "rootfs")).isEqualTo(1);
        assertThat(monitorMountsAt(id, "rootfs/data")).isEqualTo(1);
        String rendered = Files.readString(root.resolve("var/lxc/" + id + "/config"));
        assertThat(rendered).as("the rendered config keeps the hook for lxc-start by hand").contains("lxc.hook.pre-start = ");
        // hotplug enters the monitor's namespace, which holds the rootfs mount berthd made before lxc-start
        Path hot = Files.createDirectories(tmp.resolve("hot1"));
        Files.writeString(hot.resolve("g"), "hot");
        viaBerthd("set", id, "--mp2", hot + ",mp=/mnt/hot");
        assertThat(inside(id, "cat /mnt/hot/g")).isEqualTo("hot");
        assertThat(hostMountsOfTheTest()).isEqualTo(before);
        viaBerthd("stop", id);
        assertThat(hostMountsOfTheTest()).as("after berth stop").isEqualTo(before);

        // the same rendered config started by hand: LXC runs our pre-start hook (through berthd) as before
        Path lxcPath = root.resolve("var/lxc");
        Result byHand = exec(List.of("lxc-start", "-d", "-n", id, "-P", lxcPath.toString()));
        assertThat(byHand.exit()).as(byHand.err()).isZero();
        try {
            Result seen = exec(List.of("lxc-attach", "-n", id, "-P", lxcPath.toString(), "--", "sh", "-c",
                    "cat /mnt/share/f /mnt/hot/g; grep ' /data ' /proc/mounts"));
            assertThat(seen.out()).contains("from-hosthot").contains("ext4");
            assertThat(monitorMountsAt(id, "rootfs")).isEqualTo(1);
            assertThat(hostMountsOfTheTest()).isEqualTo(before);
        } finally {
            exec(List.of("lxc-stop", "-k", "-n", id, "-P", lxcPath.toString()));
        }
        awaitMonitorGone(id);
        assertThat(hostMountsOfTheTest()).isEqualTo(before);
    }

    @Test @Order(2) void anUnprivilegedStartStagesItsMountPointsPassesDevicesThroughAndUnplugsLive() throws Exception {
        String id = Integer.toString(UNPRIV);
        Path share = Files.createDirectories(tmp.resolve("share2"));
        Files.writeString(share.resolve("f"), "unpriv");
        ok("create", id, template.toString(), "--rootfs", "local:0", "--unprivileged", "1", "--mp0", share + ",mp=/mnt/share",
                "--dev0", "/dev/full,mode=0640,uid=1234,gid=5678", "--quiet");
        List<String> before = hostMountsOfTheTest();
        viaBerthd("start", id);
        assertThat(hostMountsOfTheTest()).isEqualTo(before);
        assertThat(inside(id, "cat /mnt/share/f; echo; id -u; stat -c '%F %t:%T %a %u:%g' /dev/full"))
                .isEqualTo("unpriv\n0\ncharacter special file 1:7 640 1234:5678");
        // the staged mount point is not locked in the container's namespace: it unplugs live
        viaBerthd("set", id, "--delete", "mp0");
        assertThat(inside(id, "grep -c ' /mnt/share ' /proc/mounts || true")).isEqualTo("0");
        Path hot = Files.createDirectories(tmp.resolve("hot2"));
        Files.writeString(hot.resolve("g"), "hot2");
        viaBerthd("set", id, "--mp1", hot + ",mp=/mnt/hot");
        assertThat(inside(id, "cat /mnt/hot/g")).isEqualTo("hot2");
        viaBerthd("stop", id);
        assertThat(hostMountsOfTheTest()).isEqualTo(before);
    }

    @Test @Order(3) void aFailingPrepareLeavesNothingMountedAndSaysWhy() throws Exception {
        String id = Integer.toString(FAILING);
        ok("create", id, template.toString(), "--rootfs", "local:0", "--mp0", "local:0.1,mp=/data", "--quiet");
        Path conf = root.resolve("etc/lxc/" + id + ".conf");
        Path missing = tmp.resolve("missing");
        // by hand, as someone might: berth set would refuse the missing directory
        Files.writeString(conf, Files.readString(conf) + "mp1: " + missing + ",mp=/missing\n");
        List<String> before = hostMountsOfTheTest();
        BerthdProcess berthd = BerthdProcess.of(root);
        Result r = run(List.of("start", id), noCold());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("container " + id + " failed to start: it reached state STOPPED\n  hook failed: mount point mp1: host directory "
                + missing + " is not usable");
        assertThat(hostMountsOfTheTest()).isEqualTo(before);
        assertThat(ok("status", id)).contains("stopped");
        berthd.assertEveryThreadInItsOwnMountNamespace();
    }

    /** 20 starts and stops through berthd: no descriptor, thread or mount namespace of a start stays in berthd. */
    @Test @Order(4) void startStopLoopsLeakNothingInBerthd() throws Exception {
        String id = Integer.toString(PRIV);
        List<String> before = hostMountsOfTheTest();
        BerthdProcess berthd = BerthdProcess.of(root);
        for (int i = 0; i < 3; i++) {
            viaBerthd("start", id);
            viaBerthd("stop", id);
        }
        BerthdProcess.Counts warm = berthd.counts();
        for (int i = 0; i < 20; i++) {
            viaBerthd("start", id);
            viaBerthd("stop", id);
        }
        BerthdProcess.Counts after = berthd.counts();
        assertThat(hostMountsOfTheTest()).isEqualTo(before);
        berthd.assertEveryThreadInItsOwnMountNamespace();
        // the JVM may open a jar entry or start a compiler thread meanwhile: a leak per start would be 20 or more
        assertThat(after.fds()).as("berthd's descriptors: %s -> %s", warm, after).isLessThanOrEqualTo(warm.fds() + 2);
        assertThat(after.threads()).as("berthd's threads: %s -> %s", warm, after).isLessThanOrEqualTo(warm.threads() + 3);
    }

    /** berthd's process, found through its pid file. */
    record BerthdProcess(long pid) {
        record Counts(int fds, int threads) {}

        static BerthdProcess of(Path root) throws IOException {
            return new BerthdProcess(Long.parseLong(Files.readString(root.resolve("var/run/berthd.pid")).strip()));
        }

        Counts counts() throws IOException {
            try (var fds = Files.list(Path.of("/proc/" + pid + "/fd")); var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
                return new Counts((int) fds.count(), (int) tasks.count());
            }
        }

        /** A thread left in a start's private namespace would keep its mounts (and the volumes under them) alive. */
        void assertEveryThreadInItsOwnMountNamespace() throws IOException {
            Path own = Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/mnt"));
            Map<String, String> others = new TreeMap<>();
            try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
                for (Path t : tasks.toList()) {
                    try {
                        Path ns = Files.readSymbolicLink(t.resolve("ns/mnt"));
                        if (!ns.equals(own)) others.put(Files.readString(t.resolve("comm")).strip() + " " + t.getFileName(), ns.toString());
                    } catch (IOException e) {
                        // the thread ended meanwhile
                    }
                }
            }
            assertThat(others).as("berthd threads outside its mount namespace " + own).isEmpty();
        }
    }

    /** The host's mounts below this test's temp dir (other tests and sessions mount elsewhere meanwhile). */
    static List<String> hostMountsOfTheTest() throws IOException {
        List<String> out = new ArrayList<>();
        for (String l : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = l.split(" ");
            if (f[4].startsWith(tmp.toString()) || l.contains("berth-passthrough")) out.add(f[4] + " " + f[f.length - 3]);
        }
        return out;
    }

    /** How many mounts the container's monitor has at {@code rel} below the container's LXC dir. */
    static long monitorMountsAt(String id, String rel) throws Exception {
        Result init = exec(List.of("lxc-info", "-p", "-H", "-n", id, "-P", root.resolve("var/lxc").toString()));
        long monitor = ProcessHandle.of(Long.parseLong(init.out().strip())).flatMap(ProcessHandle::parent).orElseThrow().pid();
        String at = root.resolve("var/lxc").resolve(id).resolve(rel).toString();
        return Files.readAllLines(Path.of("/proc/" + monitor + "/mountinfo")).stream().filter(l -> l.split(" ")[4].equals(at)).count();
    }

    static String inside(String id, String script) throws Exception {
        Result r = run(List.of("exec", id, "--", "sh", "-c", script), noCold());
        assertThat(r.exit()).as("exec %s: %s", script, r.err()).isZero();
        return r.out().strip();
    }

    static void viaBerthd(String... args) throws Exception {
        Result r = run(List.of(args), noCold());
        assertThat(r.exit()).as("berth %s: %s%s", String.join(" ", args), r.out(), r.err()).isZero();
    }

    /** The client's cold path cannot run (no jar): a success proves berthd served the command. */
    static Map<String, String> noCold() {
        return Map.of("BERTH_JAR", tmp.resolve("no-such.jar").toString());
    }

    static void awaitMonitorGone(String id) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            Result r = exec(List.of("lxc-info", "-s", "-n", id, "-P", root.resolve("var/lxc").toString()));
            if (r.out().contains("STOPPED") && !monitorAlive(id)) return;
            Thread.sleep(50);
        }
        throw new AssertionError("the monitor of " + id + " did not exit");
    }

    /** The monitor names itself {@code [lxc monitor] LXCPATH ID}; post-stop runs until it exits. */
    static boolean monitorAlive(String id) {
        String needle = "[lxc monitor] " + root.resolve("var/lxc") + " " + id;
        return ProcessHandle.allProcesses().anyMatch(h -> {
            try {
                return new String(Files.readAllBytes(Path.of("/proc/" + h.pid() + "/cmdline")), StandardCharsets.UTF_8).startsWith(needle);
            } catch (IOException e) {
                return false;
            }
        });
    }

    static String ok(String... args) throws Exception {
        Result r = run(List.of(args), Map.of());
        assertThat(r.exit()).as("berth %s: %s", String.join(" ", args), r.err()).isZero();
        return r.out();
    }

    static Result run(List<String> args, Map<String, String> extraEnv) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(launcher.toString(), "--root", root.toString()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("BERTH_NO_DAEMON");
        pb.environment().putAll(env);
        pb.environment().putAll(extraEnv);
        return collect(pb.start(), cmd);
    }

    static Result exec(List<String> cmd) throws Exception {
        return collect(new ProcessBuilder(cmd).start(), cmd);
    }

    private static Result collect(Process p, List<String> cmd) throws Exception {
        p.getOutputStream().close();
        byte[][] e = new byte[1][];
        Thread err = Thread.ofPlatform().start(() -> {
            try {
                e[0] = p.getErrorStream().readAllBytes();
            } catch (IOException x) {
                e[0] = new byte[0];
            }
        });
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), cmd + " did not end");
        err.join(10_000);
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(e[0], StandardCharsets.UTF_8));
    }
}
