package io.berth.lxc.socket;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class LxcSocketNamesTest {
    @Test
    void fnv1aMatchesTheReferenceVectors() {
        // published FNV-1a 64 test vectors
        assertThat(LxcSocketNames.fnv1a64(new byte[0])).isEqualTo(0xcbf29ce484222325L);
        assertThat(LxcSocketNames.fnv1a64("a".getBytes(StandardCharsets.US_ASCII))).isEqualTo(0xaf63dc4c8601ec8cL);
        assertThat(LxcSocketNames.fnv1a64("foobar".getBytes(StandardCharsets.US_ASCII))).isEqualTo(0x85944171f73967e8L);
    }

    @Test
    void namesUpTo105BytesArePlainLongerOnesHashed() {
        String p105 = "/" + "x".repeat(105 - "/".length() - "/c/command".length());
        assertThat(LxcSocketNames.command(p105, "c")).isEqualTo(p105 + "/c/command").hasSize(105);
        String p106 = p105 + "y";
        assertThat(LxcSocketNames.command(p106, "c")).matches("lxc/[0-9a-f]{16}/command");
        assertThat(LxcSocketNames.command("/var/lib/lxc", "100")).isEqualTo("/var/lib/lxc/100/command");
    }
}
