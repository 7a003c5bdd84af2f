package io.berth.storage;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ToolOutputParsingTest {
    @Test
    void parsesBtrfsQgroupShowRaw() {
        String out = """
                Qgroupid    Referenced    Exclusive  Max referenced   Path\s
                --------    ----------    ---------  --------------   ----\s
                0/5              16384        16384            none   <toplevel>
                0/256            16384        16384       104857600   images/100/subvol-100-disk-0
                0/257                0            0            none   <stale>
                """;
        var q = BtrfsStorage.parseQgroups(out);
        assertThat(q).hasSize(3);
        assertThat(q.get(256L)).isEqualTo(new BtrfsStorage.Qgroup(16384, 104857600));
        assertThat(q.get(257L).limit()).isZero();
    }

    @Test
    void parsesLvsAndFindsDiskNumbersOfAVmid() {
        String out = """
                  pool;209715200;;12.50;twi-a-tz--
                  vm-100-disk-0;104857600;pool;3.10;Vwi-a-tz--
                  vm-100-disk-2;104857600;pool;0.00;Vwi---tz--
                  snap_vm-100-disk-0_s1;104857600;pool;3.10;Vri---tz-k
                  vm-101-disk-0;4194304;pool;;Vwi-a-tz--
                  data;1;;;-wi-a-----
                """;
        List<Lvm.Lv> lvs = Lvm.parseLvs(out);
        assertThat(lvs).hasSize(6);
        assertThat(lvs.get(1)).isEqualTo(new Lvm.Lv("vm-100-disk-0", 104857600, "pool", 3.10, "Vwi-a-tz--"));
        assertThat(lvs.get(1).active()).isTrue();
        assertThat(lvs.get(2).active()).isFalse();
        var names = LvmThinStorage.namesOf(lvs, OptionalInt.of(100));
        assertThat(names).extracting(VolumeName::toString)
                .containsExactly("vm-100-disk-0", "vm-100-disk-2", "snap_vm-100-disk-0_s1");
        assertThat(ImageDirectory.nextFree(names)).isEqualTo(1);
        assertThatThrownBy(() -> Lvm.parseLvs("x;notanumber;p;1;a")).hasMessageContaining("x;notanumber");
    }

    @Test
    void nextFreeDiskNumberFillsGapsAcrossLayouts() {
        List<VolumeName> used = List.of(VolumeName.parse("100/vm-100-disk-0.raw"), VolumeName.parse("subvol-100-disk-1"),
                VolumeName.parse("subvol-100-disk-3@snap"));
        assertThat(ImageDirectory.nextFree(used)).isEqualTo(2);
        assertThat(ImageDirectory.nextFree(List.of())).isZero();
    }
}
