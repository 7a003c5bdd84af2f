package io.berth.mount;

import io.berth.idmap.IdMapEntry;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One mount to make inside a container rootfs.
 *
 * @param key       the config key ({@code rootfs}, {@code mp0}), used in errors
 * @param source    what to mount
 * @param target    the absolute path inside the container ({@code /} for the rootfs)
 * @param readOnly  mount read-only (verified after mounting)
 * @param options   allow-listed options (see {@link MountOption})
 * @param acl       empty: filesystem default; true: {@code acl}; false: no ACLs where the filesystem can turn them off
 * @param quota     enable ext4 journaled user/group quota (ignored read-only, warned for binds)
 * @param snapshot  a snapshot or template volume: mounted {@code ro,noload} (no journal replay)
 * @param idmap     disk->host id map for an idmapped mount (empty: none); "ct" side = ids on disk
 * @param ownerUid  host uid that owns directories created on the way to the target (-1: leave as created)
 * @param ownerGid  host gid for those directories (-1: leave)
 */
public record MountRequest(String key, MountSource source, String target, boolean readOnly, List<MountOption> options,
                           Optional<Boolean> acl, boolean quota, boolean snapshot, List<IdMapEntry> idmap,
                           int ownerUid, int ownerGid) {

    public MountRequest {
        if (key == null || key.isBlank()) throw new MountException("mount request without key");
        if (source == null) throw new MountException("mount point " + key + ": no source");
        if (target == null || !target.startsWith("/")) {
            throw new MountException("mount point " + key + ": target '" + target + "' is invalid: an absolute path inside the container is required");
        }
        SafePath.components(key, target); // rejects ".." early
        options = List.copyOf(options);
        idmap = List.copyOf(idmap);
        acl = acl == null ? Optional.empty() : acl;
    }

    /** A read-write request with no options, no idmap, owner unchanged. */
    public static MountRequest of(String key, MountSource source, String target) {
        return new MountRequest(key, source, target, false, List.of(), Optional.empty(), false, false, List.of(), -1, -1);
    }

    /** Options as written in the config ({@code noatime;nosuid}, split already), checked against the allow-list. */
    public static List<MountOption> parseOptions(String key, List<String> texts) {
        List<MountOption> out = new ArrayList<>();
        for (String t : texts) out.add(MountOption.parse(key, t.strip()));
        return out;
    }

    public MountRequest withReadOnly(boolean ro) {
        return new MountRequest(key, source, target, ro, options, acl, quota, snapshot, idmap, ownerUid, ownerGid);
    }

    public MountRequest withOptions(List<MountOption> opts) {
        return new MountRequest(key, source, target, readOnly, opts, acl, quota, snapshot, idmap, ownerUid, ownerGid);
    }

    public MountRequest withAcl(Optional<Boolean> a) {
        return new MountRequest(key, source, target, readOnly, options, a, quota, snapshot, idmap, ownerUid, ownerGid);
    }

    public MountRequest withQuota(boolean q) {
        return new MountRequest(key, source, target, readOnly, options, acl, q, snapshot, idmap, ownerUid, ownerGid);
    }

    public MountRequest withSnapshot(boolean s) {
        return new MountRequest(key, source, target, readOnly, options, acl, quota, s, idmap, ownerUid, ownerGid);
    }

    public MountRequest withIdmap(List<IdMapEntry> map) {
        return new MountRequest(key, source, target, readOnly, options, acl, quota, snapshot, map, ownerUid, ownerGid);
    }

    public MountRequest withOwner(int uid, int gid) {
        return new MountRequest(key, source, target, readOnly, options, acl, quota, snapshot, idmap, uid, gid);
    }

    public MountRequest withTarget(String t) {
        return new MountRequest(key, source, t, readOnly, options, acl, quota, snapshot, idmap, ownerUid, ownerGid);
    }

    /** Read-only in effect: asked for, or a snapshot/template. */
    public boolean effectivelyReadOnly() {
        return readOnly || snapshot;
    }
}
