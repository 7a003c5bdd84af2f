package io.berth.ct.fixes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.config.ConfigFile;
import io.berth.ct.CtException;
import io.berth.ct.CtFixture;
import io.berth.ct.hotplug.LiveResult;
import io.berth.storage.HostCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attacks from issue 10.1 and 10.5: the host's own root, system dirs and Berth's dirs as a rootfs or mount point source
 * (by name, through a symlink, through a bind-mount alias, and in a hand-edited config), and symlinks in a bind source.
 */
@Tag("root")
class HostPathAttackTest {
    @TempDir Path tmp;

    @Test
    void hostRootSystemDirsAndBerthsOwnDirsAreRefusedAtSetCreateAndStart() throws Exception {
        int vmid = 4002;
        Path alias = Files.createDirectories(tmp.resolve("alias-of-root"));
        try (CtFixture f = new CtFixture(tmp.resolve("root"))) {
            f.create(vmid, Map.of("rootfs", "local:0"));
            String before = Files.readString(f.svc.roots().containerConfig(vmid));
            Path rootLink = Files.createSymbolicLink(tmp.resolve("to-root"), Path.of("/"));
            HostCommand.of("mount", "--bind", "/", alias.toString()).run();
            try {
                for (String source : List.of("/", "/etc", "/usr", "/var/lib", rootLink.toString(), alias.toString(),
                        tmp.toString(), f.root.toString(), f.svc.roots().configDir().toString(),
                        f.svc.roots().containerConfigDir().toString(), f.svc.roots().runDir().toString())) {
                    assertThatThrownBy(() -> f.svc.set(vmid, Map.of("rootfs", source + ",size=1G"), List.of(), false))
                            .as(source).isInstanceOf(io.berth.error.InvalidInputException.class).hasMessageContaining("rootfs: host path '" + source + "'")
                            .hasMessageContaining("is not allowed");
                    assertThatThrownBy(() -> f.svc.set(vmid, Map.of("mp0", source + ",mp=/host"), List.of(), false))
                            .as(source).isInstanceOf(io.berth.error.InvalidInputException.class).hasMessageContaining("mp0: host path '" + source + "'");
                }
                assertThat(Files.readString(f.svc.roots().containerConfig(vmid))).isEqualTo(before);
                assertThatThrownBy(() -> f.create(vmid + 1, Map.of("rootfs", "/"))).hasMessageContaining("host's root directory");
                assertThat(f.svc.vmids()).doesNotContain(vmid + 1);

                // a hand-edited config gets no further than start, and lxc-start never runs
                ConfigFile c = f.svc.config(vmid);
                for (String source : List.of("/", alias.toString())) {
                    f.svc.writeConfig(vmid, c.withMain(c.main().with("rootfs", source + ",size=1G")));
                    assertThatThrownBy(() -> f.svc.start(vmid, false, false)).hasMessageContaining("is not allowed");
                    assertThat(f.monitorRunning(vmid)).isFalse();
                    assertThat(f.svc.paths(vmid).lxcConfig()).doesNotExist();
                }
                f.svc.writeConfig(vmid, c);
            } finally {
                HostCommand.of("umount", "-l", alias.toString()).runAllowingFailure();
            }
            // an ordinary host directory is still fine
            Path data = Files.createDirectories(tmp.resolve("data"));
            f.svc.set(vmid, Map.of("mp0", data + ",mp=/data"), List.of(), false);
            f.svc.start(vmid, false, false);
            assertThat(f.exec(vmid, "sh", "-c", "echo hi > /data/x").exitCode()).isZero();
            assertThat(data.resolve("x")).hasContent("hi");
        }
    }

    @Test
    void aSymlinkAnywhereInABindSourceIsRefusedLiveAndAtStart() throws Exception {
        int vmid = 4003;
        Path real = Files.createDirectories(tmp.resolve("real/sub"));
        Files.writeString(real.resolve("secret"), "host");
        Path linkParent = Files.createSymbolicLink(tmp.resolve("linkdir"), tmp.resolve("real"));
        Path linkLeaf = Files.createSymbolicLink(tmp.resolve("leaf"), real);
        try (CtFixture f = new CtFixture(tmp.resolve("root"))) {
            f.create(vmid, Map.of("rootfs", "local:0"));
            f.svc.start(vmid, false, false);
            for (Path source : List.of(linkLeaf, linkParent.resolve("sub"))) {
                Optional<LiveResult> r = f.svc.set(vmid, Map.of("mp0", source + ",mp=/data"), List.of(), false);
                assertThat(r).isPresent();
                assertThat(String.join("\n", r.get().describe())).as(source.toString()).contains("symlink");
                assertThat(f.exec(vmid, "cat", "/data/secret").exitCode()).as("not mounted through " + source).isNotZero();
                f.svc.set(vmid, Map.of(), List.of("mp0"), false);
            }
            f.svc.stop(vmid, false);
            ConfigFile c = f.svc.config(vmid);
            f.svc.writeConfig(vmid, c.withMain(c.main().with("mp0", linkLeaf + ",mp=/data")));
            assertThatThrownBy(() -> f.svc.start(vmid, false, false)).hasMessageContaining("symlink");
            assertThat(f.monitorRunning(vmid)).isFalse();
            assertThat(f.mountsUnderRoot()).isEmpty();
            // the real path works
            f.svc.writeConfig(vmid, c.withMain(c.main().with("mp0", real + ",mp=/data")));
            f.svc.start(vmid, false, false);
            assertThat(f.exec(vmid, "cat", "/data/secret").stdout()).isEqualTo("host");
        }
    }
}
