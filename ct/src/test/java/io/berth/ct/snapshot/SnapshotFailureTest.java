package io.berth.ct.snapshot;

import io.berth.ct.LoopBtrfs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.ct.CtFixture;
import io.berth.ct.lifecycle.LxcRuntime;
import io.berth.lxc.LxcState;
import io.berth.storage.HostCommand;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshots of a running container, and everything that must leave a container as it was: a volume that fails half
 * way, dir storage, bad names, a running container rolled back without --start; and an interrupted snapshot
 * (the process killed) leaving {@code lock}/{@code snapstate} as Proxmox leaves them.
 */
@Tag("root")
class SnapshotFailureTest {
    @RegisterExtension static final LoopBtrfs.PerClass fs = LoopBtrfs.perClass("1G");

    @TempDir Path tmp;

    @Test
    void runningContainerIsSnapshottedConsistentlyAndRolledBackOnlyWithStart() throws IOException {
        int vmid = 6102;
        try (CtFixture f = new CtFixture(tmp.resolve("root"))) {
            fs.storageCfg(f);
            f.create(vmid, Map.of("rootfs", "bt:0.1", "mp0", "bq:0.05,mp=/data", "unprivileged", "1"));
            SnapshotService snaps = new SnapshotService(f.svc);
            f.svc.start(vmid, false, false);
            assertThat(f.exec(vmid, "sh", "-c", "echo a > /m && echo a > /data/f").exitCode()).isZero();
            snaps.create(vmid, "live", Optional.of("taken while running"));
            // thawed again: still running and answering
            assertThat(new LxcRuntime(f.svc.paths(vmid)).state()).isEqualTo(LxcState.RUNNING);
            assertThat(f.exec(vmid, "sh", "-c", "echo b > /m && echo b > /data/f").exitCode()).isZero();
            // the data written just before the snapshot is in it (synced while frozen)
            assertThat(fs.mount().resolve("bq/images/6102/subvol-6102-disk-0@live/f")).hasContent("a\n");
            assertThat(HostCommand.of("debugfs", "-R", "cat /m",
                    fs.mount().resolve("bt/images/6102/vm-6102-disk-0@live/disk.raw").toString()).run()).isEqualTo("a\n");

            String before = f.configText(vmid);
            assertThatThrownBy(() -> snaps.rollback(vmid, "live", false))
                    .isInstanceOf(io.berth.error.StateException.class) // exit 6, HTTP 409, as starting a running one
                    .hasMessageContaining("container 6102 is running").hasMessageContaining("--start");
            assertThat(f.configText(vmid)).isEqualTo(before);
            assertThat(f.exec(vmid, "cat", "/m").stdout()).isEqualTo("b\n");

            snaps.rollback(vmid, "live", true);
            assertThat(new LxcRuntime(f.svc.paths(vmid)).state()).isEqualTo(LxcState.RUNNING);
            assertThat(f.exec(vmid, "cat", "/m", "/data/f").stdout()).isEqualTo("a\na\n");
            assertThat(f.svc.config(vmid).main().parent()).contains("live");
            assertThat(f.svc.config(vmid).main().lock()).isEmpty();
            f.svc.stop(vmid, false);
            // the snapshot of the mounted image carries that mount's MMP sequence; the rolled-back volume is a new file
            // nothing mounts, so its MMP block is reset (else the next start waits 2 * interval + 1 s, 85 s under load)
            snaps.rollback(vmid, "live", false);
            String sb = HostCommand.of("dumpe2fs", "-h", fs.mount().resolve("bt/images/6102/vm-6102-disk-0/disk.raw").toString()).run();
            assertThat(sb).contains("mmp_sequence: 0xff4d4d50").doesNotContain("needs_recovery");
            assertThat(HostCommand.of("dumpe2fs", "-h", fs.mount().resolve("bt/images/6102/vm-6102-disk-0@live/disk.raw").toString())
                    .run()).doesNotContain("mmp_sequence: 0xff4d4d50"); // the snapshot itself stays as taken
        }
    }

    @Test
    void aFailingVolumeUndoesTheOthersAndDirStorageAndBadInputChangeNothing() throws IOException {
        int vmid = 6103, onDir = 6104;
        try (CtFixture f = new CtFixture(tmp.resolve("root"))) {
            fs.storageCfg(f);
            f.create(vmid, Map.of("rootfs", "bq:0.05", "mp0", "bq:0.05,mp=/data"));
            SnapshotService snaps = new SnapshotService(f.svc);
            String before = f.configText(vmid);
            // the second volume's snapshot cannot be made: its name is taken by something that is not ours
            Path planted = Files.createDirectory(fs.mount().resolve("bq/images/6103/subvol-6103-disk-1@s1"));
            assertThatThrownBy(() -> snaps.create(vmid, "s1", Optional.empty()))
                    .hasMessageContaining("snapshot 's1' of 'bq:subvol-6103-disk-1' already exists");
            assertThat(f.configText(vmid)).isEqualTo(before);
            assertThat(fs.mount().resolve("bq/images/6103/subvol-6103-disk-0@s1")).doesNotExist();
            assertThat(planted).isDirectory();
            Files.delete(planted);

            assertThatThrownBy(() -> snaps.create(vmid, "1x", Optional.empty())).hasMessageContaining("invalid snapshot name '1x'");
            assertThatThrownBy(() -> snaps.create(vmid, "current", Optional.empty())).hasMessageContaining("'current' is reserved");
            assertThatThrownBy(() -> snaps.create(vmid, "vzdump", Optional.empty())).hasMessageContaining("'vzdump' is reserved");
            assertThatThrownBy(() -> snaps.create(vmid, "a".repeat(41), Optional.empty())).hasMessageContaining("invalid snapshot name");
            assertThatThrownBy(() -> snaps.delete(vmid, "nope", false)).isInstanceOf(io.berth.error.NotFoundException.class)
                    .hasMessageContaining("snapshot 'nope' of container 6103 does not exist");
            assertThatThrownBy(() -> snaps.rollback(vmid, "nope", false)).isInstanceOf(io.berth.error.NotFoundException.class)
                    .hasMessageContaining("snapshot 'nope' of container 6103 does not exist");
            assertThat(f.configText(vmid)).isEqualTo(before);
            snaps.create(vmid, "s1", Optional.empty());
            String withS1 = f.configText(vmid);
            assertThatThrownBy(() -> snaps.create(vmid, "s1", Optional.empty())).isInstanceOf(io.berth.error.ExistsException.class)
                    .hasMessageContaining("snapshot name 's1' already used");
            assertThat(f.configText(vmid)).isEqualTo(withS1);

            f.create(onDir, Map.of("rootfs", "local:0.05"));
            String dirBefore = f.configText(onDir);
            assertThatThrownBy(() -> snaps.create(onDir, "s1", Optional.empty()))
                    .isInstanceOf(io.berth.error.UnsupportedException.class)
                    .hasMessageContaining("storage 'local' cannot snapshot volume 'local:6104/vm-6104-disk-0.raw'");
            assertThat(f.configText(onDir)).isEqualTo(dirBefore);
        }
    }

    @Test
    void aKilledSnapshotLeavesLockAndSnapstateAsProxmoxAndUnlockPlusForcedDeleteRecover() throws Exception {
        int vmid = 6105;
        try (CtFixture f = new CtFixture(tmp.resolve("root"))) {
            fs.storageCfg(f);
            f.create(vmid, Map.of("rootfs", "bq:0.05", "hostname", "killed"));
            String before = f.configText(vmid);
            // a frozen filesystem blocks `btrfs subvolume snapshot` in the kernel: the process is killed right there
            HostCommand.of("fsfreeze", "-f", fs.mount().toString()).run();
            Process child;
            try {
                String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
                child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                        SnapshotChild.class.getName(), f.root.toString(), Integer.toString(vmid), "s1")
                        .redirectErrorStream(true).redirectOutput(tmp.resolve("child.out").toFile()).start();
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (child.descendants().noneMatch(p -> p.info().commandLine().orElse("").contains("subvolume snapshot"))) {
                    assertThat(child.isAlive()).as("snapshot process ended early: %s",
                            Files.exists(tmp.resolve("child.out")) ? Files.readString(tmp.resolve("child.out")) : "").isTrue();
                    assertThat(System.nanoTime()).as("snapshot did not reach the volume step").isLessThan(deadline);
                    Thread.sleep(20);
                }
                List<ProcessHandle> tools = child.descendants().toList();
                child.destroyForcibly().waitFor();
                tools.forEach(ProcessHandle::destroyForcibly);
            } finally {
                HostCommand.of("fsfreeze", "-u", fs.mount().toString()).run();
            }
            String expected = new String(SnapshotFailureTest.class.getResourceAsStream("/snapshot/6105-interrupted.conf")
                    .readAllBytes(), StandardCharsets.UTF_8);
            String left = f.configText(vmid);
            // snaptime is the wall clock of the killed process: compare everything else byte for byte
            assertThat(left.replaceAll("snaptime: \\d+", "snaptime: T")).isEqualTo(expected);

            SnapshotService snaps = new SnapshotService(f.svc);
            assertThatThrownBy(() -> snaps.delete(vmid, "s1", true)).hasMessageContaining("container 6105 is locked (snapshot)");
            assertThatThrownBy(() -> snaps.rollback(vmid, "s1", false)).hasMessageContaining("incomplete snapshot 's1' (snapstate = prepare)");
            assertThatThrownBy(() -> f.svc.start(vmid, false, false)).hasMessageContaining("locked (snapshot)");
            f.svc.set(vmid, Map.of(), List.of("lock"), true); // what `unlock` does
            snaps.delete(vmid, "s1", true);
            assertThat(f.configText(vmid)).isEqualTo(before);
            assertThat(fs.mount().resolve("bq/images/6105/subvol-6105-disk-0@s1")).doesNotExist();
            snaps.create(vmid, "s1", Optional.empty()); // the name is free again
        }
    }
}
