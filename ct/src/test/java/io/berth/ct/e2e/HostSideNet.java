package io.berth.ct.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A bridge for the container plus the "host side" of its network, both made and removed by the test.
 *
 * <p>LXC plugs a container's veth into a bridge of the netns its monitor runs in (the host's), so the bridge lives
 * there; it gets no address. The gateway address sits on a veth end inside a network namespace of our own, so the
 * host's own network stack never has a route into the test subnet and nothing is ever forwarded: the only peers on
 * the bridge are this namespace and the container.
 */
final class HostSideNet implements AutoCloseable {
    final String bridge;
    final String netns;
    final String hostPort;
    /** The first three octets, e.g. {@code 10.213.7}. */
    final String prefix;

    private HostSideNet(String bridge, String netns, String hostPort, String prefix) {
        this.bridge = bridge;
        this.netns = netns;
        this.hostPort = hostPort;
        this.prefix = prefix;
    }

    static HostSideNet create() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        String tag = null;
        for (int i = 0; i < 20 && tag == null; i++) {
            String t = randomTag(r);
            if (!Files.exists(Path.of("/sys/class/net/brt" + t)) && !Files.exists(Path.of("/sys/class/net/vpt" + t))
                    && !Files.exists(Path.of("/run/netns/berth-e2e-" + t))) {
                tag = t;
            }
        }
        if (tag == null) throw new IllegalStateException("no free bridge/netns name after 20 tries");
        HostSideNet net = new HostSideNet("brt" + tag, "berth-e2e-" + tag, "vpt" + tag,
                "10." + r.nextInt(200, 250) + "." + r.nextInt(0, 256));
        try {
            Proc.run("ip", "link", "add", net.bridge, "type", "bridge").check();
            Proc.run("ip", "link", "set", net.bridge, "up").check();
            Proc.run("ip", "netns", "add", net.netns).check();
            Proc.run("ip", "link", "add", net.hostPort, "type", "veth", "peer", "name", "eth0", "netns", net.netns)
                    .check();
            Proc.run("ip", "link", "set", net.hostPort, "master", net.bridge, "up").check();
            Proc.run("ip", "-n", net.netns, "addr", "add", net.gateway() + "/24", "dev", "eth0").check();
            Proc.run("ip", "-n", net.netns, "link", "set", "eth0", "up").check();
            Proc.run("ip", "-n", net.netns, "link", "set", "lo", "up").check();
        } catch (RuntimeException | AssertionError e) {
            try {
                net.close();
            } catch (RuntimeException | AssertionError u) {
                e.addSuppressed(u);
            }
            throw e;
        }
        return net;
    }

    private static String randomTag(ThreadLocalRandom r) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 5; i++) b.append("abcdefghijklmnopqrstuvwxyz0123456789".charAt(r.nextInt(36)));
        return b.toString();
    }

    String gateway() {
        return prefix + ".1";
    }

    String address(int host) {
        return prefix + "." + host;
    }

    /** One echo request from the host side, waiting at most two seconds for the reply. */
    Proc.Result ping(String address) {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", netns));
        // iputils ping when the host has it; busybox-static (a Berth dependency) otherwise
        if (Files.isExecutable(Path.of("/usr/bin/ping")) || Files.isExecutable(Path.of("/bin/ping"))) {
            argv.add("ping");
        } else {
            argv.addAll(List.of("busybox", "ping"));
        }
        argv.addAll(List.of("-c", "1", "-W", "2", address));
        return Proc.run(argv, java.util.Map.of(), java.time.Duration.ofSeconds(10));
    }

    /**
     * Removes the veth pair first (a namespace's devices are destroyed asynchronously after {@code ip netns del}),
     * then the namespace and the bridge; reports what could not be removed.
     */
    @Override public void close() {
        List<String> failed = new ArrayList<>();
        if (Files.exists(Path.of("/sys/class/net", hostPort))) {
            Proc.Result r = Proc.run("ip", "link", "del", hostPort);
            if (!r.ok()) failed.add(r.describe());
        }
        if (Files.exists(Path.of("/run/netns", netns))) {
            Proc.Result r = Proc.run("ip", "netns", "del", netns);
            if (!r.ok()) failed.add(r.describe());
        }
        if (Files.exists(Path.of("/sys/class/net", bridge))) {
            Proc.Result r = Proc.run("ip", "link", "del", bridge);
            if (!r.ok()) failed.add(r.describe());
        }
        if (!failed.isEmpty()) throw new IllegalStateException("test network not fully removed:\n" + failed);
    }
}
