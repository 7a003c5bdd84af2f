package io.berth.idmap;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** The algorithm behind {@link MountIdMap#diskToHost}; see its javadoc for the semantics. */
final class MountIdConversion {
    private MountIdConversion() {}

    /** A piece of the result in container-map order, before disk ids claimed by explicit ranges are removed. */
    private sealed interface Piece permits Explicit, Identity {}

    private record Explicit(IdMapEntry entry) implements Piece {}

    /** Disk id = host id for {@code start..start+count-1}. */
    private record Identity(long start, long count) implements Piece {}

    static List<IdMapEntry> diskToHost(MountIdMap m, IdMap containerMap) {
        containerMap.validate();
        List<IdMapEntry> result = new ArrayList<>();
        for (IdKind kind : IdKind.values()) {
            List<IdMapEntry> chunks = containerMap.isEmpty()
                    ? List.of(new IdMapEntry(kind, 0, 0, IdMapEntry.ID_LIMIT))
                    : containerMap.entries(kind);
            switch (m) {
                case MountIdMap.Passthrough p -> result.addAll(chunks);
                case MountIdMap.Ranges r -> result.addAll(convertKind(kind, chunks, r.ranges().stream()
                        .filter(x -> x.kind() == kind).sorted(Comparator.comparingLong(MountIdRange::ctStart)).toList()));
            }
        }
        return List.copyOf(result);
    }

    private static List<IdMapEntry> convertKind(IdKind kind, List<IdMapEntry> chunks, List<MountIdRange> exceptions) {
        for (MountIdRange ex : exceptions) {
            long covered = 0;
            for (IdMapEntry c : chunks) {
                covered += Math.max(0, Math.min(ex.ctEnd(), c.ctEnd()) - Math.max(ex.ctStart(), c.ctStart()));
            }
            if (covered != ex.count()) {
                throw new IdMapException(IdMapException.MOUNT_IDMAP, "idmap entry '" + ex + "' names container " + kind + "ids that the container's "
                        + "id map does not map; mapped are: " + chunks.stream().map(IdMapEntry::toLxcValue).toList());
            }
        }
        List<Piece> pieces = new ArrayList<>();
        List<IdMapEntry> explicit = new ArrayList<>();
        for (IdMapEntry chunk : chunks) {
            long ct = chunk.ctStart();
            for (MountIdRange ex : exceptions) {
                if (ex.ctStart() >= chunk.ctEnd() || ex.ctEnd() <= chunk.ctStart()) continue;
                long clampedCt = Math.max(ex.ctStart(), chunk.ctStart());
                long clampedLen = Math.min(ex.ctEnd(), chunk.ctEnd()) - clampedCt;
                if (ct < clampedCt) pieces.add(new Identity(chunk.hostStart() + (ct - chunk.ctStart()), clampedCt - ct));
                IdMapEntry e = new IdMapEntry(kind, ex.diskStart() + (clampedCt - ex.ctStart()),
                        chunk.hostStart() + (clampedCt - chunk.ctStart()), clampedLen);
                explicit.add(e);
                pieces.add(new Explicit(e));
                ct = clampedCt + clampedLen;
            }
            if (ct < chunk.ctEnd()) pieces.add(new Identity(chunk.hostStart() + (ct - chunk.ctStart()), chunk.ctEnd() - ct));
        }
        List<IdMapEntry> claimed = explicit.stream().sorted(Comparator.comparingLong(IdMapEntry::ctStart)).toList();
        List<IdMapEntry> out = new ArrayList<>();
        for (Piece p : pieces) {
            switch (p) {
                case Explicit(IdMapEntry e) -> out.add(e);
                case Identity(long s, long n) -> {
                    long start = s;
                    long end = s + n;
                    for (IdMapEntry c : claimed) {
                        if (c.ctEnd() <= start || c.ctStart() >= end) continue;
                        if (c.ctStart() > start) out.add(new IdMapEntry(kind, start, start, c.ctStart() - start));
                        start = Math.max(start, c.ctEnd());
                    }
                    if (start < end) out.add(new IdMapEntry(kind, start, start, end - start));
                }
            }
        }
        return out;
    }
}
