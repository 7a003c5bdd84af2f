package io.berth.idmap;

import static io.berth.idmap.IdKind.GID;
import static io.berth.idmap.IdKind.UID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class IdMapTest {
    @Test void parsesLxcValuesAndFindsRoot() {
        IdMap m = IdMap.parseLxcIdmaps(List.of("u 0 100000 65536", "g 0 200000 65536"));
        assertThat(m.rootUid()).isEqualTo(100000);
        assertThat(m.rootGid()).isEqualTo(200000);
        assertThat(m.toHost(UID, 1000)).hasValue(101000);
        assertThat(m.toHost(UID, 65536)).isEmpty();
        assertThat(IdMap.unprivilegedDefault().entries()).extracting(IdMapEntry::toLxcValue)
                .containsExactly("u 0 100000 65536", "g 0 100000 65536");
        assertThat(IdMap.empty().toHost(GID, 42)).hasValue(42);
        assertThat(IdMap.empty().rootUid()).isZero();
    }

    @Test void rejectsMalformedValues() {
        assertThatThrownBy(() -> IdMap.parseLxcIdmaps(List.of("x 0 1 2"))).isInstanceOf(IdMapException.class)
                .hasMessageContaining("'x 0 1 2'");
        assertThatThrownBy(() -> IdMap.parseLxcIdmaps(List.of("u 0 100000 0"))).hasMessageContaining("count");
        assertThatThrownBy(() -> IdMap.parseLxcIdmaps(List.of("u 4294967290 0 10"))).hasMessageContaining("0..4294967294");
    }

    @Test void validateReportsAllOverlappingPairsNotOnlyNeighbours() {
        // the first entry covers both later ones; a neighbour-only check would miss (a, c)
        IdMap m = IdMap.parseLxcIdmaps(List.of("u 0 100000 1000", "u 10 300000 5", "u 20 400000 5", "g 0 100000 10", "g 10 100005 10"));
        assertThatThrownBy(m::validate).isInstanceOf(IdMapException.class)
                .hasMessageContaining("'u 0 100000 1000' and 'u 10 300000 5' overlap on the container side")
                .hasMessageContaining("'u 0 100000 1000' and 'u 20 400000 5' overlap on the container side")
                .hasMessageContaining("'g 0 100000 10' and 'g 10 100005 10' overlap on the host side");
        assertThat(m.overlapProblems()).hasSize(3);
    }

    @Test void seedExamplePassesThroughOneId() {
        MountIdMap mp = MountIdMap.parse("u:1005:1005:1 g:1005:1005:1");
        List<IdMapEntry> r = MountIdMap.diskToHost(mp, IdMap.unprivilegedDefault());
        assertThat(r).containsExactly(
                new IdMapEntry(UID, 100000, 100000, 1005), new IdMapEntry(UID, 1005, 101005, 1),
                new IdMapEntry(UID, 101006, 101006, 64530),
                new IdMapEntry(GID, 100000, 100000, 1005), new IdMapEntry(GID, 1005, 101005, 1),
                new IdMapEntry(GID, 101006, 101006, 64530));
    }

    @Test void rangeAcrossSeveralChunksUsesEachChunksHostOffset() {
        IdMap ct = IdMap.parseLxcIdmaps(List.of("u 0 100000 1000", "u 1000 500000 1000", "g 0 100000 2000"));
        MountIdMap mp = MountIdMap.parse("u:990:7000:20");
        List<IdMapEntry> r = MountIdMap.diskToHost(mp, ct);
        assertThat(r).containsExactly(
                new IdMapEntry(UID, 100000, 100000, 990), new IdMapEntry(UID, 7000, 100990, 10),
                new IdMapEntry(UID, 7010, 500000, 10), new IdMapEntry(UID, 500010, 500010, 990),
                new IdMapEntry(GID, 100000, 100000, 2000));
    }

    @Test void passthroughIsTheContainerMapAndPrivilegedIsIdentity() {
        IdMap ct = IdMap.unprivilegedDefault();
        assertThat(MountIdMap.diskToHost(MountIdMap.parse("passthrough"), ct)).isEqualTo(ct.entries());
        List<IdMapEntry> priv = MountIdMap.diskToHost(MountIdMap.parse("u:1000:2000:1"), IdMap.empty());
        // ct 1000 is stored as disk 2000; ct 2000 (host 2000) loses its disk id, which the explicit range claims
        assertThat(priv).contains(new IdMapEntry(UID, 2000, 1000, 1), new IdMapEntry(UID, 0, 0, 1000),
                new IdMapEntry(UID, 1001, 1001, 999), new IdMapEntry(UID, 2001, 2001, IdMapEntry.ID_LIMIT - 2001),
                new IdMapEntry(GID, 0, 0, IdMapEntry.ID_LIMIT));
    }

    @Test void refusesRangesTheContainerDoesNotMapAndBadSyntax() {
        assertThatThrownBy(() -> MountIdMap.diskToHost(MountIdMap.parse("u:65530:1:10"), IdMap.unprivilegedDefault()))
                .isInstanceOf(IdMapException.class).hasMessageContaining("u:65530:1:10");
        assertThatThrownBy(() -> MountIdMap.parse("u:1:2")).hasMessageContaining("'u:1:2'").hasMessageContaining("passthrough");
        assertThatThrownBy(() -> MountIdMap.parse("u:1:2:0")).hasMessageContaining("count");
        assertThatThrownBy(() -> MountIdMap.parse("u:0:0:10 u:5:100:10")).hasMessageContaining("container side");
        assertThatThrownBy(() -> MountIdMap.parse("g:0:0:10 g:100:5:10")).hasMessageContaining("disk side");
        assertThatThrownBy(() -> MountIdMap.parse("u:0:0:1  g:0:0:1")).isInstanceOf(IdMapException.class);
        assertThat(MountIdMap.parse("u:0:0:1 g:0:0:1").format()).isEqualTo("u:0:0:1 g:0:0:1");
    }
}
