package io.berth.ct.snapshot;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code pct listsnapshot}'s text output: the parent tree, roots and children ordered by snaptime with
 * {@code current} last, each line {@code PREFIX NAME TIME DESCRIPTION} with the name padded to column 30 minus the
 * prefix and the time to 23 characters, the description's first line or {@code no-description}.
 */
public final class SnapshotTree {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private SnapshotTree() {}

    public static String print(List<SnapshotService.Entry> entries, ZoneId zone) {
        Map<String, SnapshotService.Entry> byName = new LinkedHashMap<>();
        for (SnapshotService.Entry e : entries) byName.put(e.name(), e);
        Map<String, List<String>> children = new LinkedHashMap<>();
        List<String> roots = new ArrayList<>();
        for (SnapshotService.Entry e : entries) {
            if (e.parent().isPresent() && byName.containsKey(e.parent().get()))
                children.computeIfAbsent(e.parent().get(), k -> new ArrayList<>()).add(e.name());
            else
                roots.add(e.name());
        }
        Comparator<String> bySnaptime = (a, b) -> {
            var ta = byName.get(a).snaptime();
            var tb = byName.get(b).snaptime();
            if (ta.isEmpty()) return tb.isEmpty() ? 0 : 1;
            if (tb.isEmpty()) return -1;
            return Long.compare(ta.get(), tb.get());
        };
        StringBuilder out = new StringBuilder();
        roots.sort(bySnaptime);
        for (String root : roots) line(out, "`->", root, byName, children, bySnaptime, zone);
        return out.toString();
    }

    private static void line(StringBuilder out, String prefix, String name, Map<String, SnapshotService.Entry> byName,
                             Map<String, List<String>> children, Comparator<String> order, ZoneId zone) {
        SnapshotService.Entry e = byName.get(name);
        String description = e.description().isEmpty() ? "no-description" : e.description().split("\n", -1)[0];
        String time = e.snaptime().map(t -> TIME.format(Instant.ofEpochSecond(t).atZone(zone))).orElse("");
        int width = Math.max(0, 30 - prefix.length());
        out.append(prefix).append(' ').append(pad(name, width)).append(' ').append(pad(time, 23)).append(' ')
                .append(description).append('\n');
        List<String> kids = new ArrayList<>(children.getOrDefault(name, List.of()));
        kids.sort(order);
        for (String child : kids) line(out, " " + prefix, child, byName, children, order, zone);
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }
}
