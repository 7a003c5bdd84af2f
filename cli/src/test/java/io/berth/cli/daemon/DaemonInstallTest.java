package io.berth.cli.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The systemd unit {@code berth daemon install} writes: valid for systemd, and it leaves containers alone on stop. */
class DaemonInstallTest {
    @TempDir Path tmp;

    @Test void theUnitRunsBerthdInTheForegroundAndSystemdAcceptsIt() throws Exception {
        Path launcher = Path.of(System.getProperty("berth.source.root", "..")).toAbsolutePath().normalize().resolve("bin/berth");
        String unit = DaemonInstall.unitText(launcher, null);
        assertThat(unit).contains("ExecStart=" + launcher + " daemon run\n").contains("KillMode=process")
                .contains("Restart=on-failure").contains("WantedBy=multi-user.target");
        assertThat(DaemonInstall.unitText(launcher, "/srv/b")).contains("ExecStart=" + launcher + " --root /srv/b daemon run\n");
        Path file = Files.writeString(tmp.resolve(DaemonInstall.UNIT), unit);
        Process p = new ProcessBuilder("systemd-analyze", "verify", file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        // systemd-analyze complains about the host's own units when systemd does not run; not about ours
        assertThat(out).doesNotContain(DaemonInstall.UNIT + ":");
    }
}
