package io.berth.ct.storage;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SizeSpecTest {
    @Test
    void parsesRelativeAndAbsoluteSizes() {
        assertThat(SizeSpec.parse("+1G")).isEqualTo(new SizeSpec(true, 1L << 30));
        assertThat(SizeSpec.parse("8G")).isEqualTo(new SizeSpec(false, 8L << 30));
        assertThat(SizeSpec.parse("1.5M")).isEqualTo(new SizeSpec(false, 3L << 19));
        assertThat(SizeSpec.parse("4096")).isEqualTo(new SizeSpec(false, 4096));
        assertThat(SizeSpec.parse("+1G").target(2L << 30)).isEqualTo(3L << 30);
        assertThat(SizeSpec.parse("8G").target(2L << 30)).isEqualTo(8L << 30);
    }

    @Test
    void refusesOtherSyntaxNamingTheValue() {
        for (String bad : new String[] {"", "-1G", "+", "1g", "1GB", "G", "1 G", "++1G"})
            assertThatThrownBy(() -> SizeSpec.parse(bad)).isInstanceOf(io.berth.error.InvalidInputException.class)
                    .hasMessageContaining("'" + bad + "'").hasMessageContaining("[+]NUMBER[K|M|G|T]");
    }

    @Property
    void roundingUpToBlocksNeverShrinksAndStaysWithinOneBlock(@ForAll @LongRange(min = 0, max = 1L << 50) long bytes) {
        long r = ResizeService.roundUp(bytes);
        assertThat(r).isGreaterThanOrEqualTo(bytes).isLessThan(bytes + ResizeService.BLOCK);
        assertThat(r % ResizeService.BLOCK).isZero();
    }
}
