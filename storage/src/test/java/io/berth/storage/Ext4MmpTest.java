package io.berth.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the next mount of an ext4 volume will wait for its multi-mount protection, read from the image as the
 * kernel reads it: nothing when it was cleanly unmounted, a wait while it is mounted (the state a host crash
 * leaves behind), longer when the MMP block records a longer check interval.
 */
class Ext4MmpTest {
    private static final long MIB = 1 << 20;
    @TempDir Path tmp;

    private Path image() throws IOException {
        Path f = tmp.resolve("vm-100-disk-0.raw");
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.truncate(16 * MIB);
            ch.write(ByteBuffer.allocate(1), 16 * MIB - 1);
        }
        Ext4.mkfs(f, 0, 0);
        return f;
    }

    @Test void aCleanImageDoesNotWaitAndAMountedOneDoes() throws IOException {
        Path f = image();
        assertThat(Ext4.mmpMountWait(f)).as("fresh mkfs: MMP clean").isEmpty();
        Path mnt = Files.createDirectory(tmp.resolve("mnt"));
        String loop = HostCommand.of("losetup", "-f", "--show", f.toString()).run().strip();
        try {
            HostCommand.of("mount", loop, mnt.toString()).run();
            try {
                // what a crash leaves: the kernel's sequence of a mount that never unmounted
                var w = Ext4.mmpMountWait(f);
                assertThat(w).as("mounted: the next mount elsewhere waits").isPresent();
                assertThat(w.get().upTo()).isGreaterThanOrEqualTo(Duration.ofSeconds(22));
                assertThat(w.get().lastNode()).isNotEmpty();
            } finally {
                HostCommand.of("umount", mnt.toString()).run();
            }
        } finally {
            HostCommand.of("losetup", "-d", loop).run();
        }
        assertThat(Ext4.mmpMountWait(f)).as("unmounted: clean again").isEmpty();
    }

    @Test void theWaitFollowsTheKernelsFormulaForTheRecordedInterval() throws IOException {
        Path f = image();
        writeMmp(f, 0x12345678, 0);
        assertThat(Ext4.mmpMountWait(f).orElseThrow().upTo()).as("default 5 s: 2 * (2 * 5 + 1)").isEqualTo(Duration.ofSeconds(22));
        writeMmp(f, 0x12345678, 20);
        assertThat(Ext4.mmpMountWait(f).orElseThrow().upTo()).as("2 * min(41, 80)").isEqualTo(Duration.ofSeconds(82));
        writeMmp(f, 0x12345678, 300);
        assertThat(Ext4.mmpMountWait(f).orElseThrow().upTo()).as("2 * min(601, 360)").isEqualTo(Duration.ofSeconds(720));
        writeMmp(f, 0xE24D4D50, 0);
        assertThat(Ext4.mmpMountWait(f)).as("fsck marker: the mount fails at once, no wait").isEmpty();
        assertThat(Ext4.mmpMountWait(tmp.resolve("missing.raw"))).isEmpty();
    }

    /** Sets the MMP block's sequence and check interval, as a crashed mount or a slow kmmpd leaves them. */
    private static void writeMmp(Path image, int seq, int checkInterval) throws IOException {
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer sb = ByteBuffer.allocate(1024).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(sb, 1024);
            long at = sb.getLong(0x168) * (1024L << sb.getInt(0x18));
            ch.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, seq), at + 4);
            ch.write(ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort(0, (short) checkInterval), at + 112);
        }
    }
}
