package io.berth.cli.cluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real etcd cluster of {@code n} members on loopback ports of the cluster session's range (19000-19499), each
 * with its own data dir; a stopped member can be started again on its data (it catches up from the others).
 */
final class EtcdMembers implements AutoCloseable {
    private static final AtomicInteger NEXT = new AtomicInteger(19250 + (int) (ProcessHandle.current().pid() % 20) * 10);

    private final Path dir;
    private final int[] client, peer;
    private final Process[] procs;
    private final List<List<String>> commands = new ArrayList<>();

    EtcdMembers(Path dir, int n) throws IOException {
        this.dir = dir;
        client = new int[n];
        peer = new int[n];
        procs = new Process[n];
        for (int i = 0; i < n; i++) {
            client[i] = port();
            peer[i] = port();
        }
        StringJoiner initial = new StringJoiner(",");
        for (int i = 0; i < n; i++) initial.add("m" + i + "=http://127.0.0.1:" + peer[i]);
        String token = "berth-e2e-" + UUID.randomUUID();
        for (int i = 0; i < n; i++) {
            Path d = Files.createDirectories(dir.resolve("m" + i));
            commands.add(List.of("etcd", "--name", "m" + i, "--data-dir", d.resolve("data").toString(),
                    "--listen-client-urls", endpoint(i), "--advertise-client-urls", endpoint(i),
                    "--listen-peer-urls", "http://127.0.0.1:" + peer[i], "--initial-advertise-peer-urls", "http://127.0.0.1:" + peer[i],
                    "--initial-cluster", initial.toString(), "--initial-cluster-token", token, "--initial-cluster-state", "new",
                    "--heartbeat-interval", "250", "--election-timeout", "2500"));
        }
        for (int i = 0; i < n; i++) start(i);
    }

    private static int port() {
        for (int tries = 0; tries < 500; tries++) {
            int p = NEXT.getAndUpdate(x -> x >= 19499 ? 19000 : x + 1);
            try (ServerSocket s = new ServerSocket(p, 1, InetAddress.getLoopbackAddress())) {
                return p;
            } catch (IOException busy) {
                // taken
            }
        }
        throw new IllegalStateException("no free port in 19000-19499");
    }

    String endpoint(int i) { return "http://127.0.0.1:" + client[i]; }

    String endpoints() {
        StringJoiner j = new StringJoiner(",");
        for (int i = 0; i < client.length; i++) j.add(endpoint(i));
        return j.toString();
    }

    void start(int i) throws IOException {
        // on an existing data dir etcd ignores the initial-cluster flags and rejoins with its log
        ProcessBuilder pb = new ProcessBuilder(commands.get(i)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("m" + i).resolve("etcd.log").toFile()));
        procs[i] = pb.start();
    }

    void stop(int i) throws InterruptedException {
        Process p = procs[i];
        if (p == null) return;
        p.destroy();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        procs[i] = null;
    }

    @Override public void close() {
        for (Process p : procs) if (p != null) p.destroyForcibly();
        for (Process p : procs) {
            if (p == null) continue;
            try {
                p.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

}
