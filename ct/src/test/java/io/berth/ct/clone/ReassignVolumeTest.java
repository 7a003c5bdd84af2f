package io.berth.ct.clone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.config.ContainerConfig;
import io.berth.ct.CtFixture;
import io.berth.ct.LoopBtrfs;
import io.berth.error.DigestMismatchException;
import io.berth.error.ExistsException;
import io.berth.error.InvalidInputException;
import io.berth.error.NotFoundException;
import io.berth.error.StateException;
import io.berth.storage.HostCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code move-volume --target-vmid}: mpN and unusedN volumes on a loop btrfs ({@code bq}: quota subvols, {@code bt}:
 * raw in subvolumes) and dir storage ({@code local}) change owner by a rename; refusals change nothing; a failed
 * config write is undone (volume name and both configs as before).
 */
@Tag("root")
class ReassignVolumeTest {
    @RegisterExtension static final LoopBtrfs.PerClass fs = LoopBtrfs.perClass("1G");

    @TempDir Path tmp;

    @Test
    void volumesMoveBetweenContainersWithTheirDataAndRefusalsChangeNothing() throws IOException {
        int a = 8501, b = 8502;
        try (CtFixture f = new CtFixture(tmp.resolve("root"))) {
            fs.storageCfg(f);
            f.create(a, Map.of("rootfs", "local:0.05", "mp0", "bq:0.05,mp=/data", "mp1", "local:0.02,mp=/d2",
                    "mp2", "bt:0.02,mp=/d3,backup=0", "mp3", Files.createDirectories(tmp.resolve("bind")) + ",mp=/bind", "mp4", "local:0,mp=/d4"));
            f.create(b, Map.of("rootfs", "local:0.05", "mp0", "local:0.02,mp=/other"));
            f.svc.start(a, false, false);
            assertThat(f.exec(a, "sh", "-c", "echo quota-subvol > /data/f && echo dir-raw > /d2/f && echo btrfs-raw > /d3/f")
                    .exitCode()).isZero();
            CloneService clones = new CloneService(f.svc);
            String beforeA = f.configText(a), beforeB = f.configText(b);
            assertThatThrownBy(() -> clones.reassignVolume(a, "mp0", b, Optional.of("mp1"), Optional.empty(), Optional.empty()))
                    .isInstanceOf(StateException.class).hasMessageContaining("while container 8501 is running");
            f.svc.stop(a, false);

            assertThatThrownBy(() -> clones.reassignVolume(a, "mp0", a, Optional.of("mp5"), Optional.empty(), Optional.empty()))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("source and target container are the same");
            assertThatThrownBy(() -> clones.reassignVolume(a, "rootfs", b, Optional.of("mp1"), Optional.empty(), Optional.empty()))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("not rootfs");
            assertThatThrownBy(() -> clones.reassignVolume(a, "mp0", b, Optional.of("rootfs"), Optional.empty(), Optional.empty()))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("target-volume");
            assertThatThrownBy(() -> clones.reassignVolume(a, "mp0", b, Optional.empty(), Optional.empty(), Optional.empty()))
                    .isInstanceOf(ExistsException.class).hasMessageContaining("'mp0' is already in use in container 8502");
            assertThatThrownBy(() -> clones.reassignVolume(a, "mp7", b, Optional.of("mp1"), Optional.empty(), Optional.empty()))
                    .isInstanceOf(NotFoundException.class).hasMessageContaining("volume 'mp7' of container 8501 does not exist");
            assertThatThrownBy(() -> clones.reassignVolume(a, "unused0", b, Optional.of("mp1"), Optional.empty(), Optional.empty()))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("unused volume");
            assertThatThrownBy(() -> clones.reassignVolume(a, "mp3", b, Optional.of("mp1"), Optional.empty(), Optional.empty()))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("bind and device mount points");
            assertThatThrownBy(() -> clones.reassignVolume(a, "mp0", 8599, Optional.of("mp1"), Optional.empty(), Optional.empty()))
                    .isInstanceOf(NotFoundException.class);
            assertThatThrownBy(() -> clones.reassignVolume(a, "mp0", b, Optional.of("mp1"), Optional.empty(), Optional.of("0".repeat(40))))
                    .isInstanceOf(DigestMismatchException.class).hasMessageContaining("container 8502");
            assertThat(f.configText(a)).isEqualTo(beforeA);
            assertThat(f.configText(b)).isEqualTo(beforeB);

            // a failed write of the target's config: the volume gets its old name back, both configs are as before
            Path bConf = f.svc.roots().containerConfig(b);
            HostCommand.of("chattr", "+i", bConf.toString()).run();
            try {
                assertThatThrownBy(() -> clones.reassignVolume(a, "mp1", b, Optional.of("mp1"), Optional.empty(), Optional.empty()));
            } finally {
                HostCommand.of("chattr", "-i", bConf.toString()).run();
            }
            assertThat(f.configText(a)).isEqualTo(beforeA);
            assertThat(f.configText(b)).isEqualTo(beforeB);
            Path localImages = f.svc.roots().defaultStorageDir().resolve("images");
            assertThat(localImages.resolve("8501/vm-8501-disk-1.raw")).isRegularFile();
            assertThat(localImages.resolve("8502/vm-8502-disk-2.raw")).doesNotExist();

            // the quota subvol goes to mp1 of b with its options; no unusedN is left in a
            String digestA = sha1(f.svc.roots().containerConfig(a)), digestB = sha1(bConf);
            CloneService.ReassignResult r = clones.reassignVolume(a, "mp0", b, Optional.of("mp1"), Optional.of(digestA), Optional.of(digestB));
            assertThat(r.oldVolid()).isEqualTo("bq:subvol-8501-disk-0");
            assertThat(r.newVolid()).isEqualTo("bq:subvol-8502-disk-0");
            ContainerConfig ca = f.svc.config(a).main(), cb = f.svc.config(b).main();
            assertThat(ca.get("mp0")).isEmpty();
            assertThat(ca.values().keySet()).noneMatch(k -> k.startsWith("unused"));
            assertThat(cb.get("mp1")).contains("bq:subvol-8502-disk-0,mp=/data,size=51M");
            assertThat(fs.mount().resolve("bq/images/8501")).doesNotExist();
            assertThat(fs.mount().resolve("bq/images/8502/subvol-8502-disk-0/f")).hasContent("quota-subvol\n");

            // the dir raw image becomes b's unused0 (next free disk of 8502 on local: 2)
            r = clones.reassignVolume(a, "mp1", b, Optional.of("unused0"), Optional.empty(), Optional.empty());
            assertThat(r.newVolid()).isEqualTo("local:8502/vm-8502-disk-2.raw");
            assertThat(f.svc.config(b).main().get("unused0")).contains("local:8502/vm-8502-disk-2.raw");
            assertThat(localImages.resolve("8501/vm-8501-disk-1.raw")).doesNotExist();
            // and back to a as unused3 (unused to unused)
            r = clones.reassignVolume(b, "unused0", a, Optional.of("unused3"), Optional.empty(), Optional.empty());
            assertThat(r.newVolid()).isEqualTo("local:8501/vm-8501-disk-1.raw");
            assertThat(f.svc.config(b).main().get("unused0")).isEmpty();
            assertThat(f.svc.config(a).main().get("unused3")).contains("local:8501/vm-8501-disk-1.raw");

            // the raw image in a btrfs subvolume goes to mp2 of b, options kept
            r = clones.reassignVolume(a, "mp2", b, Optional.empty(), Optional.empty(), Optional.empty());
            assertThat(r.newVolid()).isEqualTo("bt:8502/vm-8502-disk-0.raw");
            assertThat(f.svc.config(b).main().get("mp2")).contains("bt:8502/vm-8502-disk-0.raw,mp=/d3,backup=0,size=20M");

            // b runs with the volumes it got and sees their data; a still starts without them
            f.svc.start(b, false, false);
            assertThat(f.exec(b, "cat", "/data/f").stdout()).isEqualTo("quota-subvol\n");
            assertThat(f.exec(b, "cat", "/d3/f").stdout()).isEqualTo("btrfs-raw\n");
            // a running target gets no new mpN (no hotplug of a reassigned volume), an unusedN it may get
            assertThatThrownBy(() -> clones.reassignVolume(a, "mp4", b, Optional.empty(), Optional.empty(), Optional.empty()))
                    .isInstanceOf(StateException.class).hasMessageContaining("running container 8502");
            r = clones.reassignVolume(a, "unused3", b, Optional.of("unused1"), Optional.empty(), Optional.empty());
            assertThat(r.newVolid()).isEqualTo("local:8502/vm-8502-disk-2.raw");
            // and an unusedN of a running source may leave it
            r = clones.reassignVolume(b, "unused1", a, Optional.of("unused0"), Optional.empty(), Optional.empty());
            assertThat(r.newVolid()).isEqualTo("local:8501/vm-8501-disk-1.raw");
            f.svc.stop(b, false);
            f.svc.start(a, false, false);
            assertThat(f.exec(a, "sh", "-c", "test ! -e /data/f && test -d /d4").exitCode()).isZero();
            f.svc.stop(a, false);
        }
    }

    private static String sha1(Path p) throws IOException {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-1").digest(Files.readAllBytes(p)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
