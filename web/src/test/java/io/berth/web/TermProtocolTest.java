package io.berth.web;

import io.berth.web.console.TermProtocol;
import io.berth.web.console.TermProtocol.Input;
import io.berth.web.console.TermProtocol.Ping;
import io.berth.web.console.TermProtocol.Resize;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TermProtocolTest {
    private static byte[] b(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    @Test
    void inputLengthCountsUtf8BytesAndMayContainColons() {
        assertThat(TermProtocol.parse(b("0:5:a:b\u00e9"))).containsExactly(new Input(b("a:b\u00e9")));
        assertThat(TermProtocol.parse(b("0:1:\u0003"))).containsExactly(new Input(new byte[]{3}));
    }

    @Test
    void severalMessagesInOne() {
        assertThat(TermProtocol.parse(b("1:120:40:20:2:hi")))
                .containsExactly(new Resize(120, 40), new Ping(), new Input(b("hi")));
    }

    @Test
    void malformedMessagesNameTheOffset() {
        assertThatThrownBy(() -> TermProtocol.parse(b("0:9:abc"))).hasMessageContaining("announces 9 bytes, has 3");
        assertThatThrownBy(() -> TermProtocol.parse(b("1:80:x:"))).hasMessageContaining("expected a number at offset 5");
        assertThatThrownBy(() -> TermProtocol.parse(b("7"))).hasMessageContaining("unknown message type '7' at offset 0");
        assertThatThrownBy(() -> TermProtocol.parse(b("1:0:24:"))).hasMessageContaining("0x24 out of range");
    }
}
