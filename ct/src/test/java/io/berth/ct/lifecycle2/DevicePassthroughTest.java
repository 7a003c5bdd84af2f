package io.berth.ct.lifecycle2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.berth.ct.CtFixture;
import io.berth.ct.ExecResult;
import io.berth.lxc.host.DeviceNumber;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code devN} passthrough: the node appears in the container's /dev with the host device's numbers and the
 * configured mode and owner (container ids), and the device cgroup lets the container use it, read-only with
 * {@code deny-write=1}. /dev/btrfs-control (misc 10:234, present wherever btrfs is) is not in LXC's default device
 * allow list and opening it needs no capability, so opening it at all proves Berth's allow rule.
 */
@Tag("root")
class DevicePassthroughTest {
    @TempDir Path tmp;

    @ParameterizedTest(name = "unprivileged {0}")
    @ValueSource(ints = {0, 1})
    void passedThroughDevicesHaveTheirNumbersModeOwnerAndAccess(int unprivileged) throws Exception {
        Path control = Path.of("/dev/btrfs-control");
        assumeTrue(Files.exists(control), "this host has no /dev/btrfs-control (btrfs not available)");
        DeviceNumber n = DeviceNumber.probe(control);
        int vmid = Host.vmid();
        try (CtFixture f = new CtFixture(tmp)) {
            f.create(vmid, Map.of("rootfs", "local:0", "unprivileged", Integer.toString(unprivileged),
                    "dev0", "/dev/full,mode=0640,uid=1234,gid=5678", "dev1", control + ",deny-write=1"));
            f.svc.start(vmid, false, false);
            assertThat(f.mountsUnderRoot()).as("the passthrough tmpfs stays in the monitor's namespace").isEmpty();

            assertThat(f.exec(vmid, "stat", "-c", "%F %t:%T %a %u:%g", "/dev/full", control.toString()).stdout())
                    .isEqualTo("character special file 1:7 640 1234:5678\n"
                            + "character special file " + Integer.toHexString(n.major()) + ":" + Integer.toHexString(n.minor())
                            + " 660 0:0\n");
            ExecResult full = f.exec(vmid, "sh", "-c", "echo x > /dev/full");
            assertThat(full.exitCode()).isNotZero();
            assertThat(full.stderr()).contains("No space left on device");

            ExecResult read = f.exec(vmid, "sh", "-c", "exec 3<" + control);
            assertThat(read.exitCode()).as("read access allowed: " + read.stderr()).isZero();
            // deny-write holds in unprivileged containers too: LXC's userns.conf allows every device there, so the
            // renderer adds an explicit deny rule for write
            ExecResult write = f.exec(vmid, "sh", "-c", "exec 3>" + control);
            assertThat(write.exitCode()).as("deny-write=1").isNotZero();
            assertThat(write.stderr()).contains("Operation not permitted");

            f.svc.stop(vmid, false);
            assertThat(f.monitorRunning(vmid)).isFalse();
        }
    }
}
