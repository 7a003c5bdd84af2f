package io.berth.ct.access;

import io.berth.ct.LoopBtrfs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.ct.CtFixture;
import io.berth.storage.HostCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * mount/unmount, push/pull (including symlinks the container plants to make the host write or read its own files),
 * df, fsck and fstrim on an unprivileged container: rootfs a raw ext4 image on btrfs, mp0 a quota subvolume.
 */
@Tag("root")
class AccessCommandsTest {
    @RegisterExtension static final LoopBtrfs.PerClass fs = LoopBtrfs.perClass("1G");

    @TempDir Path tmp;

    @Test
    void maintenanceCommandsOnAStoppedAndARunningContainer() throws IOException {
        int vmid = 6301;
        try (CtFixture f = new CtFixture(tmp.resolve("root"))) {
            fs.storageCfg(f);
            f.create(vmid, Map.of("rootfs", "bt:0.1", "mp0", "bq:0.05,mp=/data", "unprivileged", "1"));
            Maintenance m = new Maintenance(f.svc);
            FileTransfer files = new FileTransfer(f.svc);

            assertThatThrownBy(() -> files.push(vmid, Files.writeString(tmp.resolve("x"), "x"), "/x", OptionalInt.empty(),
                    OptionalInt.empty(), null)).hasMessageContaining("container 6301 is not running");
            var stopped = m.df(vmid);
            assertThat(stopped).extracting(Maintenance.Usage::key).containsExactly("rootfs", "mp0");
            assertThat(stopped.get(0).size()).isBetween(80L << 20, 110L << 20);
            assertThat(stopped.get(1).path()).isEqualTo("/data");
            assertThat(m.fsck(vmid, Optional.empty(), true)).contains("vm-6301-disk-0/disk.raw");
            assertThatThrownBy(() -> m.fsck(vmid, Optional.of("mp0"), false)).hasMessageContaining("format == subvol");
            assertThatThrownBy(() -> m.fsck(vmid, Optional.of("mp9"), false)).hasMessageContaining("has no mp9");
            assertThat(m.fstrim(vmid, false)).hasSize(2).allMatch(l -> l.contains("trimmed"), "trimmed");
            assertThat(f.svc.config(vmid).main().lock()).isEmpty();

            Path dir = m.mount(vmid);
            assertThat(f.svc.config(vmid).main().lock()).contains("mounted");
            assertThat(dir.resolve("bin/busybox")).exists();
            Files.writeString(dir.resolve("data/from-host"), "maintenance");
            assertThatThrownBy(() -> f.svc.start(vmid, false, false)).hasMessageContaining("locked (mounted)");
            m.unmount(vmid);
            assertThat(f.svc.config(vmid).main().lock()).isEmpty();
            assertThat(dir.resolve("bin")).doesNotExist();
            assertThat(fs.mount().resolve("bq/images/6301/subvol-6301-disk-0/from-host")).hasContent("maintenance");
            assertThatThrownBy(() -> m.unmount(vmid)).hasMessageContaining("is not mounted");

            f.svc.start(vmid, false, false);
            Path src = Files.writeString(tmp.resolve("payload"), "pushed\n");
            files.push(vmid, src, "/root/pushed", OptionalInt.of(1000), OptionalInt.of(1000), "0600");
            assertThat(f.exec(vmid, "stat", "-c", "%u %g %a", "/root/pushed").stdout()).isEqualTo("1000 1000 600\n");
            assertThat(f.exec(vmid, "cat", "/root/pushed").stdout()).isEqualTo("pushed\n");
            files.push(vmid, src, "/data/pushed", OptionalInt.empty(), OptionalInt.empty(), null);
            // on disk the owner is the container's root as the host sees it
            assertThat(Files.getAttribute(fs.mount().resolve("bq/images/6301/subvol-6301-disk-0/pushed"), "unix:uid")).isEqualTo(100000);
            files.pull(vmid, "/data/from-host", tmp.resolve("pulled"));
            assertThat(tmp.resolve("pulled")).hasContent("maintenance");

            // the container plants links that would lead a host process following them to the host's own files
            Path hostVictim = Files.writeString(tmp.resolve("victim"), "host secret");
            assertThat(f.exec(vmid, "sh", "-c", "ln -s " + tmp + " /tmp/dirlink && ln -s " + hostVictim + " /tmp/filelink"
                    + " && ln -s " + hostVictim + " /data/filelink").exitCode()).isZero();
            assertThatThrownBy(() -> files.push(vmid, src, "/tmp/dirlink/victim", OptionalInt.empty(), OptionalInt.empty(), null))
                    .hasMessageContaining("symbolic link");
            assertThatThrownBy(() -> files.push(vmid, src, "/tmp/filelink", OptionalInt.empty(), OptionalInt.empty(), null))
                    .hasMessageContaining("symbolic link");
            assertThat(hostVictim).hasContent("host secret");
            assertThatThrownBy(() -> files.pull(vmid, "/data/filelink", tmp.resolve("leak"))).hasMessageContaining("symbolic link");
            assertThatThrownBy(() -> files.pull(vmid, "/tmp/dirlink/victim", tmp.resolve("leak"))).hasMessageContaining("symbolic link");
            assertThatThrownBy(() -> files.pull(vmid, "/../../../../" + hostVictim, tmp.resolve("leak")))
                    .hasMessageContaining("'..'");
            assertThat(tmp.resolve("leak")).doesNotExist();

            var running = m.df(vmid);
            assertThat(running).extracting(Maintenance.Usage::key).containsExactly("rootfs", "mp0");
            assertThat(running.get(1).used()).isPositive();
            assertThat(m.fstrim(vmid, true)).singleElement().asString().startsWith("rootfs (/): ").contains("trimmed");
            assertThatThrownBy(() -> m.fsck(vmid, Optional.empty(), false)).hasMessageContaining("running container 6301");
            assertThatThrownBy(() -> m.mount(vmid)).hasMessageContaining("is running");
            f.svc.stop(vmid, false);
        }
    }
}
