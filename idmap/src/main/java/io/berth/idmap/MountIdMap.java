package io.berth.idmap;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The per-mount-point {@code idmap=} option: either {@code passthrough} or explicit ranges
 * {@code u:CT:DISK:LEN g:CT:DISK:LEN ...} (space separated) saying which on-disk id a container id is
 * stored as on this mount. Container ids not named keep the container's own mapping (stored on disk as
 * their host id, as without an idmap).
 */
public sealed interface MountIdMap permits MountIdMap.Passthrough, MountIdMap.Ranges {

    /** Undo the container's user namespace on this mount: a container id is stored on disk as itself. */
    record Passthrough() implements MountIdMap {
        @Override public String format() { return "passthrough"; }
    }

    /** Explicit container-id to disk-id ranges; validated to not overlap on either side. */
    record Ranges(List<MountIdRange> ranges) implements MountIdMap {
        public Ranges {
            ranges = List.copyOf(ranges);
            if (ranges.isEmpty()) throw new IdMapException(IdMapException.MOUNT_IDMAP, "mount idmap has no entries");
            List<String> problems = new ArrayList<>();
            for (IdKind k : IdKind.values()) {
                List<MountIdRange> rs = ranges.stream().filter(r -> r.kind() == k).toList();
                for (List<MountIdRange> p : Overlaps.pairs(rs, r -> new Overlaps.Range<>(r, r.ctStart(), r.count()))) {
                    problems.add("'" + p.get(0) + "' and '" + p.get(1) + "' overlap on the container side");
                }
                for (List<MountIdRange> p : Overlaps.pairs(rs, r -> new Overlaps.Range<>(r, r.diskStart(), r.count()))) {
                    problems.add("'" + p.get(0) + "' and '" + p.get(1) + "' overlap on the disk side");
                }
            }
            if (!problems.isEmpty()) throw new IdMapException(IdMapException.MOUNT_IDMAP, "mount idmap has overlapping entries: " + String.join("; ", problems));
        }

        @Override public String format() {
            return String.join(" ", ranges.stream().map(MountIdRange::format).toList());
        }
    }

    /** The option value form. */
    String format();

    Pattern ENTRY = Pattern.compile("([ug]):(\\d{1,10}):(\\d{1,10}):(\\d{1,10})");

    /** Parses {@code passthrough} or {@code u:CT:DISK:LEN[ g:CT:DISK:LEN...]}. */
    static MountIdMap parse(String value) {
        if (value.equals("passthrough")) return new Passthrough();
        if (value.isEmpty() || value.startsWith(" ") || value.endsWith(" ") || value.contains("  ")) {
            throw new IdMapException(IdMapException.MOUNT_IDMAP, "idmap '" + value + "' is invalid: allowed is 'passthrough' or "
                    + "space-separated 'u|g:CT_ID:DISK_ID:COUNT' entries");
        }
        List<MountIdRange> out = new ArrayList<>();
        for (String part : value.split(" ")) {
            Matcher m = ENTRY.matcher(part);
            if (!m.matches()) {
                throw new IdMapException(IdMapException.MOUNT_IDMAP, "idmap entry '" + part + "' is invalid: allowed is 'passthrough' or "
                        + "space-separated 'u|g:CT_ID:DISK_ID:COUNT' entries");
            }
            out.add(new MountIdRange(IdKind.ofLetter(m.group(1)), Long.parseLong(m.group(2)),
                    Long.parseLong(m.group(3)), Long.parseLong(m.group(4))));
        }
        return new Ranges(out);
    }

    /**
     * The map a user namespace for an idmapped mount ({@code MOUNT_ATTR_IDMAP}) of this mount point needs,
     * as entries whose {@code ctStart} is the on-disk id and {@code hostStart} the host id (i.e. the lines
     * {@code DISK HOST COUNT} of the namespace's uid_map/gid_map).
     *
     * <p>Semantics (seed 002): the container map says container id to host id, this mount's map says
     * container id to disk id; the result is disk id to host id. For every chunk of the container map
     * (per kind, in order):
     * <ul>
     *   <li>container ids of the chunk covered by an explicit range {@code u:CT:DISK:LEN} map disk id
     *       {@code DISK + (c - CT)} to the chunk's host id of {@code c}; a range that spans several
     *       chunks is split at the chunk boundaries, each piece mapped with its own chunk's host offset;</li>
     *   <li>container ids not covered by any range are mapped identically, disk id = host id, which is
     *       how files of such ids are stored without a per-mount idmap;</li>
     *   <li>if an explicit range claims disk ids that an identity piece would also use, the explicit range
     *       wins and the identity piece is split around those disk ids (the container ids whose host id
     *       equals such a disk id then have no id on this mount), so that the result is a bijection.</li>
     * </ul>
     * An empty container map (privileged container) acts as the identity chunk {@code 0 0 4294967295}.
     * {@link Passthrough} yields the container map itself (disk id = container id).
     *
     * @throws IdMapException if the container map is invalid, or an explicit range names container ids
     *     that the container map does not map
     */
    static List<IdMapEntry> diskToHost(MountIdMap m, IdMap containerMap) {
        return MountIdConversion.diskToHost(m, containerMap);
    }
}
