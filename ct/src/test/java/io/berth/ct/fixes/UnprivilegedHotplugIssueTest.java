package io.berth.ct.fixes;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.ct.CtFixture;
import io.berth.ct.hotplug.LiveResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10.14: hotplug and unplug of mount points on an unprivileged container. A mount point mounted onto the rootfs
 * before the container's namespace exists would be locked there by the kernel (MNT_LOCKED, umount2: EINVAL); pre-start
 * stages them and the autodev hook binds them in from inside the container's namespace, so they unplug live too.
 */
@Tag("root")
class UnprivilegedHotplugIssueTest {
    @TempDir Path tmp;

    @Test
    void aNewVolumeHotplugsAndStartMountedOnesUnplugLive() throws Exception {
        int vmid = 4018;
        Path bind = Files.createDirectories(tmp.resolve("bind"));
        Files.writeString(bind.resolve("host-file"), "from the host\n");
        try (CtFixture f = new CtFixture(tmp.resolve("root"))) {
            f.create(vmid, Map.of("rootfs", "local:0.1", "unprivileged", "1", "mp1", "local:0.02,mp=/atstart",
                    "mp2", "local:0.02,mp=/atstart/nested", "mp3", bind + ",mp=/bound,ro=1"));
            f.svc.start(vmid, false, false);
            LiveResult r = f.svc.set(vmid, Map.of("mp0", "local:0.02,mp=/fresh/data"), List.of(), false).orElseThrow();
            assertThat(r.allApplied()).as(String.join("\n", r.describe())).isTrue();
            assertThat(f.exec(vmid, "sh", "-c", "touch /fresh/data/x && ls -n /fresh/data").stdout()).contains("x");
            // hotplugged: unplugs live
            r = f.svc.set(vmid, Map.of(), List.of("mp0"), false).orElseThrow();
            assertThat(r.allApplied()).as(String.join("\n", r.describe())).isTrue();
            assertThat(f.exec(vmid, "ls", "/fresh/data/x").exitCode()).isNotZero();

            // mounted at start: in place, owned by the container's root, nested one inside the other, ro stays ro even
            // for the container's root (the lock on the read-only flag is kept on the bind)
            var setup = f.exec(vmid, "sh", "-c", "echo a > /atstart/a && echo n > /atstart/nested/n && stat -c %u /atstart"
                    + " && cat /bound/host-file && ! touch /bound/y 2>/dev/null && ! mount -o remount,rw /bound 2>/dev/null");
            assertThat(setup.exitCode()).as(setup.stdout() + setup.stderr()).isZero();
            assertThat(setup.stdout()).contains("0\n").contains("from the host");
            String disk1 = f.svc.config(vmid).main().get("mp1").orElseThrow().split(",")[0];

            // and they unplug live: the child first, then its parent, then the bind
            for (String key : List.of("mp2", "mp1", "mp3")) {
                r = f.svc.set(vmid, Map.of(), List.of(key), false).orElseThrow();
                String said = String.join("\n", r.describe());
                assertThat(r.allApplied()).as(key + ": " + said).isTrue();
                // nothing else holds it: not the staged copy in the monitor's namespace either (autoclear may lag)
                assertThat(said).doesNotContain("still mounted elsewhere");
                assertThat(f.svc.config(vmid).main().get(key)).isEmpty();
            }
            var gone = f.exec(vmid, "sh", "-c", "! grep -E ' /(atstart|bound) ' /proc/self/mountinfo && ! test -e /atstart/a"
                    + " && ! test -e /bound/host-file");
            assertThat(gone.exitCode()).as(gone.stdout() + gone.stderr()).isZero();
            // the volume is released: no loop device on it any more anywhere on the host, so it can be freed
            assertThat(f.svc.config(vmid).pending()).isEmpty();
            assertThat(f.svc.config(vmid).main().values().values()).contains(disk1);
            String image = f.root.resolve("var/storage/local/images/" + vmid).toString();
            assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(image);
            String file = disk1.substring(disk1.indexOf(':') + 1);
            long deadline = System.nanoTime() + 60_000_000_000L; // the kernel's delayed release, slow under load
            String attached;
            do {
                var loops = new ProcessBuilder("losetup", "-a").redirectErrorStream(true).start();
                attached = new String(loops.getInputStream().readAllBytes());
                loops.waitFor();
                if (!attached.contains(file)) break;
                Thread.sleep(100);
            } while (System.nanoTime() < deadline);
            assertThat(attached).as("loop device of %s released", file).doesNotContain(file);
            f.svc.stop(vmid, false);
            // and a restart without them works
            f.svc.start(vmid, false, false);
            assertThat(f.exec(vmid, "test", "-e", "/atstart/a").exitCode()).isNotZero();
        }
    }
}
