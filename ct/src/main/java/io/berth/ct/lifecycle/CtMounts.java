package io.berth.ct.lifecycle;

import io.berth.config.ContainerConfig;
import io.berth.config.MountPoint;
import io.berth.config.RawLxc;
import io.berth.ct.CtException;
import io.berth.idmap.IdMap;
import io.berth.idmap.IdMapEntry;
import io.berth.idmap.MountIdMap;
import io.berth.mount.MountRequest;
import io.berth.mount.MountSource;
import io.berth.storage.Storages;
import io.berth.storage.VolumeId;
import io.berth.storage.VolumePath;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Turns a container config's {@code rootfs}/{@code mpN} into mount engine requests, and knows the container's id map. */
public final class CtMounts {

    private final Storages storages;

    public CtMounts(Storages storages) { this.storages = storages; }

    /** {@code lxc.idmap} raw entries if any, else the unprivileged default, else empty (privileged). */
    public static IdMap idMap(ContainerConfig c) {
        List<String> raw = c.lxcRaw().stream().filter(r -> r.key().equals("lxc.idmap")).map(RawLxc::value).toList();
        if (!raw.isEmpty()) return IdMap.parseLxcIdmaps(raw).validate();
        return c.unprivileged() ? IdMap.unprivilegedDefault() : IdMap.empty();
    }

    /** The rootfs and every mpN, in config order (the engine sorts them for mounting). */
    public static List<MountPoint> mountPoints(ContainerConfig c) {
        List<MountPoint> out = new ArrayList<>();
        c.rootfs().ifPresent(out::add);
        for (String k : c.keys()) if (io.berth.config.Schema.inFamily("mp", k)) c.mountPoint(k).ifPresent(out::add);
        return out;
    }

    /**
     * The inverse of the container map for the rootfs: host id 0 (what tar writes as) lands on disk as the
     * container root's host id. Used to extract templates of unprivileged containers through an idmapped mount.
     */
    public static List<IdMapEntry> shiftingIdmap(IdMap map) {
        List<IdMapEntry> out = new ArrayList<>();
        for (IdMapEntry e : map.entries()) out.add(new IdMapEntry(e.kind(), e.hostStart(), e.ctStart(), e.count()));
        return out;
    }

    public MountRequest request(MountPoint mp, IdMap map, List<IdMapEntry> idmapOverride) {
        MountSource source = switch (mp.source()) {
            case io.berth.config.MountSource.Volume v -> volumeSource(mp.key(), v.volid());
            case io.berth.config.MountSource.NewVolume n -> throw new CtException(mp.key() + ": new volume "
                    + n.storage() + ":" + n.sizeGiB() + " was never allocated");
            case io.berth.config.MountSource.Bind b -> new MountSource.HostDirectory(b.hostPath());
            case io.berth.config.MountSource.Device d -> new MountSource.BlockDevice(d.devicePath(), fstypeOf(d.devicePath()));
        };
        List<IdMapEntry> idmap = idmapOverride;
        if (idmap.isEmpty() && mp.idmap().isPresent()) idmap = MountIdMap.diskToHost(mp.idmap().get(), map);
        return new MountRequest(mp.key(), source, mp.target(), mp.ro(), MountRequest.parseOptions(mp.key(), mp.mountOptions()),
                mp.acl(), mp.quota(), false, idmap, (int) map.rootUid(), (int) map.rootGid());
    }

    /** Requests for every mount point; {@code volumesOnly} leaves out bind and device mounts (for create). */
    public List<MountRequest> requests(ContainerConfig c, boolean volumesOnly) {
        IdMap map = idMap(c);
        List<MountRequest> out = new ArrayList<>();
        for (MountPoint mp : mountPoints(c)) {
            if (volumesOnly && !(mp.source() instanceof io.berth.config.MountSource.Volume)) continue;
            out.add(request(mp, map, List.of()));
        }
        return out;
    }

    /** Volume ids of the rootfs and volume mount points. */
    public static List<VolumeId> volumes(ContainerConfig c) {
        List<VolumeId> out = new ArrayList<>();
        for (MountPoint mp : mountPoints(c)) {
            if (mp.source() instanceof io.berth.config.MountSource.Volume v) out.add(VolumeId.parse(v.volid()));
        }
        return out;
    }

    /**
     * Refuses volumes on a storage that storage.cfg restricts to other nodes ({@code nodes}), as Proxmox refuses to
     * activate them: on a cluster node a container whose storage is not available here does not start here.
     */
    public static void checkStorageNodes(int vmid, ContainerConfig c, Storages storages, String node) {
        for (VolumeId v : volumes(c)) {
            List<String> nodes = storages.get(v.storage()).def().nodes();
            if (!nodes.isEmpty() && !nodes.contains(node))
                throw new io.berth.error.UnsupportedException("container " + vmid + ": storage '" + v.storage() + "' of volume " + v
                        + " is not available on node '" + node + "' (storage.cfg: nodes " + String.join(",", nodes) + ")");
        }
    }

    private MountSource volumeSource(String key, String volid) {
        VolumeId id = storages.parseVolumeId(volid);
        return switch (storages.path(id)) {
            case VolumePath.ImageFile f -> new MountSource.ImageFile(f.path(), "ext4");
            case VolumePath.BlockDevice b -> new MountSource.BlockDevice(b.path(), "ext4");
            case VolumePath.Directory d -> new MountSource.HostDirectory(d.path());
        };
    }

    /** The filesystem on a device, as blkid reports it. */
    static String fstypeOf(Path dev) {
        var r = io.berth.sys.ProcessRunner.of("blkid", "-o", "value", "-s", "TYPE", dev.toString())
                .timeout(java.time.Duration.ofSeconds(30)).run();
        String out = r.stdout().strip();
        if (!r.ok() || out.isEmpty()) {
            String why = (out + " " + r.stderr().strip()).strip();
            throw new CtException("device " + dev + " holds no filesystem blkid recognises" + (why.isEmpty() ? "" : ": " + why));
        }
        return out;
    }
}
