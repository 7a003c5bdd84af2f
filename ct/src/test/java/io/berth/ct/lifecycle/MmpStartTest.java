package io.berth.ct.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.ct.CreateResult;
import io.berth.ct.CtFixture;
import io.berth.ct.StartResult;
import io.berth.storage.HostCommand;
import io.berth.storage.VolumeId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * After a host crash each of a container's ext4 images keeps the MMP sequence of a mount that never ended, and the
 * kernel holds each mount 22 s or more (the interval grows when the image's I/O is slow): three volumes take longer
 * than start's 60 s. Start must wait for them (and say
 * why) instead of killing a container that was about to come up.
 */
@Tag("root")
class MmpStartTest {
    @TempDir Path tmp;

    @Test
    void aContainerWhoseVolumesAllCrashedStartsAndNamesTheWait() throws Exception {
        try (CtFixture f = new CtFixture(tmp)) {
            CreateResult r = f.create(2400, Map.of("rootfs", "local:0.05", "mp0", "local:0.02,mp=/a", "mp1", "local:0.02,mp=/b"));
            assertThat(r.volumes()).hasSize(3);
            for (String v : r.volumes()) crash(f.svc.storages().path(VolumeId.parse(v)).path());
            assertThat(MmpWaits.of(f.svc.config(2400).main(), f.svc.storages()).total().toSeconds())
                    .as("three unclean volumes: more than the 60 s start timeout").isGreaterThanOrEqualTo(66);

            StartResult s = f.svc.start(2400, false, false);

            assertThat(f.exec(2400, "sh", "-c", "grep -c ' /[ab] ' /proc/mounts").stdout().strip()).isEqualTo("2");
            assertThat(s.warnings()).filteredOn(w -> w.contains("not cleanly unmounted"))
                    .hasSize(3).anySatisfy(w -> assertThat(w).startsWith("rootfs (").containsPattern("wait up to \\d+ s$"));
            f.svc.stop(2400, false);
            assertThat(MmpWaits.of(f.svc.config(2400).main(), f.svc.storages()).slow()).as("clean after a stop").isEmpty();
        }
    }

    /** The image as a crash leaves it: copied while mounted (MMP in use, journal not checkpointed). */
    private static void crash(Path image) throws Exception {
        Path mnt = Files.createTempDirectory("mmp-crash-");
        Path copy = image.resolveSibling(image.getFileName() + ".crash");
        String loop = HostCommand.of("losetup", "-f", "--show", image.toString()).run().strip();
        try {
            HostCommand.of("mount", loop, mnt.toString()).run();
            try {
                HostCommand.of("cp", "--sparse=always", image.toString(), copy.toString()).run();
            } finally {
                HostCommand.of("umount", mnt.toString()).run();
            }
        } finally {
            HostCommand.of("losetup", "-d", loop).run();
            Files.deleteIfExists(mnt);
        }
        Files.move(copy, image, StandardCopyOption.REPLACE_EXISTING);
    }
}
