package io.berth.idmap;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A container's id map: the ordered {@code lxc.idmap} entries mapping container ids to host ids.
 * An empty map means a privileged container, where container ids are host ids.
 */
public final class IdMap {
    private static final Pattern LXC_VALUE = Pattern.compile("([ug])\\s+(\\d{1,10})\\s+(\\d{1,10})\\s+(\\d{1,10})\\s*");
    private static final IdMap EMPTY = new IdMap(List.of());
    private static final IdMap UNPRIVILEGED_DEFAULT = new IdMap(List.of(
            new IdMapEntry(IdKind.UID, 0, 100000, 65536),
            new IdMapEntry(IdKind.GID, 0, 100000, 65536)));

    private final List<IdMapEntry> entries;

    private IdMap(List<IdMapEntry> entries) { this.entries = List.copyOf(entries); }

    public static IdMap of(List<IdMapEntry> entries) { return entries.isEmpty() ? EMPTY : new IdMap(entries); }

    public static IdMap empty() { return EMPTY; }

    /** {@code u 0 100000 65536} and {@code g 0 100000 65536}: what an unprivileged container gets without explicit lxc.idmap. */
    public static IdMap unprivilegedDefault() { return UNPRIVILEGED_DEFAULT; }

    /** Parses {@code lxc.idmap} values such as {@code u 0 100000 65536}; syntax only, see {@link #validate()}. */
    public static IdMap parseLxcIdmaps(List<String> values) {
        List<IdMapEntry> out = new ArrayList<>();
        for (String v : values) out.add(parseLxcValue(v));
        return of(out);
    }

    /** One {@code lxc.idmap} value. */
    public static IdMapEntry parseLxcValue(String value) {
        Matcher m = LXC_VALUE.matcher(value.strip());
        if (!m.matches()) {
            throw new IdMapException(IdMapException.LXC_IDMAP, "lxc.idmap value '" + value + "' is invalid: expected 'u|g CT_START HOST_START COUNT'");
        }
        return new IdMapEntry(IdKind.ofLetter(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
                Long.parseLong(m.group(4)));
    }

    /**
     * Checks that no two entries of the same kind overlap, neither on the container side nor on the host side.
     * Every overlapping pair is reported in the message.
     */
    public IdMap validate() {
        List<String> problems = overlapProblems();
        if (!problems.isEmpty()) throw new IdMapException(IdMapException.LXC_IDMAP, "id map has overlapping entries: " + String.join("; ", problems));
        return this;
    }

    /** Every overlapping pair as a message; empty when the map is valid. */
    public List<String> overlapProblems() {
        List<String> problems = new ArrayList<>();
        for (IdKind k : IdKind.values()) {
            List<IdMapEntry> es = entries(k);
            for (List<IdMapEntry> p : Overlaps.pairs(es, e -> new Overlaps.Range<>(e, e.ctStart(), e.count()))) {
                problems.add("'" + p.get(0) + "' and '" + p.get(1) + "' overlap on the container side");
            }
            for (List<IdMapEntry> p : Overlaps.pairs(es, e -> new Overlaps.Range<>(e, e.hostStart(), e.count()))) {
                problems.add("'" + p.get(0) + "' and '" + p.get(1) + "' overlap on the host side");
            }
        }
        return problems;
    }

    /** Host uid of container root: 0 for an empty (privileged) map. */
    public long rootUid() { return root(IdKind.UID); }

    /** Host gid of container root: 0 for an empty (privileged) map. */
    public long rootGid() { return root(IdKind.GID); }

    private long root(IdKind k) {
        return toHost(k, 0).orElseThrow(() -> new IdMapException(IdMapException.LXC_IDMAP, "id map " + this + " does not map container " + k + "id 0"));
    }

    /**
     * The host id for a container id: identity for an empty (privileged) map, the first entry containing
     * the id otherwise, empty if no entry maps it.
     */
    public OptionalLong toHost(IdKind kind, long ctId) {
        if (isEmpty()) return OptionalLong.of(ctId);
        for (IdMapEntry e : entries) {
            if (e.kind() == kind && e.containsCt(ctId)) return OptionalLong.of(e.hostStart() + (ctId - e.ctStart()));
        }
        return OptionalLong.empty();
    }

    public List<IdMapEntry> entries() { return entries; }

    public List<IdMapEntry> entries(IdKind kind) {
        return entries.stream().filter(e -> e.kind() == kind).toList();
    }

    public boolean isEmpty() { return entries.isEmpty(); }

    @Override public boolean equals(Object o) { return o instanceof IdMap m && m.entries.equals(entries); }

    @Override public int hashCode() { return entries.hashCode(); }

    @Override public String toString() {
        return entries.stream().map(IdMapEntry::toLxcValue).toList().toString();
    }
}
