package io.berth.ct.fixes;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.config.BerthRoots;
import io.berth.ct.CtFixture;
import io.berth.storage.HostCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 10.4, as an attack: a non-root user must not list container ids or read configs, as on Proxmox. */
@Tag("root")
class RootOnlyStateTest {
    @TempDir Path tmp;

    @Test
    void aNonRootUserCannotListIdsOrReadConfigsAndUnprivilegedContainersStillStart() throws Exception {
        int vmid = 4004;
        // like /etc and /var/lib: world-searchable parents
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (CtFixture f = new CtFixture(tmp.resolve("root"))) {
            Files.setPosixFilePermissions(f.root, PosixFilePermissions.fromString("rwxr-xr-x"));
            BerthRoots roots = f.svc.roots();
            f.create(vmid, Map.of("rootfs", "local:0.1", "unprivileged", "1", "hostname", "secret-name"));
            f.svc.start(vmid, false, false);
            assertThat(f.exec(vmid, "true").exitCode()).isZero();

            Path conf = roots.containerConfig(vmid);
            Path lxcConf = f.svc.paths(vmid).lxcConfig();
            for (List<String> attempt : List.of(List.of("cat", conf.toString()), List.of("ls", roots.containerConfigDir().toString()),
                    List.of("ls", roots.configDir().toString()), List.of("ls", roots.stateDir().toString()),
                    List.of("ls", roots.lxcPath().toString()), List.of("ls", roots.lockDir().toString()),
                    List.of("cat", lxcConf.toString()), List.of("ls", lxcConf.getParent().toString()))) {
                var r = asNobody(attempt);
                assertThat(r.exitCode()).as("%s as nobody: %s", attempt, r.stdout()).isNotZero();
                assertThat(r.stdout()).as(attempt.toString()).doesNotContain(Integer.toString(vmid)).doesNotContain("secret-name");
                assertThat(r.stderr()).as(attempt.toString()).contains("Permission denied");
            }
            assertThat(Files.getPosixFilePermissions(conf)).isEqualTo(PosixFilePermissions.fromString("rw-------"));

            // a config dir an older Berth left world-readable is closed at the next write
            Files.setPosixFilePermissions(roots.containerConfigDir(), PosixFilePermissions.fromString("rwxr-xr-x"));
            f.svc.set(vmid, Map.of("description", "x"), List.of(), false);
            assertThat(asNobody(List.of("ls", roots.containerConfigDir().toString())).exitCode()).isNotZero();
        }
    }

    private static HostCommand.Result asNobody(List<String> argv) {
        List<String> cmd = new java.util.ArrayList<>(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"));
        cmd.addAll(argv);
        return HostCommand.of(cmd.toArray(String[]::new)).runAllowingFailure();
    }
}
