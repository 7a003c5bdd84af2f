package io.berth.ct.migrate;

import io.berth.config.ContainerConfig;
import io.berth.config.MountPoint;
import io.berth.config.MountSource;
import io.berth.ct.ContainerService;
import io.berth.ct.lifecycle.LxcRuntime;
import io.berth.ct.Progress;
import io.berth.storage.Storage;
import io.berth.storage.VolumeId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Migration and HA checks on one node, built on the façade: {@link #migrate} runs the source side as a
 * {@code vzmigrate} task, {@link #target} serves the target side (what another node's migration calls here),
 * {@link #haProblems} says why a container cannot be HA-managed.
 */
public final class MigrationService {
    private final ContainerService ct;

    public MigrationService(ContainerService ct) { this.ct = ct; }

    /** The running/stop/start the orchestration uses, skipping the {@code lock: migrate} it set itself. */
    private Migration.SourceLifecycle lifecycle() {
        return new Migration.SourceLifecycle() {
            @Override public boolean running(int vmid) { return new LxcRuntime(ct.paths(vmid)).isRunning(); }

            @Override public void stop(int vmid) { ct.shutdown(vmid, 180, true, true); }

            @Override public void start(int vmid) { ct.start(vmid, true, false); }
        };
    }

    /**
     * Migrates {@code req.vmid()} from this node ({@code node}) to {@code peer}; task lines (and progress every 10 %)
     * go to the task log and to {@code log}.
     */
    public Migration.Result migrate(MigrateRequest req, String node, MigrationPeer peer, ConfigMove move, Consumer<String> log) {
        return ct.tasks().run("vzmigrate", Integer.toString(req.vmid()), "root@pam", task -> {
            Consumer<String> both = line -> {
                task.log(line);
                log.accept(line);
            };
            return new Migration(node, ct.repository(), ct.locks(), ct.storages(), lifecycle(), move)
                    .migrate(req, peer, both, label -> progress(label, both));
        });
    }

    /** Progress as task lines: every 10 % with the bytes, as Proxmox's migration log shows it. */
    static Progress progress(String label, Consumer<String> log) {
        return new Progress() {
            private int last = -1;

            @Override public void update(long done, long total) {
                int pct = total <= 0 ? 100 : (int) Math.min(100, done * 100 / total);
                if (pct / 10 == last / 10 && last >= 0) return;
                last = pct;
                log.accept(label + ": " + pct + "% (" + mib(done) + " of " + mib(total) + ")");
            }
        };
    }

    private static String mib(long b) { return String.format(java.util.Locale.ROOT, "%.1f MiB", b / 1048576.0); }

    /** This node as the target of another node's migration. */
    public MigrationPeer target(String node) {
        return new LocalPeer(node, ct::storages, vmid -> ct.start(vmid, false, false));
    }

    /**
     * Why the container cannot be HA-managed (empty if it can): HA recovers a container on another node without
     * its old node, so every volume must be on shared storage and bind/device mount points must be marked shared.
     */
    public List<String> haProblems(int vmid, ContainerConfig c) {
        List<String> out = new ArrayList<>();
        List<MountPoint> mps = new ArrayList<>(c.allMountPoints());
        for (MountPoint mp : mps) {
            switch (mp.source()) {
                case MountSource.Volume v -> {
                    VolumeId id = ct.storages().parseVolumeId(v.volid());
                    Storage s = ct.storages().storageOf(id);
                    if (!s.capabilities().shared())
                        out.add(mp.key() + " '" + v.volid() + "' is on storage '" + s.id() + "' (" + s.def().type()
                                + "), which is not shared: HA needs shared storage (e.g. a dir storage on a network filesystem "
                                + "with 'shared 1'); move it with: berth move-volume " + vmid + " " + mp.key() + " SHARED-STORAGE");
                }
                case MountSource.Bind b -> {
                    if (!mp.shared()) out.add(mp.key() + " is a bind mount of " + b.hostPath() + " not marked shared=1");
                }
                case MountSource.Device d -> {
                    if (!mp.shared()) out.add(mp.key() + " is the device " + d.devicePath() + " not marked shared=1");
                }
                case MountSource.NewVolume n -> out.add(mp.key() + " names a volume not allocated yet");
            }
        }
        for (Map.Entry<Integer, String> u : c.unused().entrySet()) {
            VolumeId id = ct.storages().parseVolumeId(u.getValue());
            if (!ct.storages().storageOf(id).capabilities().shared())
                out.add("unused" + u.getKey() + " '" + id + "' is on storage '" + id.storage() + "', which is not shared");
        }
        return out;
    }
}
