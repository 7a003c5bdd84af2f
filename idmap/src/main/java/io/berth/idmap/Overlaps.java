package io.berth.idmap;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/** Overlap detection of id ranges, reporting every overlapping pair (not only sorted neighbours). */
final class Overlaps {
    private Overlaps() {}

    record Range<T>(T owner, long start, long count) {
        long end() { return start + count; }
    }

    /**
     * All pairs of ranges that overlap. Sorting by start and then scanning forward while the next range
     * starts before the current end finds every pair, including a long range covering several later ones.
     */
    static <T> List<List<T>> pairs(List<T> items, Function<T, Range<T>> toRange) {
        List<Range<T>> ranges = new ArrayList<>(items.stream().map(toRange).toList());
        ranges.sort(Comparator.comparingLong(Range::start));
        List<List<T>> out = new ArrayList<>();
        for (int i = 0; i < ranges.size(); i++) {
            Range<T> a = ranges.get(i);
            for (int j = i + 1; j < ranges.size() && ranges.get(j).start() < a.end(); j++) {
                out.add(List.of(a.owner(), ranges.get(j).owner()));
            }
        }
        return out;
    }
}
