package io.berth.ct.storage;

import io.berth.error.InvalidInputException;
import io.berth.error.StateException;
import io.berth.config.ConfigFile;
import io.berth.config.ConfigStore;
import io.berth.config.ConfigValueException;
import io.berth.config.MountPoint;
import io.berth.config.Vmid;
import io.berth.ct.CtException;
import io.berth.ct.lifecycle.CtMounts;
import io.berth.idmap.IdMap;
import io.berth.storage.ContentType;
import io.berth.storage.Storage;
import io.berth.storage.StorageDef;
import io.berth.storage.VolumeId;
import io.berth.storage.VolumeInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** {@code berth volume list|alloc|free}: container volumes on the configured storages (pvesm list/alloc/free). */
public final class VolumeService {
    private static final Pattern SIZE_WITH_UNIT = Pattern.compile("0|\\d+(?:\\.\\d+)?[KMGT]");

    private final StorageContext ctx;

    public VolumeService(StorageContext ctx) { this.ctx = ctx; }

    /** Volumes of one storage (disabled ones too, when named) or of every enabled storage holding container disks. */
    public List<VolumeInfo> list(Optional<String> storage, OptionalInt vmid) {
        vmid.ifPresent(Vmid::check);
        if (storage.isPresent()) return ctx.storages().get(storage.get()).list(vmid);
        List<VolumeInfo> out = new ArrayList<>();
        for (Storage s : ctx.storages().all()) if (holdsDisks(s.def())) out.addAll(s.list(vmid));
        return out;
    }

    private static boolean holdsDisks(StorageDef d) {
        return !d.disable() && (d.has(ContentType.ROOTDIR) || d.has(ContentType.IMAGES));
    }

    /**
     * Allocates the next free disk of {@code vmid}. {@code size} is {@code 0} (a subvol directory) or a number with
     * unit K, M, G or T. The owner defaults to the container's root uid/gid when its config exists, else 0:0.
     */
    public VolumeId alloc(String storageId, int vmid, String size, OptionalInt uid, OptionalInt gid) {
        Vmid.check(vmid);
        long bytes = parseAllocSize(size);
        Storage s = ctx.storages().get(storageId);
        if (s.def().disable()) throw new StateException("storage '" + storageId + "' is disabled");
        if (!s.def().has(ContentType.ROOTDIR) && !s.def().has(ContentType.IMAGES))
            throw new InvalidInputException("storage", "storage '" + storageId + "' holds no container disks: content is "
                    + s.def().content().stream().map(ContentType::key).sorted().collect(Collectors.joining(","))
                    + "; allowed storages have content rootdir or images");
        IdMap map = ctx.configs().exists(vmid) ? CtMounts.idMap(ctx.configs().load(vmid).main()) : IdMap.empty();
        return s.alloc(vmid, bytes, uid.orElse((int) map.rootUid()), gid.orElse((int) map.rootGid()));
    }

    static long parseAllocSize(String size) {
        String allowed = "0 (a subvol directory) or a number with unit K, M, G or T, e.g. 8G or 512M";
        if (size == null || !SIZE_WITH_UNIT.matcher(size).matches())
            throw new InvalidInputException("size", "invalid size '" + size + "': allowed " + allowed);
        try {
            return MountPoint.parseSize(size);
        } catch (ConfigValueException e) {
            throw new InvalidInputException("size", "invalid size '" + size + "': " + e.getMessage());
        }
    }

    /** Config entries of every container that name {@code volid}. A config that cannot be read counts as in use. */
    public List<VolumeRef> references(VolumeId volid) {
        List<VolumeRef> out = new ArrayList<>();
        String id = volid.toString();
        for (int vmid : ctx.configs().list()) {
            ConfigFile f;
            try {
                f = ctx.configs().load(vmid);
            } catch (RuntimeException e) {
                throw new CtException("cannot tell whether '" + id + "' is in use: config of container " + vmid
                        + " cannot be read: " + e.getMessage(), e);
            }
            for (VolumeRef r : VolumeRef.in(vmid, f)) if (r.volid().equals(id)) out.add(r);
        }
        return out;
    }

    /** Frees a volume that no container config references (checked under the owner's config lock). */
    public void free(String volidText) {
        VolumeId volid = ctx.storages().parseVolumeId(volidText);
        ConfigStore configs = ctx.configs();
        try (ConfigStore.Lock lock = configs.lock(volid.ownerVmid())) {
            List<VolumeRef> refs = references(volid);
            if (!refs.isEmpty()) {
                VolumeRef first = refs.getFirst();
                throw new StateException("cannot free '" + volid + "': it is referenced by "
                        + refs.stream().map(VolumeRef::where).collect(Collectors.joining(", "))
                        + "; remove it from the config first (berth set " + first.vmid() + " --delete " + first.key() + ")");
            }
            ctx.storages().free(volid);
        }
    }
}
