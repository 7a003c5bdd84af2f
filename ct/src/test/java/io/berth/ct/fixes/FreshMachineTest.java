package io.berth.ct.fixes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.config.ConfigFile;
import io.berth.config.RawLxc;
import io.berth.ct.CtException;
import io.berth.ct.CtFixture;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 10.6: what a fresh Debian 12 with only scripts/deps.sh lacks is named before lxc-start runs. */
@Tag("root")
class FreshMachineTest {
    @TempDir Path tmp;

    @Test
    void aMissingIncludeIsRefusedNamingThePackageAndADistroContainerStarts() throws Exception {
        int vmid = 4001;
        try (CtFixture f = new CtFixture(tmp)) {
            f.create(vmid, Map.of("rootfs", "local:0"));
            ConfigFile c = f.svc.config(vmid);
            String missing = "/usr/share/lxc/config/berth-test-" + vmid + ".common.conf";
            f.svc.writeConfig(vmid, c.withMain(c.main().withLxcRaw(List.of(new RawLxc("lxc.include", missing)))));
            assertThatThrownBy(() -> f.svc.start(vmid, false, false)).isInstanceOf(CtException.class)
                    .hasMessageContaining(missing).hasMessageContaining("'lxc-templates'");
            assertThat(f.monitorRunning(vmid)).isFalse();

            // a Debian-looking rootfs (subvol dir): ostype debian includes debian.common.conf from lxc-templates (scripts/deps.sh)
            Path rootfs = f.svc.storages().path(f.svc.storages().parseVolumeId(c.main().get("rootfs").orElseThrow().split(",")[0])).path();
            java.nio.file.Files.writeString(rootfs.resolve("etc/debian_version"), "12.8\n");
            java.nio.file.Files.writeString(rootfs.resolve("etc/os-release"), "ID=debian\nVERSION_ID=\"12\"\n");
            assertThat(rootfs.resolve("etc/debian_version")).as(rootfs.toString()).isRegularFile();
            f.svc.writeConfig(vmid, c.withMain(c.main().with("ostype", "debian")));
            f.svc.start(vmid, false, false);
            assertThat(java.nio.file.Files.readString(f.svc.paths(vmid).lxcConfig()))
                    .contains("lxc.include = /usr/share/lxc/config/debian.common.conf");
            assertThat(f.exec(vmid, "true").exitCode()).isZero();
        }
    }
}
