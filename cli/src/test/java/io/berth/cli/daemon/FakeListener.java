package io.berth.cli.daemon;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * Run as a non-root user by {@link BerthdTest}: what an attacker who got a socket onto berthd's path would run. Listens
 * on {@code args[0]}, prints "listening", accepts one connection and prints how many bytes the client sent before it
 * hung up.
 */
public final class FakeListener {
    private FakeListener() {}

    public static void main(String[] args) throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(Path.of(args[0])));
            System.out.println("listening");
            System.out.flush();
            try (SocketChannel c = server.accept()) {
                ByteBuffer b = ByteBuffer.allocate(1 << 16);
                long total = 0;
                for (int n; (n = c.read(b)) > 0; b.clear()) total += n;
                System.out.println("received " + total + " bytes");
            }
        }
    }
}
