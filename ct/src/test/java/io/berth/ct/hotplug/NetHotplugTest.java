package io.berth.ct.hotplug;

import io.berth.sys.Reverter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ThreadLocalRandom;

import io.berth.config.NetConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** netN add/change/remove on a running container, on bridges this test creates. */
@Tag("root")
class NetHotplugTest {
    @TempDir
    static Path tmp;
    static BusyboxContainer ct;
    static int vmid;
    static String br1;
    static String br2;

    @BeforeAll
    static void start() throws Exception {
        vmid = 90000 + ThreadLocalRandom.current().nextInt(9999);
        br1 = "brhp" + vmid + "a";
        br2 = "brhp" + vmid + "b";
        BusyboxContainer.run("ip", "link", "add", br1, "type", "bridge");
        BusyboxContainer.run("ip", "link", "add", br2, "type", "bridge");
        ct = new BusyboxContainer(tmp);
    }

    @AfterAll
    static void stop() {
        try {
            if (ct != null) ct.close();
        } finally {
            for (String b : new String[] {br1, br2, "veth" + vmid + "i1"}) {
                try {
                    BusyboxContainer.run("ip", "link", "del", b);
                } catch (RuntimeException e) {
                    // not there
                }
            }
        }
    }

    private static String master(String veth) throws Exception {
        Path m = Path.of("/sys/class/net", veth, "master");
        return Files.exists(m) ? Files.readSymbolicLink(m).getFileName().toString() : "";
    }

    @Test
    void addChangeRemove() throws Exception {
        String veth = "veth" + vmid + "i1";
        List<String> warnings = new ArrayList<>();
        Nic nic = Nic.of(NetConfig.parse("name=eth1,bridge=" + br1 + ",hwaddr=BC:24:11:00:00:01,ip=10.251.7.2/24,gw=10.251.7.1"));
        Reverter undo = new Reverter();
        NetHotplug.add(vmid, 1, nic, ct.initPid, undo, warnings);
        undo.commit();
        assertThat(master(veth)).isEqualTo(br1);
        String inside = ct.attach("ip", "addr", "show", "eth1");
        assertThat(inside).contains("10.251.7.2/24").containsIgnoringCase("bc:24:11:00:00:01");
        assertThat(ct.attach("ip", "route")).contains("default via 10.251.7.1");

        // address, gateway and bridge change; the interface stays
        Nic changed = Nic.of(NetConfig.parse("name=eth1,bridge=" + br2 + ",hwaddr=BC:24:11:00:00:01,ip=10.251.8.2/24,gw=10.251.8.1,mtu=1400"));
        NetHotplug.change(vmid, 1, nic, changed, ct.initPid, new Reverter(), warnings);
        assertThat(master(veth)).isEqualTo(br2);
        inside = ct.attach("ip", "addr", "show", "eth1");
        assertThat(inside).contains("10.251.8.2/24").doesNotContain("10.251.7.2").contains("mtu 1400");
        assertThat(ct.attach("ip", "route")).contains("default via 10.251.8.1").doesNotContain("10.251.7.1");

        // a failing change (gateway unreachable from no address) is rolled back to the old address/route
        Nic bad = Nic.of(NetConfig.parse("name=eth1,bridge=" + br2 + ",hwaddr=BC:24:11:00:00:01,ip=10.251.9.2/24,gw=10.251.8.1,mtu=1400"));
        Nic badGw = new Nic(bad.name(), bad.bridge(), bad.hwaddr(), bad.mtu(), bad.tag(), bad.rateMBs(), bad.linkDown(),
                bad.ip(), Optional.of("fe80::1"), bad.ip6(), bad.gw6());
        Reverter u2 = new Reverter();
        RuntimeException err = org.junit.jupiter.api.Assertions.assertThrows(HotplugException.class,
                () -> NetHotplug.change(vmid, 1, changed, badGw, ct.initPid, u2, warnings));
        u2.revert(); // a failed undo would throw, naming it
        inside = ct.attach("ip", "addr", "show", "eth1");
        assertThat(inside).contains("10.251.8.2/24").doesNotContain("10.251.9.2");

        // a rename recreates the pair
        Nic renamed = Nic.of(NetConfig.parse("name=eth7,bridge=" + br2 + ",hwaddr=BC:24:11:00:00:02"));
        NetHotplug.change(vmid, 1, changed, renamed, ct.initPid, new Reverter(), warnings);
        assertThat(ct.attach("ip", "link")).contains("eth7").doesNotContain("eth1");

        NetHotplug.remove(vmid, 1, renamed, ct.initPid, new Reverter(), warnings);
        assertThat(Path.of("/sys/class/net", veth)).doesNotExist();
        assertThat(ct.attach("ip", "link")).doesNotContain("eth7");
    }

    /** A bridge of this test, removed (with {@code veth}) by the caller's finally. */
    private static void deleteLinks(String... links) {
        for (String l : links) {
            try {
                BusyboxContainer.run("ip", "link", "del", l);
            } catch (RuntimeException e) {
                // already gone
            }
        }
    }

    @Test
    void rateLimitIsShapedOnTheHostVethAndChangesLive() throws Exception {
        String veth = "veth" + vmid + "i3";
        try {
            Nic nic = Nic.of(NetConfig.parse("name=eth3,bridge=" + br1 + ",rate=10"));
            List<String> warnings = new ArrayList<>();
            NetHotplug.add(vmid, 3, nic, ct.initPid, new Reverter(), warnings);
            String qdisc = BusyboxContainer.run("tc", "qdisc", "show", "dev", veth);
            // 10 MB/s = 83886080 bit/s
            assertThat(qdisc).contains("qdisc tbf").containsPattern("rate 83\\.9Mbit|rate 83886Kbit|rate 83886080bit");
            if (warnings.stream().anyMatch(w -> w.contains("cannot police"))) {
                // kernels without the tc police action (CONFIG_NET_ACT_POLICE) shape the receive side only
                assertThat(qdisc).doesNotContain("qdisc ingress");
            } else {
                assertThat(qdisc).contains("qdisc ingress");
                assertThat(BusyboxContainer.run("tc", "filter", "show", "dev", veth, "parent", "ffff:")).contains("police");
            }

            Nic slower = Nic.of(NetConfig.parse("name=eth3,bridge=" + br2 + ",rate=1"));
            NetHotplug.change(vmid, 3, nic, slower, ct.initPid, new Reverter(), new ArrayList<>());
            assertThat(master(veth)).isEqualTo(br2);
            assertThat(BusyboxContainer.run("tc", "qdisc", "show", "dev", veth)).containsPattern("rate 8388Kbit|rate 8\\.39Mbit|rate 8388608bit");

            Nic unlimited = Nic.of(NetConfig.parse("name=eth3,bridge=" + br2));
            NetHotplug.change(vmid, 3, slower, unlimited, ct.initPid, new Reverter(), new ArrayList<>());
            assertThat(BusyboxContainer.run("tc", "qdisc", "show", "dev", veth)).doesNotContain("tbf").doesNotContain("ingress");
            NetHotplug.remove(vmid, 3, unlimited, ct.initPid, new Reverter(), new ArrayList<>());
            assertThat(Path.of("/sys/class/net", veth)).doesNotExist();
        } finally {
            deleteLinks(veth);
        }
    }

    @Test
    void tagNeedsAVlanAwareBridge() {
        Nic nic = Nic.of(NetConfig.parse("name=eth4,bridge=" + br1 + ",tag=5"));
        assertThatThrownBy(() -> NetHotplug.add(vmid, 4, nic, ct.initPid, new Reverter(), new ArrayList<>()))
                .isInstanceOf(HotplugException.class).hasMessageContaining("net4").hasMessageContaining("VLAN-aware");
        assertThat(Path.of("/sys/class/net", "veth" + vmid + "i4")).doesNotExist();
    }

    @Test
    void vlanTagOnAVlanFilteringBridge() throws Exception {
        String br = "brhp" + vmid + "v";
        String veth = "veth" + vmid + "i5";
        BusyboxContainer.run("ip", "link", "add", br, "type", "bridge");
        try {
            try {
                BusyboxContainer.run("ip", "link", "set", br, "type", "bridge", "vlan_filtering", "1");
            } catch (IllegalStateException e) {
                org.junit.jupiter.api.Assumptions.abort("this kernel has no bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING): " + e.getMessage());
            }
            Nic nic = Nic.of(NetConfig.parse("name=eth5,bridge=" + br + ",tag=5"));
            NetHotplug.add(vmid, 5, nic, ct.initPid, new Reverter(), new ArrayList<>());
            assertThat(master(veth)).isEqualTo(br);
            assertThat(BusyboxContainer.run("bridge", "vlan", "show", "dev", veth))
                    .containsPattern("\\b5 PVID Egress Untagged").doesNotContainPattern("\\b1 PVID");
            Nic changed = Nic.of(NetConfig.parse("name=eth5,bridge=" + br + ",tag=7"));
            NetHotplug.change(vmid, 5, nic, changed, ct.initPid, new Reverter(), new ArrayList<>());
            assertThat(BusyboxContainer.run("bridge", "vlan", "show", "dev", veth))
                    .containsPattern("\\b7 PVID Egress Untagged").doesNotContainPattern("\\b5 PVID");
            NetHotplug.remove(vmid, 5, changed, ct.initPid, new Reverter(), new ArrayList<>());
            assertThat(Path.of("/sys/class/net", veth)).doesNotExist();
        } finally {
            deleteLinks(veth, br);
        }
    }

    @Test
    void refusesMissingBridgeAndLeavesNothing() {
        Nic nic = new Nic("eth2", Optional.of("nobr" + vmid), Optional.empty(), OptionalInt.empty(), OptionalInt.empty(),
                Optional.empty(), false, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
        assertThatThrownBy(() -> NetHotplug.add(vmid, 2, nic, ct.initPid, new Reverter(), new ArrayList<>()))
                .isInstanceOf(HotplugException.class).hasMessageContaining("net2").hasMessageContaining("does not exist");
        assertThat(Path.of("/sys/class/net", "veth" + vmid + "i2")).doesNotExist();
    }
}
