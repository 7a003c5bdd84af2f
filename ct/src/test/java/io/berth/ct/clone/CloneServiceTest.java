package io.berth.ct.clone;

import io.berth.ct.LoopBtrfs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.config.ContainerConfig;
import io.berth.config.NetConfig;
import io.berth.ct.CtFixture;
import io.berth.ct.snapshot.SnapshotService;
import io.berth.ct.Progress;
import io.berth.storage.HostCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Templates and clones on a loop-backed btrfs ({@code bt}: raw in subvolumes, {@code bq}: quota subvols) and dir storage. */
@Tag("root")
class CloneServiceTest {
    @RegisterExtension static final LoopBtrfs.PerClass fs = LoopBtrfs.perClass("1G");

    @TempDir Path tmp;

    private static String prop(Path p) {
        return HostCommand.of("btrfs", "property", "get", "-ts", p.toString(), "ro").run().strip();
    }

    @Test
    void templateThenLinkedAndFullClonesBootWithTheirOwnNameAndMac() throws IOException {
        int tpl = 6201, linked = 6202, full = 6203;
        try (CtFixture f = new CtFixture(tmp.resolve("root"))) {
            fs.storageCfg(f);
            f.create(tpl, Map.of("rootfs", "bt:0.1", "mp0", "bq:0.05,mp=/data", "hostname", "tpl",
                    "net0", "name=eth0,hwaddr=BC:24:11:00:00:01,ip=10.99.0.5/24"));
            f.svc.start(tpl, false, false);
            assertThat(f.exec(tpl, "sh", "-c", "echo from-template > /marker && echo data > /data/f").exitCode()).isZero();
            f.svc.stop(tpl, false);
            CloneService clones = new CloneService(f.svc);

            assertThat(clones.template(tpl)).containsExactly("bt:6201/base-6201-disk-0.raw", "bq:basevol-6201-disk-0");
            Path baseRaw = fs.mount().resolve("bt/images/6201/base-6201-disk-0");
            assertThat(baseRaw.resolve("disk.raw")).isRegularFile();
            assertThat(prop(baseRaw)).isEqualTo("ro=true");
            assertThat(prop(fs.mount().resolve("bq/images/6201/basevol-6201-disk-0"))).isEqualTo("ro=true");
            ContainerConfig t = f.svc.config(tpl).main();
            assertThat(t.template()).isTrue();
            assertThat(t.get("rootfs")).contains("bt:6201/base-6201-disk-0.raw,size=102M");
            assertThat(t.get("mp0")).contains("bq:basevol-6201-disk-0,mp=/data,size=51M");
            assertThatThrownBy(() -> f.svc.start(tpl, false, false)).hasMessageContaining("is a template");
            assertThatThrownBy(() -> clones.template(tpl)).hasMessageContaining("is a template already");
            assertThatThrownBy(() -> new SnapshotService(f.svc).create(tpl, "s1", Optional.empty()))
                    .hasMessageContaining("a template cannot be snapshotted");

            // bad input changes nothing
            String tplConf = f.configText(tpl);
            assertThatThrownBy(() -> clones.clone(new CloneService.CloneRequest(tpl, tpl, Optional.empty(), Optional.empty(),
                    Optional.empty(), Optional.empty(), Optional.empty()), Progress.NONE)).hasMessageContaining("onto itself");
            assertThatThrownBy(() -> clones.clone(new CloneService.CloneRequest(tpl, linked, Optional.of(false), Optional.empty(),
                    Optional.of("local"), Optional.empty(), Optional.empty()), Progress.NONE))
                    .hasMessageContaining("parameter 'storage' not allowed for linked clones");
            assertThat(f.configText(tpl)).isEqualTo(tplConf);
            assertThat(f.svc.vmids()).doesNotContain(linked);

            List<Long> progress = new ArrayList<>();
            CloneService.CloneResult l = clones.clone(new CloneService.CloneRequest(tpl, linked, Optional.empty(), Optional.empty(),
                    Optional.empty(), Optional.of("linked1"), Optional.empty()), Progress.NONE);
            f.adopt(linked);
            assertThat(l.full()).isFalse();
            assertThat(l.volumes()).containsExactly("bt:6202/vm-6202-disk-0.raw", "bq:subvol-6202-disk-0");
            ContainerConfig lc = f.svc.config(linked).main();
            assertThat(lc.template()).isFalse();
            assertThat(lc.lock()).isEmpty();
            assertThat(lc.hostname()).contains("linked1");
            assertThat(lc.get("mp0")).contains("bq:subvol-6202-disk-0,mp=/data,size=51M");
            String mac = NetConfig.parse(lc.get("net0").orElseThrow()).hwaddr().orElseThrow();
            assertThat(mac).startsWith("BC:24:11:").isNotEqualTo("BC:24:11:00:00:01");
            assertThat(NetConfig.parse(lc.get("net0").orElseThrow()).ip()).contains("10.99.0.5/24");
            assertThat(f.configText(tpl)).isEqualTo(tplConf); // the 'disk' lock is gone again

            CloneService.CloneResult c = clones.clone(new CloneService.CloneRequest(tpl, full, Optional.of(true), Optional.empty(),
                    Optional.of("local"), Optional.of("full1"), Optional.of("a full copy")), (done, total) -> {
                        assertThat(done).isBetween(0L, total);
                        progress.add(done * 1000 / total);
                    });
            f.adopt(full);
            assertThat(c.full()).isTrue();
            assertThat(c.volumes()).containsExactly("local:6203/vm-6203-disk-0.raw", "local:6203/vm-6203-disk-1.raw");
            assertThat(progress).isNotEmpty().contains(1000L); // per volume, up to its total
            assertThat(f.svc.config(full).main().description()).contains("a full copy");

            for (int id : List.of(linked, full)) {
                f.svc.start(id, false, false);
                assertThat(f.exec(id, "sh", "-c", "cat /marker /data/f && hostname").stdout())
                        .isEqualTo("from-template\ndata\n" + (id == linked ? "linked1" : "full1") + "\n");
                assertThat(f.exec(id, "sh", "-c", "echo changed > /marker").exitCode()).isZero();
                f.svc.stop(id, false);
            }
            // clones are independent of the template and of each other
            assertThat(HostCommand.of("debugfs", "-R", "cat /marker", baseRaw.resolve("disk.raw").toString()).run())
                    .isEqualTo("from-template\n");
            String linkedConf = f.configText(linked);
            assertThatThrownBy(() -> clones.clone(new CloneService.CloneRequest(tpl, linked, Optional.empty(), Optional.empty(),
                    Optional.empty(), Optional.empty(), Optional.empty()), Progress.NONE))
                    .hasMessageContaining("container 6202 exists already");
            assertThat(f.configText(linked)).isEqualTo(linkedConf);
            assertThat(f.configText(tpl)).isEqualTo(tplConf);
        }
    }

    @Test
    void linkedCloneNeedsATemplateOrASnapshotAndAFullCloneOfARunningContainerASnapshot() throws IOException {
        int src = 6204, fromSnap = 6205;
        try (CtFixture f = new CtFixture(tmp.resolve("root"))) {
            fs.storageCfg(f);
            f.create(src, Map.of("rootfs", "bq:0.05"));
            CloneService clones = new CloneService(f.svc);
            String before = f.configText(src);
            assertThatThrownBy(() -> clones.clone(new CloneService.CloneRequest(src, fromSnap, Optional.of(false), Optional.empty(),
                    Optional.empty(), Optional.empty(), Optional.empty()), Progress.NONE))
                    .hasMessageContaining("linked clone feature for 'bq:subvol-6204-disk-0' is not available");
            assertThat(f.configText(src)).isEqualTo(before);
            assertThat(f.svc.vmids()).doesNotContain(fromSnap);
            assertThat(fs.mount().resolve("bq/images/" + fromSnap)).doesNotExist();

            Files.writeString(fs.mount().resolve("bq/images/6204/subvol-6204-disk-0/f"), "snap");
            new SnapshotService(f.svc).create(src, "s1", Optional.empty());
            Files.writeString(fs.mount().resolve("bq/images/6204/subvol-6204-disk-0/f"), "later");
            f.svc.start(src, false, false);
            assertThatThrownBy(() -> clones.clone(new CloneService.CloneRequest(src, fromSnap, Optional.of(true), Optional.empty(),
                    Optional.empty(), Optional.empty(), Optional.empty()), Progress.NONE))
                    .hasMessageContaining("only possible from a snapshot");
            clones.clone(new CloneService.CloneRequest(src, fromSnap, Optional.of(false), Optional.of("s1"),
                    Optional.empty(), Optional.empty(), Optional.empty()), Progress.NONE);
            f.adopt(fromSnap);
            assertThat(fs.mount().resolve("bq/images/6205/subvol-6205-disk-0/f")).hasContent("snap");
            assertThat(f.svc.config(fromSnap).snapshots()).isEmpty();
            assertThat(f.svc.config(fromSnap).main().parent()).isEmpty();
            f.svc.stop(src, false);
        }
    }

    @Test
    void moveVolumeFromDirToBtrfsAndBackKeepsTheData() throws IOException {
        int vmid = 6206;
        try (CtFixture f = new CtFixture(tmp.resolve("root"))) {
            fs.storageCfg(f);
            f.create(vmid, Map.of("rootfs", "local:0.05", "hostname", "mover"));
            f.svc.start(vmid, false, false);
            assertThat(f.exec(vmid, "sh", "-c", "echo moved-data > /marker").exitCode()).isZero();
            CloneService clones = new CloneService(f.svc);
            String before = f.configText(vmid);
            assertThatThrownBy(() -> clones.moveVolume(vmid, "rootfs", "bq", false, Progress.NONE)).hasMessageContaining("running container 6206");
            f.svc.stop(vmid, false);
            assertThatThrownBy(() -> clones.moveVolume(vmid, "rootfs", "local", false, Progress.NONE)).hasMessageContaining("on storage 'local' already");
            assertThatThrownBy(() -> clones.moveVolume(vmid, "unused0", "bq", false, Progress.NONE)).hasMessageContaining("unused volumes cannot be moved");
            assertThatThrownBy(() -> clones.moveVolume(vmid, "rootfs", "nosuch", false, Progress.NONE)).hasMessageContaining("unknown storage 'nosuch'");
            assertThat(f.configText(vmid)).isEqualTo(before);

            CloneService.MoveResult toBtrfs = clones.moveVolume(vmid, "rootfs", "bq", false, Progress.NONE);
            assertThat(toBtrfs.newVolid()).isEqualTo("bq:subvol-6206-disk-0");
            assertThat(toBtrfs.unusedKey()).contains("unused0");
            ContainerConfig c = f.svc.config(vmid).main();
            assertThat(c.get("rootfs")).contains("bq:subvol-6206-disk-0,size=51M");
            assertThat(c.get("unused0")).contains("local:6206/vm-6206-disk-0.raw");
            assertThat(c.lock()).isEmpty();
            assertThat(fs.mount().resolve("bq/images/6206/subvol-6206-disk-0/marker")).hasContent("moved-data\n");

            CloneService.MoveResult back = clones.moveVolume(vmid, "rootfs", "local", true, Progress.NONE);
            assertThat(back.newVolid()).isEqualTo("local:6206/vm-6206-disk-1.raw");
            assertThat(back.removed()).isTrue();
            assertThat(fs.mount().resolve("bq/images/6206")).doesNotExist();
            f.svc.start(vmid, false, false);
            assertThat(f.exec(vmid, "cat", "/marker").stdout()).isEqualTo("moved-data\n");
            f.svc.stop(vmid, false);
        }
    }

    @Test
    void fullCloneOfARunningContainerFromALiveSnapshotOfARawVolume() throws IOException {
        int src = 6207, copy = 6208;
        try (CtFixture f = new CtFixture(tmp.resolve("root"))) {
            fs.storageCfg(f);
            f.create(src, Map.of("rootfs", "bt:0.1"));
            f.svc.start(src, false, false);
            assertThat(f.exec(src, "sh", "-c", "echo at-snapshot > /f").exitCode()).isZero();
            new SnapshotService(f.svc).create(src, "live", Optional.empty());
            assertThat(f.exec(src, "sh", "-c", "echo later > /f").exitCode()).isZero();
            // the snapshot of the mounted ext4 has an unreplayed journal: the copy mounts it read-only without loading it
            CloneService.CloneResult r = new CloneService(f.svc).clone(new CloneService.CloneRequest(src, copy, Optional.of(true),
                    Optional.of("live"), Optional.of("local"), Optional.empty(), Optional.empty()), Progress.NONE);
            f.adopt(copy);
            assertThat(r.volumes()).containsExactly("local:6208/vm-6208-disk-0.raw");
            f.svc.stop(src, false);
            f.svc.start(copy, false, false);
            assertThat(f.exec(copy, "cat", "/f").stdout()).isEqualTo("at-snapshot\n");
            f.svc.stop(copy, false);
        }
    }
}
