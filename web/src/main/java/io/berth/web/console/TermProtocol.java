package io.berth.web.console;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The client-to-server messages of Proxmox's termproxy protocol (what the PVE xterm.js client sends):
 * {@code 0:<length>:<data>} keyboard input ({@code length} in UTF-8 bytes), {@code 1:<cols>:<rows>:} resize,
 * {@code 2} keep-alive. One WebSocket message may carry several; anything else is rejected as a whole.
 */
public final class TermProtocol {
    private TermProtocol() {}

    public sealed interface Message permits Input, Resize, Ping {}
    public record Input(byte[] data) implements Message {
        @Override public boolean equals(Object o) { return o instanceof Input i && Arrays.equals(data, i.data); }
        @Override public int hashCode() { return Arrays.hashCode(data); }
        @Override public String toString() { return "Input[" + new String(data, StandardCharsets.UTF_8) + "]"; }
    }
    public record Resize(int cols, int rows) implements Message {}
    public record Ping() implements Message {}

    public static final class ProtocolException extends RuntimeException {
        ProtocolException(String m) { super(m); }
    }

    /** Parses every message in {@code msg}; throws {@link ProtocolException} naming the offset of the first bad byte. */
    public static List<Message> parse(byte[] msg) {
        List<Message> out = new ArrayList<>();
        int i = 0;
        while (i < msg.length) {
            byte type = msg[i];
            switch (type) {
                case '0' -> {
                    int[] len = number(msg, expectColon(msg, i + 1));
                    int start = expectColon(msg, len[1]);
                    if (len[0] > msg.length - start)
                        throw new ProtocolException("input message at " + i + " announces " + len[0] + " bytes, has " + (msg.length - start));
                    out.add(new Input(Arrays.copyOfRange(msg, start, start + len[0])));
                    i = start + len[0];
                }
                case '1' -> {
                    int[] cols = number(msg, expectColon(msg, i + 1));
                    int[] rows = number(msg, expectColon(msg, cols[1]));
                    i = expectColon(msg, rows[1]);
                    if (cols[0] < 1 || rows[0] < 1 || cols[0] > 4096 || rows[0] > 4096)
                        throw new ProtocolException("terminal size " + cols[0] + "x" + rows[0] + " out of range 1..4096");
                    out.add(new Resize(cols[0], rows[0]));
                }
                case '2' -> { out.add(new Ping()); i++; }
                default -> throw new ProtocolException("unknown message type '" + (char) (type & 0xff) + "' at offset " + i);
            }
        }
        return out;
    }

    private static int expectColon(byte[] m, int at) {
        if (at >= m.length || m[at] != ':') throw new ProtocolException("expected ':' at offset " + at);
        return at + 1;
    }

    /** {value, index after the digits}. */
    private static int[] number(byte[] m, int at) {
        int v = 0, i = at;
        while (i < m.length && m[i] >= '0' && m[i] <= '9' && i - at < 9) v = v * 10 + (m[i++] - '0');
        if (i == at) throw new ProtocolException("expected a number at offset " + at);
        return new int[]{v, i};
    }
}
