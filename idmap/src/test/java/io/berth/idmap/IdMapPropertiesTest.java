package io.berth.idmap;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class IdMapPropertiesTest {

    /** Valid container maps: per kind, disjoint container ranges placed at shuffled disjoint host slots. */
    @Provide Arbitrary<IdMap> validMaps() {
        Arbitrary<List<IdMapEntry>> perKind = Arbitraries.integers().between(1, 5).flatMap(n ->
                Combinators.combine(Arbitraries.integers().between(1, 300).list().ofSize(n),
                        Arbitraries.integers().between(0, 50).list().ofSize(n),
                        Arbitraries.integers().between(0, 100000).list().ofSize(n).uniqueElements())
                        .as((lens, gaps, hostSlots) -> {
                            List<IdMapEntry> es = new ArrayList<>();
                            long ct = 0;
                            for (int i = 0; i < n; i++) {
                                ct += gaps.get(i);
                                // host slots are 1000 apart, counts <= 300: never overlapping
                                es.add(new IdMapEntry(IdKind.UID, ct, 100000 + hostSlots.get(i) * 1000L, lens.get(i)));
                                ct += lens.get(i);
                            }
                            return es;
                        }));
        return Combinators.combine(perKind, perKind).as((u, g) -> {
            List<IdMapEntry> all = new ArrayList<>(u);
            for (IdMapEntry e : g) all.add(new IdMapEntry(IdKind.GID, e.ctStart(), e.hostStart(), e.count()));
            return IdMap.of(all);
        }).injectNull(0.05).map(m -> m == null ? IdMap.empty() : m);
    }

    @Provide Arbitrary<List<IdMapEntry>> smallEntries() {
        return Combinators.combine(Arbitraries.of(IdKind.values()), Arbitraries.longs().between(0, 60),
                        Arbitraries.longs().between(0, 60), Arbitraries.longs().between(1, 15))
                .as(IdMapEntry::new).list().ofMaxSize(6);
    }

    @Property(tries = 300)
    void everyMappedContainerIdGoesToExactlyOneHostId(@ForAll("validMaps") IdMap m) {
        m.validate();
        for (IdKind k : IdKind.values()) {
            for (IdMapEntry e : m.entries(k)) {
                for (long id : List.of(e.ctStart(), e.ctStart() + e.count() / 2, e.ctEnd() - 1)) {
                    long matches = m.entries(k).stream().filter(x -> x.containsCt(id)).count();
                    assertThat(matches).isEqualTo(1);
                    assertThat(m.toHost(k, id)).hasValue(e.hostStart() + id - e.ctStart());
                }
            }
        }
    }

    @Property(tries = 500)
    void overlapDetectionMatchesBruteForce(@ForAll("smallEntries") List<IdMapEntry> entries) {
        IdMap m = IdMap.of(entries);
        int expected = 0;
        for (int i = 0; i < entries.size(); i++) {
            for (int j = i + 1; j < entries.size(); j++) {
                IdMapEntry a = entries.get(i);
                IdMapEntry b = entries.get(j);
                if (a.kind() != b.kind()) continue;
                if (shareId(a.ctStart(), a.count(), b.ctStart(), b.count())) expected++;
                if (shareId(a.hostStart(), a.count(), b.hostStart(), b.count())) expected++;
            }
        }
        assertThat(m.overlapProblems()).hasSize(expected);
    }

    private static boolean shareId(long s1, long n1, long s2, long n2) {
        for (long x = s1; x < s1 + n1; x++) if (x >= s2 && x < s2 + n2) return true;
        return false;
    }

    @Provide Arbitrary<List<MountIdRange>> mountRanges() {
        return Combinators.combine(Arbitraries.of(IdKind.values()), Arbitraries.longs().between(0, 2000),
                        Arbitraries.longs().between(0, 300000), Arbitraries.longs().between(1, 200))
                .as(MountIdRange::new).list().ofMinSize(1).ofMaxSize(4);
    }

    @Property(tries = 500)
    void convertedMapIsABijectionConsistentWithBothMaps(@ForAll("validMaps") IdMap ct, @ForAll("mountRanges") List<MountIdRange> ranges) {
        MountIdMap.Ranges mp;
        try {
            mp = new MountIdMap.Ranges(ranges);
        } catch (IdMapException overlapping) {
            return;
        }
        List<IdMapEntry> r;
        try {
            r = MountIdMap.diskToHost(mp, ct);
        } catch (IdMapException unmapped) {
            // refused only if some range names a container id the map does not map
            assertThat(ranges.stream().anyMatch(x -> ct.toHost(x.kind(), x.ctStart()).isEmpty()
                    || ct.toHost(x.kind(), x.ctEnd() - 1).isEmpty() || !fullyMapped(ct, x))).isTrue();
            return;
        }
        for (IdKind k : IdKind.values()) {
            List<IdMapEntry> es = r.stream().filter(e -> e.kind() == k).toList();
            for (int i = 0; i < es.size(); i++) {
                for (int j = i + 1; j < es.size(); j++) {
                    IdMapEntry a = es.get(i);
                    IdMapEntry b = es.get(j);
                    assertThat(a.ctStart() < b.ctEnd() && b.ctStart() < a.ctEnd()).as("disk overlap %s %s", a, b).isFalse();
                    assertThat(a.hostStart() < b.hostEnd() && b.hostStart() < a.hostEnd()).as("host overlap %s %s", a, b).isFalse();
                }
            }
        }
        // every explicitly mapped container id: its disk id shows as its host id
        for (MountIdRange x : ranges) {
            for (long c : List.of(x.ctStart(), x.ctEnd() - 1)) {
                long host = ct.toHost(x.kind(), c).orElseThrow();
                long disk = x.diskStart() + (c - x.ctStart());
                assertThat(lookup(r, x.kind(), disk)).as("disk %d", disk).isEqualTo(host);
            }
        }
        // every host id of the container not claimed as a disk id by an explicit range is still mapped identically
        if (!ct.isEmpty()) {
            for (IdMapEntry chunk : ct.entries()) {
                long c = chunk.ctStart();
                boolean explicit = ranges.stream().anyMatch(x -> x.kind() == chunk.kind() && c >= x.ctStart() && c < x.ctEnd());
                long host = chunk.hostStart();
                boolean claimed = ranges.stream().anyMatch(x -> x.kind() == chunk.kind() && host >= x.diskStart()
                        && host < x.diskStart() + x.count());
                if (!explicit && !claimed) assertThat(lookup(r, chunk.kind(), host)).isEqualTo(host);
            }
        }
    }

    private static boolean fullyMapped(IdMap ct, MountIdRange x) {
        for (long c = x.ctStart(); c < x.ctEnd(); c++) if (ct.toHost(x.kind(), c).isEmpty()) return false;
        return true;
    }

    private static long lookup(List<IdMapEntry> r, IdKind k, long disk) {
        List<IdMapEntry> hits = r.stream().filter(e -> e.kind() == k && e.containsCt(disk)).toList();
        assertThat(hits).as("entries containing disk id %d", disk).hasSize(1);
        return hits.getFirst().hostStart() + disk - hits.getFirst().ctStart();
    }
}
