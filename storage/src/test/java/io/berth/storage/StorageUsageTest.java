package io.berth.storage;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Storage space (statvfs) and the in-use test that guards online resizes. */
@Tag("root")
class StorageUsageTest {
    private static final long MIB = 1 << 20;
    @TempDir
    Path tmp;

    private DirStorage dir(Path path) {
        return new DirStorage(new StorageDef.Dir("local", path, EnumSet.of(ContentType.ROOTDIR), false, false, List.of(),
                true, Optional.empty(), Optional.empty()));
    }

    @Test
    void dirUsageIsStatvfsOfItsPathAndAMissingPathIsNotAvailable() throws IOException {
        // a tmpfs of its own, so that no other writer on the machine moves the numbers
        Path store = Files.createDirectory(tmp.resolve("store"));
        HostCommand.of("mount", "-t", "tmpfs", "-o", "size=64m", "berth-test", store.toString()).run();
        try {
            Files.write(store.resolve("data"), new byte[(int) (4 * MIB)]);
            assertThat(dir(store).usage()).isEqualTo(new StorageUsage(64 * MIB, 4 * MIB, 60 * MIB));
        } finally {
            HostCommand.of("umount", store.toString()).run();
        }

        DirStorage missing = dir(tmp.resolve("missing"));
        assertThatThrownBy(missing::usage).isInstanceOf(StorageException.class)
                .hasMessageContaining("'local'").hasMessageContaining(tmp.resolve("missing").toString());
        assertThat(tmp.resolve("missing")).as("status must not create the directory").doesNotExist();
    }

    /** A running container's volume is mounted only in its own mount namespace; the kernel still knows it is busy. */
    @Test
    void aLoopDeviceMountedInAnotherNamespaceIsInUseAndResizeRefusesOrGrowsOnline() throws Exception {
        DirStorage local = dir(tmp.resolve("store"));
        VolumeId id = local.alloc(100, 16 * MIB, 0, 0);
        Path file = local.path(id).path();
        String loop = HostCommand.of("losetup", "-f", "--show", file.toString()).run().strip();
        Process holder = null;
        try {
            assertThat(Ext4.inUse(Path.of(loop))).isFalse();
            Path mnt = Files.createDirectory(tmp.resolve("mnt"));
            holder = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
                    "mount -t ext4 \"$1\" \"$2\" && echo ready && exec sleep 600", "sh", loop, mnt.toString())
                    .redirectErrorStream(true).start();
            assertThat(new BufferedReader(new InputStreamReader(holder.getInputStream())).readLine()).isEqualTo("ready");
            assertThat(Ext4.mountPointOf(Path.of(loop))).isEmpty();
            assertThat(Ext4.inUse(Path.of(loop))).isTrue();
            if (Ext4.canResizeOnline()) {
                local.resize(id, 24 * MIB);
                assertThat(local.size(id)).isEqualTo(24 * MIB);
            } else {
                assertThatThrownBy(() -> local.resize(id, 24 * MIB)).isInstanceOf(StorageException.class)
                        .hasMessageContaining(id.toString()).hasMessageContaining(loop + " is in use")
                        .hasMessageContaining("CAP_SYS_RESOURCE");
                assertThat(local.size(id)).isEqualTo(16 * MIB);
            }
        } finally {
            if (holder != null) {
                holder.destroyForcibly();
                holder.waitFor(10, TimeUnit.SECONDS);
            }
            HostCommand.of("losetup", "-d", loop).run();
        }
        local.free(id);
    }
}
