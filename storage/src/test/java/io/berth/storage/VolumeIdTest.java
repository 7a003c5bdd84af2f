package io.berth.storage;

import io.berth.error.InvalidInputException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class VolumeIdTest {

    @Test
    void parsesTheProxmoxVolumeIdForms() {
        VolumeId raw = VolumeId.parse("local:100/vm-100-disk-0.raw");
        assertThat(raw.storage()).isEqualTo("local");
        assertThat(raw.name().layout()).isEqualTo(VolumeName.Layout.IMAGE_FILE);
        assertThat(raw.ownerVmid()).isEqualTo(100);
        assertThat(raw.format()).isEqualTo(VolumeFormat.RAW);
        assertThat(raw.name().fileName()).isEqualTo("vm-100-disk-0.raw");

        VolumeId subvol = VolumeId.parse("local:subvol-100-disk-3");
        assertThat(subvol.name().layout()).isEqualTo(VolumeName.Layout.SUBVOL);
        assertThat(subvol.name().disk()).isEqualTo(3);
        assertThat(subvol.format()).isEqualTo(VolumeFormat.SUBVOL);

        VolumeId lv = VolumeId.parse("thin:vm-12345-disk-10");
        assertThat(lv.name().layout()).isEqualTo(VolumeName.Layout.LV);
        assertThat(lv.ownerVmid()).isEqualTo(12345);
        assertThat(lv.format()).isEqualTo(VolumeFormat.RAW);

        assertThat(VolumeId.parse("b-1:subvol-100-disk-0@before_upgrade").snapshot()).contains("before_upgrade");
        VolumeId lvSnap = VolumeId.parse("thin:snap_vm-100-disk-0_snap1");
        assertThat(lvSnap.snapshot()).contains("snap1");
        assertThat(lvSnap.name().base().fileName()).isEqualTo("vm-100-disk-0");
    }

    @Test
    void badVolumeIdsAreRefusedNamingValueAndAllowedForms() {
        assertThatThrownBy(() -> VolumeId.parse("vm-100-disk-0"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("'vm-100-disk-0'").hasMessageContaining("STORAGE:NAME");
        assertThatThrownBy(() -> VolumeId.parse("local:100/vm-101-disk-0.raw"))
                .hasMessageContaining("'100/vm-101-disk-0.raw'").hasMessageContaining("allowed");
        assertThatThrownBy(() -> VolumeId.parse("local:vm-99-disk-0"))
                .hasMessageContaining("vmid 100..999999999");
        assertThatThrownBy(() -> VolumeId.parse("1local:vm-100-disk-0"))
                .hasMessageContaining("invalid storage id '1local'");
        assertThatThrownBy(() -> VolumeId.parse("local:subvol-100-disk-01"))
                .hasMessageContaining("invalid volume name");
        assertThatThrownBy(() -> VolumeId.parse("local:subvol-100-disk-0@1bad"))
                .hasMessageContaining("invalid volume name");
        assertThatThrownBy(() -> VolumeId.parse("local:/srv/data")).isInstanceOf(InvalidInputException.class)
                .satisfies(e -> assertThat(((InvalidInputException) e).paramErrors().getFirst().param()).isEqualTo("volume"));
    }

    @Test
    void newDiskSyntaxRoundsDownToWholeMiBLikeProxmox() {
        assertThat(NewDisk.parse("local:8")).isEqualTo(new NewDisk("local", 8L << 30));
        assertThat(NewDisk.parse("local:0.5")).isEqualTo(new NewDisk("local", 512L << 20));
        assertThat(NewDisk.parse("local:0")).satisfies(d -> assertThat(d.isSubvol()).isTrue());
        // int(0.0001 * 1024) = 0 MiB, as Proxmox computes it
        assertThat(NewDisk.parse("thin:0.0001").sizeBytes()).isZero();
        assertThat(NewDisk.parse("thin:1.0009765625").sizeBytes()).isEqualTo(1025L << 20);
        assertThat(NewDisk.tryParse("local:100/vm-100-disk-0.raw")).isEmpty();
        assertThat(NewDisk.looksLikeNewDisk("local:subvol-100-disk-0")).isFalse();
        assertThatThrownBy(() -> NewDisk.parse("local:-1")).hasMessageContaining("'local:-1'").hasMessageContaining("STORAGE:SIZE_GB");
        assertThatThrownBy(() -> NewDisk.parse("local:99999999999999")).hasMessageContaining("at most");
        assertThatThrownBy(() -> NewDisk.parse("-x:1")).hasMessageContaining("invalid storage id '-x'");
    }

    @Provide
    Arbitrary<VolumeId> volumeIds() {
        Arbitrary<String> storage = Arbitraries.strings().withChars("abcxyz019-_.").ofMinLength(0).ofMaxLength(8)
                .map(s -> "s" + s + "0");
        Arbitrary<Integer> vmid = Arbitraries.integers().between(VolumeName.MIN_VMID, VolumeName.MAX_VMID);
        Arbitrary<Integer> disk = Arbitraries.integers().between(0, Integer.MAX_VALUE);
        Arbitrary<VolumeName.Layout> layout = Arbitraries.of(VolumeName.Layout.class);
        Arbitrary<Optional<String>> snap = Arbitraries.strings().withChars("abcZ09_-").ofMaxLength(20)
                .map(s -> "s" + s).optional();
        return Combinators.combine(storage, vmid, disk, layout, snap).as((s, v, d, l, sn) ->
                new VolumeId(s, new VolumeName(l, v, d, l == VolumeName.Layout.IMAGE_FILE ? Optional.empty() : sn)));
    }

    @Property
    void printThenParseGivesTheSameVolumeId(@ForAll("volumeIds") VolumeId id) {
        VolumeId back = VolumeId.parse(id.toString());
        assertThat(back).isEqualTo(id);
        assertThat(back.toString()).isEqualTo(id.toString());
        assertThat(back.ownerVmid()).isEqualTo(id.name().vmid());
    }

    @Property
    void parsingArbitraryTextEitherSucceedsCanonicallyOrFailsAsInvalidInput(@ForAll String text) {
        try {
            VolumeId id = VolumeId.parse(text);
            assertThat(id.toString()).isEqualTo(text);
        } catch (InvalidInputException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    @Property
    void newDiskSizeIsWholeMiBBelowTheRequest(@ForAll @IntRange(min = 0, max = 4096) int mib, @ForAll @IntRange(min = 0, max = 999) int frac) {
        String gb = (mib / 1024) + "." + String.format("%03d", frac);
        NewDisk d = NewDisk.parse("local:" + gb);
        double exactMib = Double.parseDouble(gb) * 1024;
        assertThat(d.sizeBytes() % (1 << 20)).isZero();
        assertThat(d.sizeBytes() >> 20).isBetween((long) Math.floor(exactMib) - 1, (long) Math.floor(exactMib));
    }
}
