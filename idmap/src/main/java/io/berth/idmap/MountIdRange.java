package io.berth.idmap;

/**
 * One entry of a mount point's {@code idmap=} option, {@code u:CT:DISK:COUNT}: container ids
 * {@code ctStart..ctStart+count-1} are stored on the mounted filesystem as {@code diskStart..}.
 */
public record MountIdRange(IdKind kind, long ctStart, long diskStart, long count) {
    public MountIdRange {
        if (kind == null) throw new IdMapException(IdMapException.MOUNT_IDMAP, "mount idmap entry without kind");
        if (count < 1) throw new IdMapException(IdMapException.MOUNT_IDMAP, "mount idmap entry '" + render(kind, ctStart, diskStart, count) + "': count must be >= 1");
        if (ctStart < 0 || diskStart < 0 || ctStart + count > IdMapEntry.ID_LIMIT || diskStart + count > IdMapEntry.ID_LIMIT) {
            throw new IdMapException(IdMapException.MOUNT_IDMAP, "mount idmap entry '" + render(kind, ctStart, diskStart, count)
                    + "': ids must lie in 0.." + (IdMapEntry.ID_LIMIT - 1));
        }
    }

    public long ctEnd() { return ctStart + count; }

    /** {@code u:1005:1005:1}. */
    public String format() { return render(kind, ctStart, diskStart, count); }

    @Override public String toString() { return format(); }

    private static String render(IdKind k, long a, long b, long n) { return k + ":" + a + ":" + b + ":" + n; }
}
