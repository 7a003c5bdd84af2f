package io.berth.ct.lifecycle2;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.ct.CtFixture;
import io.berth.ct.ExecResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code net0} on a bridge the test creates: LXC's veth pair, plugged into the bridge while the container runs. */
@Tag("root")
class NetworkLifecycleTest {
    @TempDir Path tmp;

    @Test
    void vethIsPluggedIntoTheBridgeWhileRunningAndGoneAfterStop() throws Exception {
        String bridge = "brt" + Host.hex(8);
        String hwaddr = "bc:24:11:" + Host.hex(2) + ":" + Host.hex(2) + ":" + Host.hex(2);
        int vmid = Host.vmid();
        String veth = "veth" + vmid + "i0";
        try (Undo undo = new Undo()) {
            Host.run("ip", "link", "add", "name", bridge, "type", "bridge");
            undo.push(() -> Host.run("ip", "link", "del", bridge));
            Host.run("ip", "link", "set", bridge, "up");
            try (CtFixture f = new CtFixture(tmp)) {
                f.create(vmid, Map.of("rootfs", "local:0",
                        "net0", "name=eth0,bridge=" + bridge + ",hwaddr=" + hwaddr.toUpperCase() + ",ip=manual,rate=5"));
                f.svc.start(vmid, false, false);

                Path sys = Path.of("/sys/class/net", veth);
                assertThat(sys).exists();
                assertThat(Files.readSymbolicLink(sys.resolve("master")).getFileName()).hasToString(bridge);
                assertThat(Files.readString(sys.resolve("operstate")).strip()).isIn("up", "unknown", "lowerlayerdown");

                // LXC has no rate limit: start shapes the host end as a hotplug would (tbf at 5 MB/s)
                assertThat(Host.run("tc", "qdisc", "show", "dev", veth)).contains("tbf").contains("rate 41943Kbit");

                ExecResult link = f.exec(vmid, "ip", "link", "show", "eth0");
                assertThat(link.exitCode()).as(link.stderr()).isZero();
                assertThat(link.stdout()).contains("eth0").contains("link/ether " + hwaddr + " ").contains("mtu 1500");
                // the container's end is the veth's peer: its ifindex is the host end's iflink
                String iflink = Files.readString(sys.resolve("iflink")).strip();
                assertThat(f.exec(vmid, "cat", "/sys/class/net/eth0/ifindex").stdout().strip()).isEqualTo(iflink);

                f.svc.stop(vmid, false);
                assertThat(sys).doesNotExist();
                assertThat(Host.run("ip", "-o", "link", "show", "master", bridge)).doesNotContain(veth);
            }
        }
    }
}
