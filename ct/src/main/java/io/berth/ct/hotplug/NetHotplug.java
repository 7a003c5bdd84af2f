package io.berth.ct.hotplug;

import io.berth.sys.Reverter;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * netN add/change/remove on a running container (seed 000/001 {@code update_net}, {@code hotplug_net},
 * {@code update_ipconfig}): a veth pair whose host end is {@code veth<vmid>i<N>}, plugged into the
 * bridge, the other end moved into the container's network namespace and renamed there. Uses
 * {@code ip}, {@code bridge}, {@code tc} and {@code nsenter --net}; every step registers its undo.
 */
public final class NetHotplug {
    private NetHotplug() {}

    public static String hostVeth(int vmid, int index) {
        String v = "veth" + vmid + "i" + index;
        if (v.length() > 15) throw new HotplugException("net" + index + ": interface name '" + v + "' is longer than 15 characters");
        return v;
    }

    /**
     * LXC has no rate limit of its own: after a start, shape each netN that has {@code rate=} as a hotplug does.
     * A failure is a warning; the container runs, only without its limit.
     */
    public static void applyRates(int vmid, java.util.SortedMap<Integer, io.berth.config.NetConfig> nets, List<String> warnings) {
        nets.forEach((idx, net) -> {
            Nic nic = Nic.of(net);
            if (nic.rateMBs().isEmpty()) return;
            try {
                rate("net" + idx, hostVeth(vmid, idx), nic.rateMBs(), warnings);
            } catch (RuntimeException e) {
                warnings.add("net" + idx + ": rate limit not applied: " + e.getMessage());
            }
        });
    }

    /** Creates the pair, plugs it, moves the peer into the container and configures its addresses. */
    public static void add(int vmid, int index, Nic nic, long initPid, Reverter undo, List<String> warnings) {
        String key = "net" + index;
        String veth = hostVeth(vmid, index);
        // the peer only lives under this name until it is renamed inside the container
        String peer = "bp" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffffL);
        nic.bridge().ifPresent(br -> checkBridge(key, br, nic));
        List<String> create = new ArrayList<>(List.of("ip", "link", "add", "name", veth, "type", "veth", "peer", "name", peer));
        nic.hwaddr().ifPresent(mac -> create.addAll(List.of("address", mac)));
        Commands.run(create);
        undo.push("delete " + veth, () -> Commands.run("ip", "link", "del", "dev", veth));
        int mtu = nic.mtu().orElse(nic.bridge().map(NetHotplug::bridgeMtu).orElse(1500));
        Commands.run("ip", "link", "set", "dev", veth, "mtu", Integer.toString(mtu));
        Commands.run("ip", "link", "set", "dev", peer, "mtu", Integer.toString(mtu));
        plug(key, veth, nic, undo);
        if (nic.rateMBs().isPresent()) rate(key, veth, nic.rateMBs(), warnings);
        Commands.run("ip", "link", "set", "dev", peer, "netns", Long.toString(initPid));
        Commands.inNetns(initPid, "ip", "link", "set", "dev", peer, "name", nic.name());
        Commands.inNetns(initPid, "ip", "link", "set", "dev", nic.name(), "up");
        updateIp(key, nic.name(), Optional.empty(), Optional.empty(), nic.ip(), nic.gw(), 4, initPid, undo, warnings);
        updateIp(key, nic.name(), Optional.empty(), Optional.empty(), nic.ip6(), nic.gw6(), 6, initPid, undo, warnings);
    }

    /** Deletes the pair (the container end goes with the host end); undo recreates the old interface. */
    public static void remove(int vmid, int index, Nic old, long initPid, Reverter undo, List<String> warnings) {
        String veth = hostVeth(vmid, index);
        if (Files.exists(Path.of("/sys/class/net", veth))) {
            Commands.run("ip", "link", "del", "dev", veth);
        } else {
            warnings.add("net" + index + ": " + veth + " did not exist any more");
        }
        undo.push("recreate net" + index, () -> add(vmid, index, old, initPid, new Reverter(), new ArrayList<>()));
    }

    public static void change(int vmid, int index, Nic old, Nic nic, long initPid, Reverter undo, List<String> warnings) {
        String key = "net" + index;
        String veth = hostVeth(vmid, index);
        if (old.needsRecreate(nic)) {
            remove(vmid, index, old, initPid, undo, warnings);
            add(vmid, index, nic, initPid, undo, warnings);
            return;
        }
        if (!old.mtu().equals(nic.mtu())) {
            int mtu = nic.mtu().orElse(nic.bridge().map(NetHotplug::bridgeMtu).orElse(1500));
            int oldMtu = readInt(Path.of("/sys/class/net", veth, "mtu"));
            nic.bridge().ifPresent(br -> checkBridge(key, br, nic));
            Commands.inNetns(initPid, "ip", "link", "set", "dev", nic.name(), "mtu", Integer.toString(mtu));
            undo.push("restore mtu of " + nic.name(), () -> Commands.inNetns(initPid, "ip", "link", "set", "dev", nic.name(), "mtu", Integer.toString(oldMtu)));
            Commands.run("ip", "link", "set", "dev", veth, "mtu", Integer.toString(mtu));
            undo.push("restore mtu of " + veth, () -> Commands.run("ip", "link", "set", "dev", veth, "mtu", Integer.toString(oldMtu)));
        }
        if (old.needsReplug(nic)) {
            unplug(veth);
            undo.push("replug " + veth, () -> plug(key, veth, old, new Reverter()));
            nic.bridge().ifPresent(br -> checkBridge(key, br, nic));
            plug(key, veth, nic, undo);
        }
        if (!old.rateMBs().equals(nic.rateMBs())) {
            rate(key, veth, nic.rateMBs(), warnings);
            undo.push("restore rate of " + veth, () -> rate(key, veth, old.rateMBs(), new ArrayList<>()));
        }
        updateIp(key, nic.name(), old.ip(), old.gw(), nic.ip(), nic.gw(), 4, initPid, undo, warnings);
        updateIp(key, nic.name(), old.ip6(), old.gw6(), nic.ip6(), nic.gw6(), 6, initPid, undo, warnings);
    }

    private static void plug(String key, String veth, Nic nic, Reverter undo) {
        if (nic.bridge().isPresent()) {
            String br = nic.bridge().get();
            Commands.run("ip", "link", "set", "dev", veth, "master", br);
            undo.push("unplug " + veth, () -> unplug(veth));
            if (nic.tag().isPresent()) {
                String tag = Integer.toString(nic.tag().getAsInt());
                Commands.run("bridge", "vlan", "del", "dev", veth, "vid", "1");
                Commands.run("bridge", "vlan", "add", "dev", veth, "vid", tag, "pvid", "untagged");
            }
        }
        Commands.run("ip", "link", "set", "dev", veth, nic.linkDown() ? "down" : "up");
    }

    private static void unplug(String veth) {
        Commands.run("ip", "link", "set", "dev", veth, "nomaster");
        Commands.run("ip", "link", "set", "dev", veth, "down");
    }

    /**
     * Proxmox's tap_rate_limit: shape what the container receives (tbf on the host end) and police what it sends
     * (ingress of the host end). The policer matches with u32, which more kernels build than Proxmox's
     * {@code basic}; a kernel without the police action gets the shaping only, with a warning.
     */
    private static void rate(String key, String veth, Optional<Double> mbs, List<String> warnings) {
        runQuiet("tc", "qdisc", "del", "dev", veth, "ingress");
        runQuiet("tc", "qdisc", "del", "dev", veth, "root");
        if (mbs.isEmpty() || mbs.get() <= 0) return;
        long bps = (long) (mbs.get() * 1024 * 1024);
        long burst = 1024 * 1024;
        Commands.run("tc", "qdisc", "add", "dev", veth, "root", "tbf", "rate", bps + "bps", "burst", burst + "b",
                "latency", "25ms");
        Commands.run("tc", "qdisc", "add", "dev", veth, "handle", "ffff:", "ingress");
        try {
            Commands.run("tc", "filter", "add", "dev", veth, "parent", "ffff:", "prio", "50", "u32", "match", "u32", "0", "0",
                    "police", "rate", bps + "bps", "burst", burst + "b", "mtu", "64kb", "drop");
        } catch (HotplugException e) {
            runQuiet("tc", "qdisc", "del", "dev", veth, "ingress");
            warnings.add(key + ": rate limits only what the container receives: this kernel cannot police what it sends ("
                    + e.getMessage() + ")");
        }
    }

    /**
     * The seed's update_ipconfig: add the new address (fail: stop), replace the default route (fail: drop
     * the new address, stop), then delete the old address ignoring errors, keeping secondaries.
     */
    static void updateIp(String key, String dev, Optional<String> oldIp, Optional<String> oldGw, Optional<String> newIp,
                         Optional<String> newGw, int family, long pid, Reverter undo, List<String> warnings) {
        String fam = "-" + family;
        boolean changeIp = !oldIp.equals(newIp);
        boolean changeGw = !oldGw.equals(newGw);
        if (!changeIp && !changeGw) return;
        Optional<String> realNew = Nic.realIp(newIp);
        if (changeIp && realNew.isPresent()) {
            Commands.inNetns(pid, "ip", fam, "addr", "add", realNew.get(), "dev", dev);
            undo.push("remove address " + realNew.get(), () -> Commands.inNetns(pid, "ip", fam, "addr", "del", realNew.get(), "dev", dev));
        }
        if (changeGw) {
            if (newGw.isPresent()) {
                String gw = newGw.get();
                if (realNew.isPresent() && !inCidr(gw, realNew.get())) {
                    Commands.inNetns(pid, "ip", fam, "route", "add", gw, "dev", dev);
                    undo.push("remove route to " + gw, () -> Commands.inNetns(pid, "ip", fam, "route", "del", gw, "dev", dev));
                }
                Commands.inNetns(pid, "ip", fam, "route", "replace", "default", "via", gw, "dev", dev);
                undo.push("restore default route", () -> {
                    if (oldGw.isPresent()) Commands.inNetns(pid, "ip", fam, "route", "replace", "default", "via", oldGw.get());
                    else Commands.inNetns(pid, "ip", fam, "route", "del", "default");
                });
            } else {
                try {
                    Commands.inNetns(pid, "ip", fam, "route", "del", "default", "dev", dev);
                } catch (HotplugException e) {
                    warnings.add(key + ": the default route was already gone: " + e.getMessage());
                }
            }
        }
        Optional<String> realOld = Nic.realIp(oldIp);
        if (changeIp && realOld.isPresent()) {
            // deleting the primary address would also delete the new (secondary) one without this
            if (family == 4) runQuiet("nsenter", "--net=/proc/" + pid + "/ns/net", "--", "sysctl", "-q", "-w",
                    "net.ipv4.conf." + dev + ".promote_secondaries=1");
            try {
                Commands.inNetns(pid, "ip", fam, "addr", "del", realOld.get(), "dev", dev);
            } catch (HotplugException e) {
                warnings.add(key + ": could not remove the old address " + realOld.get() + ": " + e.getMessage());
            }
        }
    }

    /** Whether an IPv4/IPv6 address lies in the network of {@code cidr}. */
    static boolean inCidr(String addr, String cidr) {
        try {
            int slash = cidr.indexOf('/');
            byte[] a = java.net.InetAddress.ofLiteral(addr).getAddress();
            byte[] n = java.net.InetAddress.ofLiteral(cidr.substring(0, slash)).getAddress();
            int bits = Integer.parseInt(cidr.substring(slash + 1));
            if (a.length != n.length) return false;
            for (int i = 0; i < a.length * 8 && i < bits; i++) {
                int m = 0x80 >> (i % 8);
                if ((a[i / 8] & m) != (n[i / 8] & m)) return false;
            }
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static void checkBridge(String key, String bridge, Nic nic) {
        Path dir = Path.of("/sys/class/net", bridge, "bridge");
        if (!Files.isDirectory(dir)) throw new HotplugException(key + ": bridge '" + bridge + "' does not exist");
        int brMtu = bridgeMtu(bridge);
        if (nic.mtu().isPresent() && nic.mtu().getAsInt() > brMtu) {
            throw new HotplugException(key + ": MTU " + nic.mtu().getAsInt() + " is bigger than bridge " + bridge + "'s MTU " + brMtu);
        }
        if (nic.tag().isPresent()) {
            Path vf = dir.resolve("vlan_filtering");
            if (!Files.exists(vf)) {
                throw new HotplugException(key + ": tag=" + nic.tag().getAsInt() + " needs a VLAN-aware bridge, and this kernel "
                        + "has no bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING)");
            }
            if (readInt(vf) != 1) {
                throw new HotplugException(key + ": tag=" + nic.tag().getAsInt() + " needs a VLAN-aware bridge, and "
                        + bridge + " has vlan_filtering=0");
            }
        }
    }

    static int bridgeMtu(String bridge) {
        return readInt(Path.of("/sys/class/net", bridge, "mtu"));
    }

    private static int readInt(Path p) {
        try {
            return Integer.parseInt(Files.readString(p).strip());
        } catch (java.io.IOException | NumberFormatException e) {
            throw new HotplugException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }

    private static void runQuiet(String... cmd) {
        try {
            Commands.run(cmd);
        } catch (HotplugException e) {
            // absent qdiscs and the like: nothing to remove
        }
    }
}
