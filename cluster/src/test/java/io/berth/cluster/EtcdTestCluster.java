package io.berth.cluster;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A real etcd cluster of {@code n} members on loopback ports (free ones of the cluster range, picked at start), each member with its
 * own data dir under {@code dir}; {@link #close} kills every member (and is safe to call twice).
 */
final class EtcdTestCluster implements AutoCloseable {
    private final Path dir;
    private final int[] clientPorts;
    private final Process[] members;
    private final List<Client> clients = new ArrayList<>();

    private EtcdTestCluster(Path dir, int n) {
        this.dir = dir;
        this.clientPorts = new int[n];
        this.members = new Process[n];
    }

    static EtcdTestCluster start(Path dir, int n, Duration readyWithin) throws Exception {
        EtcdTestCluster c = new EtcdTestCluster(dir, n);
        try {
            c.launch(readyWithin);
            return c;
        } catch (Throwable t) {
            c.close();
            throw t;
        }
    }

    private void launch(Duration readyWithin) throws Exception {
        int n = members.length;
        int[] peerPorts = new int[n];
        for (int i = 0; i < n; i++) {
            clientPorts[i] = TestPorts.next();
            peerPorts[i] = TestPorts.next();
        }
        StringJoiner initial = new StringJoiner(",");
        for (int i = 0; i < n; i++) initial.add("m" + i + "=http://127.0.0.1:" + peerPorts[i]);
        String token = "berth-test-" + UUID.randomUUID();
        for (int i = 0; i < n; i++) {
            Path data = Files.createDirectories(dir.resolve("m" + i));
            ProcessBuilder pb = new ProcessBuilder("etcd", "--name", "m" + i, "--data-dir", data.resolve("data").toString(),
                    "--listen-client-urls", "http://127.0.0.1:" + clientPorts[i],
                    "--advertise-client-urls", "http://127.0.0.1:" + clientPorts[i],
                    "--listen-peer-urls", "http://127.0.0.1:" + peerPorts[i],
                    "--initial-advertise-peer-urls", "http://127.0.0.1:" + peerPorts[i],
                    "--initial-cluster", initial.toString(), "--initial-cluster-token", token,
                    "--initial-cluster-state", "new",
                    // generous timings: the test machine is heavily loaded
                    "--heartbeat-interval", "250", "--election-timeout", "2500");
            pb.redirectErrorStream(true).redirectOutput(data.resolve("etcd.log").toFile());
            members[i] = pb.start();
        }
        long deadline = System.nanoTime() + readyWithin.toNanos();
        try (Client probe = Client.builder().endpoints(endpoints()).build()) {
            ByteSequence k = ByteSequence.from("/berth-test/ready", StandardCharsets.UTF_8);
            while (true) {
                for (Process p : members)
                    if (!p.isAlive()) throw new IllegalStateException("an etcd member exited at start; logs in " + dir);
                try {
                    probe.getKVClient().put(k, k).get(5, TimeUnit.SECONDS);
                    return;
                } catch (Exception e) {
                    if (System.nanoTime() > deadline)
                        throw new IllegalStateException("etcd cluster not ready within " + readyWithin + "; logs in " + dir, e);
                }
            }
        }
    }

    String[] endpoints() {
        String[] e = new String[clientPorts.length];
        for (int i = 0; i < e.length; i++) e[i] = endpoint(i);
        return e;
    }

    String endpoint(int i) { return "http://127.0.0.1:" + clientPorts[i]; }

    /** A client of the whole cluster, closed by {@link #close}. */
    Client client() { return track(Client.builder().endpoints(endpoints()).build()); }

    /** A client of one member only, closed by {@link #close}. */
    Client client(int member) { return track(Client.builder().endpoints(endpoint(member)).build()); }

    private synchronized Client track(Client c) {
        clients.add(c);
        return c;
    }

    /** Stops a member (SIGTERM, then SIGKILL) and waits until it is gone. */
    void stop(int i) throws InterruptedException {
        Process p = members[i];
        if (p == null) return;
        p.destroy();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Override public void close() {
        List<Client> cs;
        synchronized (this) {
            cs = new ArrayList<>(clients);
            clients.clear();
        }
        for (Client c : cs) {
            try {
                c.close();
            } catch (RuntimeException e) {
                // closing a client of a dead cluster may complain; the members are killed below anyway
            }
        }
        for (Process p : members) if (p != null) p.destroyForcibly();
        for (Process p : members) {
            if (p == null) continue;
            try {
                p.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    Path dir() { return dir; }

}
