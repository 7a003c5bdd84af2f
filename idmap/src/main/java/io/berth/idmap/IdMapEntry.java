package io.berth.idmap;

/**
 * One contiguous range of an id map: ids {@code ctStart .. ctStart+count-1} map to
 * {@code hostStart .. hostStart+count-1}. In maps produced by {@link MountIdMap#diskToHost} the
 * "ct" side holds on-disk ids instead (see there).
 */
public record IdMapEntry(IdKind kind, long ctStart, long hostStart, long count) {
    /** Ids are 32-bit; {@code 4294967295} ((uid_t)-1) is never a valid id, so ranges end at or before it. */
    public static final long ID_LIMIT = 4294967295L;

    public IdMapEntry {
        if (kind == null) throw new IdMapException(IdMapException.LXC_IDMAP, "id map entry without kind");
        if (count < 1) throw new IdMapException(IdMapException.LXC_IDMAP, "id map entry " + render(kind, ctStart, hostStart, count) + ": count must be >= 1");
        if (ctStart < 0 || hostStart < 0 || ctStart + count > ID_LIMIT || hostStart + count > ID_LIMIT) {
            throw new IdMapException(IdMapException.LXC_IDMAP, "id map entry " + render(kind, ctStart, hostStart, count)
                    + ": ids must lie in 0.." + (ID_LIMIT - 1));
        }
    }

    public long ctEnd() { return ctStart + count; }

    public long hostEnd() { return hostStart + count; }

    public boolean containsCt(long id) { return id >= ctStart && id < ctEnd(); }

    /** The {@code lxc.idmap} value form, e.g. {@code u 0 100000 65536}. */
    public String toLxcValue() { return render(kind, ctStart, hostStart, count); }

    @Override public String toString() { return toLxcValue(); }

    private static String render(IdKind kind, long a, long b, long n) {
        return kind + " " + a + " " + b + " " + n;
    }
}
