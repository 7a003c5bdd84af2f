package io.berth.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.sys.ProcessRunner;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Debian's python3-proxmoxer, unchanged, drives a container's life against Berth over HTTPS. */
class ProxmoxerTest {
    @TempDir Path tmp;

    @Test void proxmoxerLogsInListsCreatesStartsStopsDeletes() throws Exception {
        ProcessRunner.Result probe = ProcessRunner.of("/usr/bin/python3", "-c", "import proxmoxer").run();
        assertThat(probe.exitCode()).as("python3-proxmoxer must be installed (scripts/deps.sh): " + probe.stderr()).isZero();
        Path script = tmp.resolve("proxmoxer_cycle.py");
        try (InputStream in = ProxmoxerTest.class.getResourceAsStream("proxmoxer_cycle.py")) {
            Files.copy(in, script);
        }
        try (ApiFixture fx = new ApiFixture(tmp.resolve("root"))) {
            fx.addUser("px@pve", "proxmoxer-pw", "Administrator", "/");
            Path archive = fx.ct.buildBusyboxTemplate(Optional.empty()).archive();
            fx.vmids.add(8101);
            ProcessRunner.Result r = ProcessRunner.of("/usr/bin/python3", script.toString(), "127.0.0.1", String.valueOf(fx.server.port()),
                    "px@pve", "proxmoxer-pw", "8101", "local:vztmpl/" + archive.getFileName()).timeout(Duration.ofMinutes(3)).run();
            assertThat(r.exitCode()).as(r.stdout() + r.stderr()).isZero();
            assertThat(r.stdout()).contains("version 8.", "node " + Node.name(), "before []", "after-create [8101]", "hostname proxmoxer",
                    "status running", "status stopped", "after-delete []", "gone ResourceException 404");
        }
    }
}
