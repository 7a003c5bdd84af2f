package io.berth.ct.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.ct.CreateResult;
import io.berth.ct.CtFixture;
import io.berth.ct.StartResult;
import io.berth.storage.HostCommand;
import io.berth.storage.VolumeId;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * After a host crash each of a container's ext4 images keeps the MMP sequence of a mount that never ended, and the
 * kernel holds each mount 22 s or more (42 s at the default update interval; the interval grows when the image's I/O
 * is slow): three volumes take longer than start's 60 s. Start must wait for them (and say
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
            for (String v : r.volumes()) {
                Path image = f.svc.storages().path(VolumeId.parse(v)).path();
                shortUpdateInterval(image);
                crash(image);
            }
            assertThat(MmpWaits.of(f.svc.config(2400).main(), f.svc.storages()).total().toSeconds())
                    .as("three unclean volumes: more than the 60 s start timeout").isGreaterThanOrEqualTo(66);
            System.err.println("MmpStartTest: the kernel will hold the mounts up to " + MmpWaits.of(f.svc.config(2400).main(), f.svc.storages()).total());

            StartResult s = f.svc.start(2400, false, false);

            assertThat(f.exec(2400, "sh", "-c", "grep -c ' /[ab] ' /proc/mounts").stdout().strip()).isEqualTo("2");
            assertThat(s.warnings()).filteredOn(w -> w.contains("not cleanly unmounted"))
                    .hasSize(3).anySatisfy(w -> assertThat(w).startsWith("rootfs (").containsPattern("wait up to \\d+ s$"));
            f.svc.stop(2400, false);
            assertThat(MmpWaits.of(f.svc.config(2400).main(), f.svc.storages()).slow()).as("clean after a stop").isEmpty();
        }
    }

    /**
     * The superblock's MMP update interval set to 1 s, as {@code mke2fs -E mmp_update_interval=1} would (tune2fs and
     * debugfs would first wait 11 s on MMP themselves). A mount then records the kernel's floor, check interval 5 s, in
     * the MMP block instead of 2 x 5 s: a crashed volume holds its next mount 22 s instead of 42 s, the least the
     * kernel waits, and three of them still hold start longer than its 60 s.
     */
    private static void shortUpdateInterval(Path image) throws Exception {
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer sb = ByteBuffer.allocate(1024).order(ByteOrder.LITTLE_ENDIAN);
            assertThat(ch.read(sb, 1024)).isEqualTo(1024);
            sb.putShort(0x166, (short) 1); // s_mmp_update_interval
            // s_checksum (metadata_csum): crc32c seeded with ~0 and not inverted, i.e. the inverse of the standard CRC-32C
            CRC32C crc = new CRC32C();
            crc.update(sb.array(), 0, 0x3FC);
            sb.putInt(0x3FC, (int) ~crc.getValue());
            ch.write(sb.rewind(), 1024);
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
