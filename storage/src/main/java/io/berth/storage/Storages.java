package io.berth.storage;

import io.berth.error.InvalidInputException;
import io.berth.error.NotFoundException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/** The configured storages: look up by id, allocate new disks, parse volume ids, rescan a container's volumes. */
public final class Storages {
    private final StorageConfig config;
    private final Map<String, Storage> byId = new LinkedHashMap<>();

    public Storages(StorageConfig config) {
        this.config = config;
        for (StorageDef def : config.storages()) byId.put(def.id(), open(def));
    }

    /** Loads {@code storage.cfg}, or the embedded default {@code local} dir storage at {@code defaultLocalDir}. */
    public static Storages load(Path storageCfg, Path defaultLocalDir) {
        return new Storages(StorageConfig.loadOrDefault(storageCfg, defaultLocalDir));
    }

    public static Storage open(StorageDef def) {
        return switch (def) {
            case StorageDef.Dir d -> new DirStorage(d);
            case StorageDef.Btrfs b -> new BtrfsStorage(b);
            case StorageDef.LvmThin l -> new LvmThinStorage(l);
        };
    }

    public StorageConfig config() {
        return config;
    }

    public List<Storage> all() {
        return List.copyOf(byId.values());
    }

    public Storage get(String id) {
        Storage s = byId.get(id);
        if (s == null)
            throw new NotFoundException("unknown storage '" + id + "': configured storages are "
                    + String.join(", ", byId.keySet()));
        return s;
    }

    private Storage enabled(String id) {
        Storage s = get(id);
        if (s.def().disable()) throw new StorageException("storage '" + id + "' is disabled");
        return s;
    }

    /** Parses a volume id and checks that its storage is configured. */
    public VolumeId parseVolumeId(String volid) {
        VolumeId id = VolumeId.parse(volid);
        get(id.storage());
        return id;
    }

    public Storage storageOf(VolumeId volid) {
        return get(volid.storage());
    }

    /**
     * Allocates a container disk from the new-disk syntax ({@code local:8}): the storage must hold
     * {@code rootdir} content, as Proxmox requires for container volumes.
     */
    public VolumeId alloc(NewDisk disk, int vmid, int rootUid, int rootGid) {
        Storage s = enabled(disk.storage());
        if (!s.def().has(ContentType.ROOTDIR))
            throw new StorageException("content type 'rootdir' is not available or configured on storage '"
                    + disk.storage() + "'");
        return s.alloc(vmid, disk.sizeBytes(), rootUid, rootGid);
    }

    public VolumePath path(VolumeId volid) {
        return storageOf(volid).path(volid);
    }

    public void free(VolumeId volid) {
        storageOf(volid).free(volid);
    }

    /** Frees a volume only if {@code vmid} owns it (Proxmox never deletes another container's disk). */
    public boolean freeIfOwner(VolumeId volid, int vmid) {
        if (volid.ownerVmid() != vmid) return false;
        free(volid);
        return true;
    }

    /** Volumes owned by {@code vmid} on every enabled storage that holds container or VM disks. */
    public List<VolumeInfo> listOwned(int vmid) {
        List<VolumeInfo> result = new ArrayList<>();
        for (Storage s : byId.values()) {
            StorageDef d = s.def();
            if (d.disable() || !(d.has(ContentType.ROOTDIR) || d.has(ContentType.IMAGES))) continue;
            result.addAll(s.list(OptionalInt.of(vmid)));
        }
        return result;
    }

    /** Rescan one container: see {@link Rescan#compute}. */
    public Rescan.Report rescan(int vmid, Set<String> referenced, Map<String, Long> configSizes) {
        return Rescan.compute(vmid, listOwned(vmid), referenced, configSizes);
    }

    /**
     * Whether a mounted ext4 volume (of a running container) can be grown: the kernel requires CAP_SYS_RESOURCE,
     * which sandboxes may drop. Drivers refuse such a resize before changing anything when this is false.
     */
    public static boolean onlineResizeAllowed() {
        return Ext4.canResizeOnline();
    }

    /**
     * The file of a {@code snippets} volume {@code STORAGE:snippets/NAME}: {@code <path>/snippets/NAME} of a dir or
     * btrfs storage, as Proxmox's path() gives it (which does not ask whether the storage lists that content type).
     */
    public Path snippetPath(String storageId, String name) {
        if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals(".."))
            throw new InvalidInputException("volume", "invalid snippet name '" + name + "'");
        return switch (get(storageId).def()) {
            case StorageDef.Dir d -> d.path().resolve("snippets").resolve(name);
            case StorageDef.Btrfs b -> b.path().resolve("snippets").resolve(name);
            case StorageDef.LvmThin l -> throw new InvalidInputException("volume", "storage '" + storageId + "' (lvmthin) cannot hold snippets");
        };
    }

    /** The template cache of the first enabled storage with {@code vztmpl} content, or of {@code id} if given. */
    public Optional<Path> templateDir(Optional<String> id) {
        if (id.isPresent()) return enabled(id.get()).templateDir();
        return byId.values().stream().filter(s -> !s.def().disable()).map(Storage::templateDir)
                .flatMap(Optional::stream).findFirst();
    }
}
