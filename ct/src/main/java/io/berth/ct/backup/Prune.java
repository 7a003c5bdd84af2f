package io.berth.ct.backup;

import java.time.LocalDateTime;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Proxmox's prune selection ({@code prune_mark_backup_group}): newest first; each keep option in turn keeps the
 * newest backup of each period (last: each backup; hourly, daily, ISO week, month, year) not yet covered, until it
 * has kept its count; protected backups are never removed and never count. Everything unmarked is removed.
 */
public final class Prune {
    private Prune() {}

    public enum Mark { KEEP, REMOVE, PROTECTED }

    /** One backup of a group (same type and vmid) with its time (from the name) and protection. */
    public record Entry(String id, LocalDateTime time, boolean protectedFlag) {}

    public static Map<Entry, Mark> mark(List<Entry> group, PruneOptions keep) {
        List<Entry> sorted = new ArrayList<>(group);
        sorted.sort(Comparator.comparing(Entry::time).reversed());
        Map<Entry, Mark> marks = new LinkedHashMap<>();
        for (Entry e : sorted) if (e.protectedFlag()) marks.put(e, Mark.PROTECTED);
        if (keep.keepsEverything()) {
            for (Entry e : sorted) marks.putIfAbsent(e, Mark.KEEP);
            return ordered(sorted, marks);
        }
        markPeriod(sorted, marks, keep.last(), e -> e.time().toString());
        markPeriod(sorted, marks, keep.hourly(), e -> { LocalDateTime t = e.time(); return t.getYear() + "/" + t.getDayOfYear() + "/" + t.getHour(); });
        markPeriod(sorted, marks, keep.daily(), e -> { LocalDateTime t = e.time(); return t.getYear() + "/" + t.getDayOfYear(); });
        markPeriod(sorted, marks, keep.weekly(), e -> { LocalDateTime t = e.time(); return t.get(IsoFields.WEEK_BASED_YEAR) + "/" + t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR); });
        markPeriod(sorted, marks, keep.monthly(), e -> { LocalDateTime t = e.time(); return t.getYear() + "/" + t.getMonthValue(); });
        markPeriod(sorted, marks, keep.yearly(), e -> { LocalDateTime t = e.time(); return Integer.toString(t.getYear()); });
        for (Entry e : sorted) marks.putIfAbsent(e, Mark.REMOVE);
        return ordered(sorted, marks);
    }

    private static Map<Entry, Mark> ordered(List<Entry> sorted, Map<Entry, Mark> marks) {
        Map<Entry, Mark> out = new LinkedHashMap<>();
        for (Entry e : sorted) out.put(e, marks.get(e));
        return out;
    }

    private static void markPeriod(List<Entry> sorted, Map<Entry, Mark> marks, int count, Function<Entry, String> period) {
        if (count <= 0) return;
        // periods already covered by a backup an earlier option kept
        Set<String> already = new HashSet<>();
        for (Entry e : sorted) if (marks.get(e) == Mark.KEEP) already.add(periodOf(e, period));
        Set<String> added = new HashSet<>();
        for (Entry e : sorted) {
            if (marks.containsKey(e)) continue;
            String id = periodOf(e, period);
            if (already.contains(id)) continue;
            if (!added.contains(id)) {
                if (added.size() >= count) break;
                added.add(id);
                marks.put(e, Mark.KEEP);
            } else {
                marks.put(e, Mark.REMOVE);
            }
        }
    }

    private static String periodOf(Entry e, Function<Entry, String> period) {
        return period.apply(e);
    }
}
