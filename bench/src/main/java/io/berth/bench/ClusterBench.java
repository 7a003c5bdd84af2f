package io.berth.bench;

import io.berth.cluster.ClusterAdmin;
import io.berth.cluster.ClusterConf;
import io.berth.cluster.ClusterNode;
import io.berth.config.BerthRoots;
import io.berth.config.ClusterBackend;
import io.berth.config.ConfigFile;
import io.berth.config.ConfigParser;
import io.berth.config.ConfigStore;
import io.berth.config.Locks;
import io.berth.ct.ContainerService;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;

/**
 * Configs on files (a single host) against configs on etcd (a cluster node), in one run: 3 nodes (own roots) with
 * 100 stopped containers each, the same operations through the same Berth code: a config read (what every command
 * does first), a config write (read-modify-write under the container's lock), taking and releasing the operation
 * lock, {@code list} of a node's 100 containers, and the cluster-wide id list. The etcd cluster has 3 members on
 * loopback (ports 19400-19499). Usage: {@code ClusterBench [--containers 100] [--runs 200] [--out docs/PERFORMANCE.md]}.
 */
public final class ClusterBench {
    private ClusterBench() {}

    record Row(String what, double fileP50, double fileP99, double etcdP50, double etcdP99) {}

    public static void main(String[] args) throws Exception {
        int containers = 100, runs = 200;
        Path out = Path.of("docs/PERFORMANCE.md");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--containers" -> containers = Integer.parseInt(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "; allowed: --containers N --runs N --out FILE");
            }
        }
        Path dir = Files.createTempDirectory("berth-cluster-bench-");
        List<Process> etcd = new ArrayList<>();
        List<BerthRoots> file = new ArrayList<>(), cluster = new ArrayList<>();
        try {
            String endpoints = startEtcd(dir.resolve("etcd"), etcd);
            for (int n = 0; n < 3; n++) {
                file.add(BerthRoots.resolve(dir.resolve("file" + n).toString()));
                cluster.add(BerthRoots.resolve(dir.resolve("etcd" + n).toString()));
            }
            for (int n = 0; n < 3; n++) {
                ClusterConf c = new ClusterConf("bench", "node" + n, Arrays.stream(endpoints.split(",")).map(URI::create).toList(),
                        Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                        "/berth-bench", Duration.ofSeconds(30), Duration.ofSeconds(10));
                waitForEtcd(() -> {
                    if (c.node().equals("node0")) ClusterAdmin.create(cluster.get(0), c);
                    else ClusterAdmin.join(cluster.get(Integer.parseInt(c.node().substring(4))), c);
                });
            }
            for (int n = 0; n < 3; n++) {
                ConfigStore fs = new ConfigStore(file.get(n)), cs = new ConfigStore(cluster.get(n));
                for (int k = 0; k < containers; k++) {
                    int id = 10_000 + n * 1000 + k;
                    fs.create(id, conf(id));
                    cs.create(id, conf(id)); // written through to etcd
                }
            }
            List<Row> rows = new ArrayList<>();
            int r = runs;
            int cts = containers;
            rows.add(row("config read (a node's config, what every command does first)", r, file, cluster,
                    (roots, i) -> new ConfigStore(roots).load(id(roots, i, cts))));
            rows.add(row("config write (read-modify-write under the config lock)", r, file, cluster,
                    (roots, i) -> new ConfigStore(roots).update(id(roots, i, cts), f -> f.withMain(f.main().with("memory", Integer.toString(256 + i % 512))))));
            rows.add(row("operation lock taken and released", r, file, cluster, (roots, i) -> {
                Locks l = ClusterBackend.locks(roots);
                try (Locks.Held h = l.lock(id(roots, i, cts), "bench", Duration.ofSeconds(30))) {
                    // nothing: the cost of the lock itself
                }
            }));
            rows.add(row("list (" + containers + " stopped containers of a node)", Math.max(20, r / 10), file, cluster,
                    (roots, i) -> ContainerService.shared(roots).list()));
            rows.add(row("container ids cluster-wide (" + 3 * containers + "; file: the node's own)", r, file, cluster, (roots, i) -> {
                if (Files.exists(roots.clusterConf())) ClusterNode.of(roots).etcdConfigs().owners();
                else new ConfigStore(roots).list();
            }));
            String table = render(rows, containers, runs);
            System.out.print(table);
            BenchMain.writeSection(out, "CLUSTER", table);
        } finally {
            for (BerthRoots b : cluster) {
                ClusterBackend.of(b).ifPresent(x -> ((ClusterNode) x).close());
                ClusterBackend.forget(b);
            }
            for (Process p : etcd) p.destroyForcibly();
            for (Process p : etcd) p.waitFor(30, TimeUnit.SECONDS);
            try (var w = Files.walk(dir)) {
                w.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    interface Op {
        void run(BerthRoots roots, int i) throws Exception;
    }

    private static int id(BerthRoots roots, int i, int containers) {
        String n = roots.configDir().getParent().getFileName().toString();
        return 10_000 + (n.charAt(n.length() - 1) - '0') * 1000 + i % containers;
    }

    private static ConfigFile conf(int id) {
        return ConfigParser.parse("bench", "arch: amd64\nhostname: ct" + id + "\nmemory: 512\nostype: debian\nrootfs: local:subvol-" + id
                + "-disk-0,size=1G\nnet0: name=eth0,bridge=vmbr0,hwaddr=BC:24:11:00:00:01,ip=dhcp,type=veth\n");
    }

    /** Each op alternately on files and on etcd, spread over the 3 nodes; warm-up first. */
    private static Row row(String what, int runs, List<BerthRoots> file, List<BerthRoots> cluster, Op op) throws Exception {
        for (int i = 0; i < Math.min(50, runs); i++) {
            op.run(file.get(i % 3), i);
            op.run(cluster.get(i % 3), i);
        }
        double[] f = new double[runs], e = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            op.run(file.get(i % 3), i);
            long t1 = System.nanoTime();
            op.run(cluster.get(i % 3), i);
            long t2 = System.nanoTime();
            f[i] = (t1 - t0) / 1e6;
            e[i] = (t2 - t1) / 1e6;
        }
        Arrays.sort(f);
        Arrays.sort(e);
        return new Row(what, pct(f, 50), pct(f, 99), pct(e, 50), pct(e, 99));
    }

    private static double pct(double[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    private static String render(List<Row> rows, int containers, int runs) throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append("Measured ").append(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm"))).append(" on ")
                .append(Runtime.getRuntime().availableProcessors()).append(" cpus (load average before: ")
                .append(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]).append("); 3 nodes x ").append(containers)
                .append(" containers, ").append(runs).append(" runs per row, in one warm JVM; etcd: 3 members on loopback.\n\n");
        sb.append("| operation | files p50 (ms) | files p99 | etcd p50 (ms) | etcd p99 | etcd/files (p50) |\n");
        sb.append("| --- | ---: | ---: | ---: | ---: | ---: |\n");
        for (Row r : rows)
            sb.append(String.format(Locale.ROOT, "| %s | %.3f | %.3f | %.3f | %.3f | %.2fx |%n", r.what(), r.fileP50(), r.fileP99(), r.etcdP50(),
                    r.etcdP99(), r.etcdP50() / r.fileP50()));
        return sb.toString();
    }

    private static int nextPort = 19400 + (int) (ProcessHandle.current().pid() % 40) * 2;

    /** The next free loopback port of the cluster session's bench range (19400-19499), never the same twice. */
    private static int port() throws IOException {
        for (int tries = 0; tries < 100; tries++) {
            int p = nextPort;
            nextPort = p >= 19499 ? 19400 : p + 1;
            try (ServerSocket s = new ServerSocket(p, 1, InetAddress.getLoopbackAddress())) {
                return p;
            } catch (IOException busy) {
                // taken
            }
        }
        throw new IOException("no free port in 19400-19499");
    }

    private static String startEtcd(Path dir, List<Process> procs) throws IOException {
        int[] c = new int[3], p = new int[3];
        for (int i = 0; i < 3; i++) {
            c[i] = port();
            p[i] = port();
        }
        StringJoiner initial = new StringJoiner(","), endpoints = new StringJoiner(",");
        for (int i = 0; i < 3; i++) {
            initial.add("b" + i + "=http://127.0.0.1:" + p[i]);
            endpoints.add("http://127.0.0.1:" + c[i]);
        }
        for (int i = 0; i < 3; i++) {
            Path d = Files.createDirectories(dir.resolve("b" + i));
            procs.add(new ProcessBuilder("etcd", "--name", "b" + i, "--data-dir", d.resolve("data").toString(),
                    "--listen-client-urls", "http://127.0.0.1:" + c[i], "--advertise-client-urls", "http://127.0.0.1:" + c[i],
                    "--listen-peer-urls", "http://127.0.0.1:" + p[i], "--initial-advertise-peer-urls", "http://127.0.0.1:" + p[i],
                    "--initial-cluster", initial.toString(), "--initial-cluster-token", "berth-bench-" + ProcessHandle.current().pid(),
                    "--initial-cluster-state", "new").redirectErrorStream(true).redirectOutput(d.resolve("etcd.log").toFile()).start());
        }
        return endpoints.toString();
    }

    /** The cluster is ready when a create or join goes through (the members elect a leader first). */
    private static void waitForEtcd(Runnable r) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (true) {
            try {
                r.run();
                return;
            } catch (RuntimeException e) {
                if (System.nanoTime() > end) throw e;
                Thread.sleep(500);
            }
        }
    }

}
