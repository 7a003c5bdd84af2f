package io.berth.cluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.atomic.AtomicInteger;

/** Free loopback ports from the cluster session's range (19000-19499, COORD.md), so parallel sessions never collide. */
final class TestPorts {
    static final int FIRST = 19000, LAST = 19499;
    private static final AtomicInteger NEXT = new AtomicInteger(FIRST + (int) (ProcessHandle.current().pid() % 25) * 20);

    private TestPorts() {}

    static int next() {
        for (int tries = 0; tries <= LAST - FIRST; tries++) {
            int p = NEXT.getAndUpdate(x -> x >= LAST ? FIRST : x + 1);
            try (ServerSocket s = new ServerSocket(p, 1, InetAddress.getLoopbackAddress())) {
                return p;
            } catch (IOException busy) {
                // taken: try the next one
            }
        }
        throw new IllegalStateException("no free loopback port in " + FIRST + "-" + LAST);
    }
}
