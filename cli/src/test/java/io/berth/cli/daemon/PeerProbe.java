package io.berth.cli.daemon;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteOrder;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/** Run as a non-root user by {@link BerthdTest}: connects to berthd, sends a request, prints the answer. */
public final class PeerProbe {
    private PeerProbe() {}

    public static void main(String[] args) throws Exception {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(args[0]))) {
            byte[] body = "/\0001\000status\0".getBytes(StandardCharsets.UTF_8);
            ch.write(ByteBuffer.allocate(8 + body.length).put(header(body.length)).put(body).flip());
            Reply r = reply(ch);
            System.out.println(r.message().strip() + " / exit " + r.exit());
        }
    }
    static byte[] header(int len) {
        return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).put("BRT2".getBytes(StandardCharsets.US_ASCII))
                .putInt(len).array();
    }

    record Reply(String message, int exit) {}

    /** Reads berthd's frames up to the exit code. */
    static Reply reply(SocketChannel ch) throws IOException {
        ByteArrayOutputStream msg = new ByteArrayOutputStream();
        ByteBuffer f = ByteBuffer.allocate(5).order(ByteOrder.nativeOrder());
        while (true) {
            f.clear();
            while (f.hasRemaining()) if (ch.read(f) < 0) throw new IOException("no exit code; got: " + msg);
            f.flip();
            byte type = f.get();
            int v = f.getInt();
            if (type == 'X') return new Reply(msg.toString(StandardCharsets.UTF_8), v);
            if (type == 'M') {
                ByteBuffer m = ByteBuffer.allocate(v);
                while (m.hasRemaining()) if (ch.read(m) < 0) throw new IOException("short message");
                msg.write(m.array(), 0, v);
            }
        }
    }
}
