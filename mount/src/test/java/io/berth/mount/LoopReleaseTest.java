package io.berth.mount;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.sys.LoopDevices;
import io.berth.sys.Mounts;
import io.berth.sys.Namespaces;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The loop-device release race: an ext4 image (with MMP, as storages make them) on a filesystem other than the host's
 * root, mounted in a private mount namespace, must be released when that namespace's work returns, so that mounting
 * it again at once works and never attaches a second loop device to it (ext4's MMP would see the image in use, wait
 * 2 * 5 + 1 s, and refuse with EBUSY). Checked immediately, with no waiting: the release is synchronous.
 */
@Tag("root")
class LoopReleaseTest {
    private Sandbox sb;
    private Path img;

    @BeforeEach
    void setUp() throws Exception {
        sb = new Sandbox();
        img = sb.host.resolve("vm-7000-disk-0.raw");
        try (var f = new java.io.RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(64L << 20);
        }
        Sandbox.run("mkfs.ext4", "-q", "-F", "-O", "mmp", img.toString());
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            sb.assertClean();
        } finally {
            sb.close();
        }
    }

    private MountRequest request() {
        return MountRequest.of("rootfs", new MountSource.ImageFile(img, "ext4"), "/");
    }

    /** Loop devices whose sysfs backing file names our image, by its full path or relative to the sandbox tmpfs. */
    private List<Path> devicesNamingImage() {
        String rel = "/" + sb.base.relativize(img);
        return LoopDevices.attached().entrySet().stream()
                .filter(e -> e.getValue().equals(img) || e.getValue().toString().equals(rel)).map(java.util.Map.Entry::getKey).toList();
    }

    @Test
    void imageIsReleasedWhenThePrivateNamespaceWorkReturns() throws Exception {
        Path staging = Files.createDirectories(sb.base.resolve("staging"));
        for (int i = 0; i < 12; i++) {
            boolean unmountFirst = i % 2 == 0;
            int round = i;
            long t0 = System.nanoTime();
            Namespaces.inNewMountNamespace(() -> {
                MountedSet m = new MountEngine(w -> {}).mountAll(staging, List.of(request()));
                Files.writeString(staging.resolve("round"), Integer.toString(round));
                if (unmountFirst) m.close(); // else the mount is left to the namespace's end
                return null;
            });
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(devicesNamingImage()).as("round %d (%s): loop devices on the image right after", i,
                    unmountFirst ? "unmounted" : "left to the namespace").isEmpty();
            // the MMP wait a second device would cause is 11 s; a mount of a free image is far below that even when loaded
            assertThat(ms).as("round %d took %d ms", i, ms).isLessThan(10_000);
        }
        String last = Namespaces.inNewMountNamespace(() -> {
            try (MountedSet m = new MountEngine(w -> {}).mountAll(staging, List.of(request()))) {
                return Files.readString(staging.resolve("round"));
            }
        });
        assertThat(last).isEqualTo("11");
    }

    @Test
    void aDeviceStillHoldingTheImageIsFoundAndReusedWhateverPathSysfsShows() throws Exception {
        // a device attached in a private namespace whose copy of the image's filesystem is then detached: sysfs names
        // the backing file relative to that filesystem, as after a container's or a backup's namespace went away
        LoopDevices.LoopDevice held = Namespaces.inNewMountNamespace(() -> {
            LoopDevices.LoopDevice d = LoopDevices.attach(img, LoopDevices.Options.autoclearing(false));
            Mounts.umount2(sb.base.toString(), Mounts.MNT_DETACH);
            return d;
        });
        try (held) {
            Path shown = LoopDevices.attached().get(held.device());
            assertThat(shown).as("sysfs backing file of %s", held.device()).isNotEqualTo(img)
                    .isEqualTo(Path.of("/" + sb.base.relativize(img)));
            assertThat(LoopDevices.findByBackingFile(img)).containsExactly(held.device());
            assertThat(LoopDevices.backing(held.device())).isPresent();

            Path staging = Files.createDirectories(sb.base.resolve("staging2"));
            Namespaces.inNewMountNamespace(() -> {
                try (MountedSet m = new MountEngine(w -> {}).mountAll(staging, List.of(request()))) {
                    assertThat(devicesNamingImage()).as("the mount reused the device holding the image").containsExactly(held.device());
                    Files.writeString(staging.resolve("x"), "y");
                }
                return null;
            });
        }
        // our fd was the last user: autoclear detached the device when it was closed
        assertThat(LoopDevices.findByBackingFile(img)).isEmpty();
    }
}
