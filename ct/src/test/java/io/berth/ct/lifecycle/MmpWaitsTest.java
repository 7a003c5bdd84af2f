package io.berth.ct.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.config.ContainerConfig;
import io.berth.storage.Storages;
import io.berth.storage.VolumeId;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Start's timeout grows by what the container's ext4 volumes will wait for their multi-mount protection after a
 * host crash (volumes on real ext4 images made by the storage layer), and says which volume and why.
 */
class MmpWaitsTest {
    @TempDir Path tmp;

    @Test void uncleanVolumesAddTheirWaitAndCleanOnesAndDirectoriesNothing() throws Exception {
        Storages storages = Storages.load(tmp.resolve("etc/storage.cfg"), tmp.resolve("local"));
        var local = storages.get("local");
        VolumeId root = local.alloc(2300, 16L << 20, 0, 0);
        VolumeId data = local.alloc(2300, 16L << 20, 0, 0);
        VolumeId subvol = local.alloc(2300, 0, 0, 0);
        ContainerConfig c = ContainerConfig.of(Map.of("rootfs", root + ",size=16M", "mp0", data + ",mp=/data,size=16M",
                "mp1", subvol + ",mp=/sub", "mp2", "/srv,mp=/srv", "mp3", "nostore:2300/vm-2300-disk-9.raw,mp=/x"),
                List.of(), Optional.empty(), List.of());

        MmpWaits clean = MmpWaits.of(c, storages);
        assertThat(clean.slow()).isEmpty();
        assertThat(clean.total()).isEqualTo(Duration.ZERO);

        // what a host crash leaves: rootfs and mp0 were mounted and never unmounted
        crash(storages.path(root).path(), 0);
        crash(storages.path(data).path(), 20);
        MmpWaits after = MmpWaits.of(c, storages);
        assertThat(after.slow()).extracting(MmpWaits.Slow::key).containsExactly("rootfs", "mp0");
        assertThat(after.total()).as("22 s + 82 s, one mount after the other").isEqualTo(Duration.ofSeconds(104));
        assertThat(after.describe()).hasSize(2);
        assertThat(after.describe().getFirst()).contains("rootfs ('" + root + "')", "not cleanly unmounted", "host crash",
                "last mounted by node-a", "up to 22 s");
    }

    private static void crash(Path image, int checkInterval) throws Exception {
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer sb = ByteBuffer.allocate(1024).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(sb, 1024);
            long at = sb.getLong(0x168) * (1024L << sb.getInt(0x18));
            ch.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 0x5eed1234), at + 4);
            ch.write(ByteBuffer.wrap("node-a\0".getBytes()), at + 16);
            ch.write(ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort(0, (short) checkInterval), at + 112);
        }
    }
}
