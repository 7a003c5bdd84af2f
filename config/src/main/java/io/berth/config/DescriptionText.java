package io.berth.config;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The {@code %}-encoding Proxmox applies to description comment lines: every UTF-8 byte outside printable
 * ASCII, and {@code :}, is written as {@code %XX}; reading turns every {@code %XX} back into its byte and the
 * bytes into UTF-8 text (invalid sequences become U+FFFD). {@code %} itself is not encoded, as in Proxmox.
 */
public final class DescriptionText {
    private DescriptionText() {}

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    public static String encode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder(bytes.length);
        for (byte b : bytes) {
            int c = b & 0xff;
            boolean safe = (c >= 0x20 && c <= 0x39) || (c >= 0x3b && c <= 0x7e);
            if (safe) sb.append((char) c);
            else sb.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
        }
        return sb.toString();
    }

    public static String decode(String line) {
        if (line.indexOf('%') < 0) return line;
        ByteArrayOutputStream out = new ByteArrayOutputStream(line.length());
        byte[] in = line.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < in.length; i++) {
            if (in[i] == '%' && i + 2 < in.length && hex(in[i + 1]) >= 0 && hex(in[i + 2]) >= 0) {
                out.write(hex(in[i + 1]) << 4 | hex(in[i + 2]));
                i += 2;
            } else {
                out.write(in[i]);
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE).decode(ByteBuffer.wrap(out.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalStateException("a replacing decoder cannot fail", e);
        }
    }

    private static int hex(byte b) {
        if (b >= '0' && b <= '9') return b - '0';
        if (b >= 'a' && b <= 'f') return b - 'a' + 10;
        if (b >= 'A' && b <= 'F') return b - 'A' + 10;
        return -1;
    }
}
