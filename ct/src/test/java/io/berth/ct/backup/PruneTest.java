package io.berth.ct.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Proxmox's retention selection, worked through by hand on backup times. */
class PruneTest {
    private static Prune.Entry e(String time) { return e(time, false); }

    private static Prune.Entry e(String time, boolean prot) {
        return new Prune.Entry(time, LocalDateTime.parse(time), prot);
    }

    private static List<String> kept(List<Prune.Entry> group, String opts) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<Prune.Entry, Prune.Mark> m : Prune.mark(group, PruneOptions.parse(opts)).entrySet()) {
            if (m.getValue() != Prune.Mark.REMOVE) out.add(m.getKey().id());
        }
        return out;
    }

    private final List<Prune.Entry> group = List.of(
            e("2024-01-01T10:00:00"), e("2024-01-01T12:00:00"), e("2024-01-02T09:00:00"), e("2024-01-02T18:30:00"),
            e("2024-01-08T08:00:00"), e("2024-02-15T08:00:00"), e("2024-03-01T08:00:00"), e("2023-12-31T23:00:00"));

    @Test
    void keepLastKeepsTheNewest() {
        assertThat(kept(group, "keep-last=3")).containsExactly("2024-03-01T08:00:00", "2024-02-15T08:00:00", "2024-01-08T08:00:00");
    }

    @Test
    void keepDailyKeepsTheNewestOfEachDay() {
        assertThat(kept(group, "keep-daily=3")).containsExactly("2024-03-01T08:00:00", "2024-02-15T08:00:00", "2024-01-08T08:00:00");
        assertThat(kept(group, "keep-daily=5")).containsExactly("2024-03-01T08:00:00", "2024-02-15T08:00:00", "2024-01-08T08:00:00",
                "2024-01-02T18:30:00", "2024-01-01T12:00:00");
    }

    @Test
    void laterOptionsSkipPeriodsAnEarlierOneCovered() {
        // keep-last=1 keeps 03-01 (month 2024/3); keep-monthly=2 then adds 2024/2 and 2024/1 (its newest: 01-08)
        assertThat(kept(group, "keep-last=1,keep-monthly=2")).containsExactly("2024-03-01T08:00:00", "2024-02-15T08:00:00",
                "2024-01-08T08:00:00");
        assertThat(kept(group, "keep-yearly=2")).containsExactly("2024-03-01T08:00:00", "2023-12-31T23:00:00");
        // ISO weeks: 2023-12-31 is week 52 of 2023, 2024-01-01/02 week 1, 01-08 week 2
        assertThat(kept(group, "keep-weekly=4")).containsExactly("2024-03-01T08:00:00", "2024-02-15T08:00:00",
                "2024-01-08T08:00:00", "2024-01-02T18:30:00");
        // each option only considers backups older than what earlier options kept (Proxmox's documented order)
        assertThat(kept(group, "keep-hourly=1,keep-daily=1")).containsExactly("2024-03-01T08:00:00", "2024-02-15T08:00:00");
    }

    @Test
    void protectedBackupsStayAndDoNotCount() {
        List<Prune.Entry> g = List.of(e("2024-01-01T10:00:00", true), e("2024-01-02T10:00:00"), e("2024-01-03T10:00:00"),
                e("2024-01-04T10:00:00", true));
        Map<Prune.Entry, Prune.Mark> m = Prune.mark(g, PruneOptions.parse("keep-last=1"));
        assertThat(m.values()).containsExactly(Prune.Mark.PROTECTED, Prune.Mark.KEEP, Prune.Mark.REMOVE, Prune.Mark.PROTECTED);
    }

    @Test
    void keepAllOrNothingPositiveKeepsEverything() {
        assertThat(kept(group, "keep-all=1")).hasSize(group.size());
        assertThat(kept(group, "keep-last=0")).hasSize(group.size());
        assertThat(kept(group, "")).hasSize(group.size());
    }

    @Test
    void badOptionsAreNamed() {
        assertThatThrownBy(() -> PruneOptions.parse("keep-lats=1")).hasMessageContaining("keep-lats").hasMessageContaining("keep-last");
        assertThatThrownBy(() -> PruneOptions.parse("keep-last=x")).hasMessageContaining("keep-last='x'");
        assertThatThrownBy(() -> PruneOptions.parse("keep-last=-1")).hasMessageContaining("integer >= 0");
        assertThatThrownBy(() -> PruneOptions.parse("keep-all=1,keep-last=2")).hasMessageContaining("keep-all cannot");
    }

    @Test
    void archiveNamesRoundTrip() {
        ArchiveName n = ArchiveName.of(7001, LocalDateTime.parse("2024-05-06T07:08:09"), Compression.ZSTD);
        assertThat(n.fileName()).isEqualTo("vzdump-lxc-7001-2024_05_06-07_08_09.tar.zst");
        assertThat(n.logName()).isEqualTo("vzdump-lxc-7001-2024_05_06-07_08_09.log");
        assertThat(n.notesName()).isEqualTo("vzdump-lxc-7001-2024_05_06-07_08_09.tar.zst.notes");
        assertThat(ArchiveName.parse(n.fileName())).contains(n);
        assertThat(ArchiveName.parse("vzdump-lxc-100-2024_01_01-00_00_00.tar.gz").orElseThrow().compression()).isEqualTo(Compression.GZIP);
        assertThat(ArchiveName.parse("vzdump-lxc-100-2024_01_01-00_00_00.tar").orElseThrow().compression()).isEqualTo(Compression.NONE);
        assertThat(ArchiveName.parse("vzdump-lxc-100-2024_13_01-00_00_00.tar")).isEmpty();
        assertThat(ArchiveName.parse("other.tar.zst")).isEmpty();
    }
}
