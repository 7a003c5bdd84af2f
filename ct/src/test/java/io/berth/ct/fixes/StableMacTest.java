package io.berth.ct.fixes;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.ct.CtFixture;
import io.berth.storage.HostCommand;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 10.12: a NIC's MAC is generated once (create, hotplug, first start of an old config) and kept across starts. */
@Tag("root")
class StableMacTest {
    @TempDir Path tmp;
    private static final Pattern HW = Pattern.compile("hwaddr=([0-9A-F:]{17})");

    @Test
    void theMacIsStoredAtCreateAndHotplugAndSurvivesRestarts() throws Exception {
        int vmid = 4007;
        String bridge = "brfx" + vmid;
        HostCommand.of("ip", "link", "add", "name", bridge, "type", "bridge").run();
        try (CtFixture f = new CtFixture(tmp)) {
            HostCommand.of("ip", "link", "set", bridge, "up").run();
            f.create(vmid, Map.of("rootfs", "local:0", "net0", "name=eth0,bridge=" + bridge + ",ip=manual"));
            String mac0 = hwaddr(f, vmid, "net0");
            assertThat(mac0).startsWith("BC:24:11:");
            // where Proxmox's print_lxc_network puts it: name first, then the options by name
            assertThat(f.svc.config(vmid).main().get("net0")).hasValue("name=eth0,bridge=" + bridge + ",hwaddr=" + mac0 + ",ip=manual");
            f.svc.start(vmid, false, false);
            assertThat(inside(f, vmid, "eth0")).isEqualTo(mac0);

            f.svc.set(vmid, Map.of("net1", "name=eth1,bridge=" + bridge + ",ip=manual"), List.of(), false);
            String mac1 = hwaddr(f, vmid, "net1");
            assertThat(mac1).isNotEqualTo(mac0);
            assertThat(inside(f, vmid, "eth1")).isEqualTo(mac1);

            f.svc.stop(vmid, false);
            f.svc.start(vmid, false, false);
            assertThat(inside(f, vmid, "eth0")).isEqualTo(mac0);
            assertThat(inside(f, vmid, "eth1")).isEqualTo(mac1);
            assertThat(hwaddr(f, vmid, "net0")).isEqualTo(mac0);
            assertThat(hwaddr(f, vmid, "net1")).isEqualTo(mac1);

            // a config without a MAC (hand-written, older Berth) gets one at its first start and keeps it
            f.svc.stop(vmid, false);
            var c = f.svc.config(vmid);
            f.svc.writeConfig(vmid, c.withMain(c.main().with("net1", "name=eth1,bridge=" + bridge + ",ip=manual")));
            f.svc.start(vmid, false, false);
            String mac2 = hwaddr(f, vmid, "net1");
            assertThat(inside(f, vmid, "eth1")).isEqualTo(mac2);
            f.svc.stop(vmid, false);
            f.svc.start(vmid, false, false);
            assertThat(inside(f, vmid, "eth1")).isEqualTo(mac2);
        } finally {
            HostCommand.of("ip", "link", "del", bridge).runAllowingFailure();
        }
    }

    private static String hwaddr(CtFixture f, int vmid, String key) {
        Matcher m = HW.matcher(f.svc.config(vmid).main().get(key).orElseThrow());
        assertThat(m.find()).as(key + " has hwaddr=").isTrue();
        return m.group(1);
    }

    private static String inside(CtFixture f, int vmid, String dev) {
        var r = f.exec(vmid, "cat", "/sys/class/net/" + dev + "/address");
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        return r.stdout().strip().toUpperCase(Locale.ROOT);
    }
}
