package io.berth.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.access.AccessData;
import io.berth.access.AccessStore;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;

/**
 * The HTTPS API under load: {@code GET .../status/current} of a running busybox container by N concurrent clients
 * (requests/s, p50, p99, CPU per request of server and load generator), the login rate, the resident memory of the
 * API's two processes across 100k requests, and the same status through the CLI for comparison. The server is
 * what {@code berth daemon start} runs (the TLS front as www-data relaying to berthd's backend socket, bin/berth's JVM
 * flags) on the 2 cores the load generator shares; the load generator is
 * {@code wrk} (keep-alive, reused TLS sessions, little CPU of its own), the JDK's HttpClient when wrk is missing. Usage:
 * {@code ApiBench [--clients 50] [--seconds 10] [--memory-requests 100000] [--warmup-requests 10000] [--memory-only]
 * [--vmid 8900] [--port P] [--out docs/PERFORMANCE.md]}; {@code --memory-only} runs only the memory checkpoints (section
 * API MEMORY), nothing else.
 */
public final class ApiBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        int clients = 50, seconds = 10, pacedSeconds = 15, memRequests = 100_000, warmupRequests = 10_000, vmid = 8900, port = -1;
        List<Integer> rates = List.of(2000, 3000);
        boolean memoryOnly = false;
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--clients" -> clients = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--memory-requests" -> memRequests = Integer.parseInt(args[++i]);
                case "--rates" -> rates = Arrays.stream(args[++i].split(",")).map(Integer::valueOf).toList();
                case "--paced-seconds" -> pacedSeconds = Integer.parseInt(args[++i]);
                case "--warmup-requests" -> warmupRequests = Integer.parseInt(args[++i]);
                case "--memory-only" -> memoryOnly = true;
                case "--vmid" -> vmid = Integer.parseInt(args[++i]);
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                default -> {
                    System.err.println("usage: ApiBench [--clients N] [--seconds N] [--rates R,R...] [--paced-seconds N] [--memory-requests N]"
                            + " [--warmup-requests N] [--memory-only] [--vmid N] [--port N] [--out FILE]");
                    System.exit(2);
                }
            }
        }
        Path home = Path.of(System.getProperty("berth.home", ".")).toAbsolutePath().normalize();
        Path jar = Path.of(System.getenv().getOrDefault("BERTH_JAR", home.resolve("cli/target/berth.jar").toString())).toAbsolutePath();
        Path root = Files.createTempDirectory("berth-api-bench-");
        if (port < 0) port = 18400 + (int) (ProcessHandle.current().pid() % 90);
        String secret = UUID.randomUUID().toString();
        AccessStore store = new AccessStore(root.resolve("etc/access"));
        store.update(d -> {
            d.users.put("bench@pve", new AccessData.User("bench@pve", true, 0, "", "", "", "", ""));
            d.acls.add(new AccessData.Acl("/", "bench@pve", "Administrator", true));
            d.tokens.put("bench@pve!load", new AccessData.Token("bench@pve!load", 0, false, ""));
        });
        store.setTokenSecret("bench@pve!load", secret);
        store.setPassword("bench@pve", "bench-password");
        // the server as an admin runs it: `berth daemon start` through bin/berth: berthd (root) serves the API on its
        // backend socket, the TLS front runs as www-data in its own JVM; every request crosses both
        Files.setPosixFilePermissions(root, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path runDir = root.resolve("var/run");
        List<String> cmd = new ArrayList<>(List.of(home.resolve("bin/berth").toString(), "--root", root.toString(), "daemon", "start",
                "--api-port", String.valueOf(port)));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(root.resolve("server.log").toFile());
        pb.environment().put("BERTH_JAR", jar.toString());
        pb.environment().put("BERTH_NO_DAEMON", "1");
        String extra = System.getenv("BERTH_API_JVM_OPTS");
        if (extra != null && !extra.isBlank()) pb.environment().put("BERTH_JAVA_OPTS", extra.trim());
        if (pb.start().waitFor() != 0) throw new IllegalStateException("berth daemon start failed: " + Files.readString(root.resolve("server.log")));
        long backendPid = Long.parseLong(Files.readString(runDir.resolve("berthd.pid")).strip());
        long frontPid = Long.parseLong(Files.readString(runDir.resolve("api/front.pid")).strip());
        Memory memory = new Memory(frontPid, backendPid);
        String loadBefore = Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        // trusts berthd's own certificate only (what a client on this host would pin), not any certificate
        tls = io.berth.api.Certificates.clientContext(root.resolve("etc/access/pve-ssl.p12"), io.berth.api.Certificates.selfSignedPassword());
        HttpClient http = client();
        String base = "https://127.0.0.1:" + port + "/api2/json";
        String auth = "PVEAPIToken=bench@pve!load=" + secret;
        StringBuilder report = new StringBuilder();
        try {
            waitUp(http, base, auth);
            memory.checkpoint("idle, right after start (one GET /version)", 0);
            String node = call(http, "GET", base + "/nodes", auth, null).get(0).get("node").asText();
            String ct = base + "/nodes/" + node + "/lxc/" + vmid;
            Path tmpl = io.berth.ct.template.BusyboxTemplate.host().build(root.resolve("var/storage/local/template/cache"), false).archive();
            task(http, base, node, auth, call(http, "POST", base + "/nodes/" + node + "/lxc", auth,
                    "vmid=" + vmid + "&ostemplate=local%3Avztmpl%2F" + tmpl.getFileName() + "&rootfs=local%3A1&memory=128&unprivileged=0").asText());
            task(http, base, node, auth, call(http, "POST", ct + "/status/start", auth, "").asText());
            String status = ct + "/status/current";

            boolean wrk = Files.isExecutable(Path.of("/usr/bin/wrk"));
            Loader loader = (n, secs) -> wrk ? wrk(status, auth, n, secs) : load(http, status, auth, n, secs);
            if (memoryOnly) {
                try {
                    String m = memory.run(loader, clients, warmupRequests, memRequests, wrk);
                    System.out.println(m);
                    if (out != null) BenchMain.writeSection(out, "API MEMORY", m);
                } finally {
                    task(http, base, node, auth, call(http, "POST", ct + "/status/stop", auth, "").asText());
                    task(http, base, node, auth, call(http, "DELETE", ct, auth, null).asText());
                }
                return;
            }
            memory.served += loader.run(clients, 15).count; // warm-up: C2 compiles the hot path (on a loaded machine that takes a while), TLS sessions
            Cpu c0 = Cpu.now(frontPid, backendPid);
            Result r = loader.run(clients, seconds);
            Cpu sat = Cpu.now(frontPid, backendPid).minus(c0, r.generatorCpuMs);
            // open loop: the same connections offering fixed rates; the target is read here (see PERFORMANCE.md)
            List<Result> pacedResults = new ArrayList<>();
            List<Cpu> pacedCpu = new ArrayList<>();
            if (!rates.isEmpty()) memory.served += paced(status, auth, clients, rates.get(0), 3).count; // warm-up of the generator's own code
            for (int rate : rates) {
                Cpu p0 = Cpu.now(frontPid, backendPid);
                long self0 = cpuTicks(ProcessHandle.current().pid());
                Result pr = paced(status, auth, clients, rate, pacedSeconds);
                pacedResults.add(pr);
                pacedCpu.add(Cpu.now(frontPid, backendPid).minus(p0, (cpuTicks(ProcessHandle.current().pid()) - self0) * 10));
            }
            String loadAfter = Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
            // the paced runs' requests count as warm-up too (their generator reports its own totals)
            memory.served += r.count + pacedResults.stream().mapToLong(Result::count).sum();
            String memoryTable = memory.run(loader, clients, warmupRequests, memRequests, wrk);
            Result login = loginLoad(http, base, 4, 5);
            double cliCold = cli(home, jar, root, vmid, true), cliDaemon = cli(home, jar, root, vmid, false);
            report.append("Measured ").append(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")))
                    .append(" on ").append(Runtime.getRuntime().availableProcessors()).append(" cpus (load average before: ")
                    .append(loadBefore).append("); `berth daemon start`: the TLS front as www-data (its own JVM) relaying to berthd's ")
                    .append("backend socket (bin/berth's flags); the load generator ")
                    .append(wrk ? "wrk (2 threads, keep-alive connections, TLS sessions reused)" : "the JDK's HttpClient (wrk missing)")
                    .append(" on the same 2 cpus; API token auth; a running busybox container.\n\n")
                    .append("| what | requests | req/s | p50 ms | p99 ms | p99.9 ms | CPU ms/request: front + backend, generator | other processes' CPU | target |\n")
                    .append("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
                    .append(row("GET status/current, " + clients + " closed-loop clients at saturation (wrk), " + seconds + " s", r, sat,
                            "capacity: ≥ 2000 req/s " + (r.rate() >= 2000 ? "met" : "NOT met") + "; latency here is queueing"));
            for (int i = 0; i < rates.size(); i++) {
                Result pr = pacedResults.get(i);
                boolean target = rates.get(i) == 2000;
                report.append(row("GET status/current, " + clients + " connections offering " + rates.get(i) + " req/s (open loop), " + pacedSeconds + " s",
                        pr, pacedCpu.get(i), target ? "≥ 2000 req/s, p99 < 20 ms: " + (pr.rate() >= 0.99 * 2000 && pr.p99 < 20 && pr.errors == 0 ? "met" : "NOT met") : "-"));
            }
            report.append(row("POST /access/ticket (pve realm, PBKDF2), 4 concurrent clients, 5 s", login, null, "-"))
                    .append(String.format(Locale.ROOT, "| `berth status %d` (CLI, cold JVM) | 10 | - | %.1f | - | - | - | - | - |%n", vmid, cliCold))
                    .append(String.format(Locale.ROOT, "| `berth status %d` (CLI through berthd) | 10 | - | %.1f | - | - | - | - | - |%n", vmid, cliDaemon))
                    .append(String.format(Locale.ROOT, "%nLoad average before/after the status runs: %s/%s. Open loop: latency from each request's intended send time "
                            + "(a late answer delays its connection's next send, and that wait counts); generator: a JDK TLS client in the bench JVM, "
                            + "one keep-alive connection per client. Other processes' CPU: all busy CPU time of the machine during the run "
                            + "minus the front's, the backend's and the generator's, in cores; memory: section API MEMORY below.%n", loadBefore, loadAfter));
            System.out.println(report);
            System.out.println(memoryTable);
            if (out != null) {
                BenchMain.writeSection(out, "API", report.toString());
                BenchMain.writeSection(out, "API MEMORY", memoryTable);
            }
            task(http, base, node, auth, call(http, "POST", ct + "/status/stop", auth, "").asText());
            task(http, base, node, auth, call(http, "DELETE", ct, auth, null).asText());
        } finally {
            ProcessBuilder stop = new ProcessBuilder(home.resolve("bin/berth").toString(), "--root", root.toString(), "daemon", "stop")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            stop.environment().put("BERTH_JAR", jar.toString());
            stop.environment().put("BERTH_NO_DAEMON", "1");
            stop.start().waitFor();
            new ProcessBuilder("rm", "-rf", "--one-file-system", root.toString()).inheritIO().start().waitFor();
        }
    }

    /** {@code generatorCpuMs}: CPU time the load generator used (user + system), -1 when not measured. */
    record Result(long count, double seconds, double p50, double p99, double p999, long errors, long generatorCpuMs) {
        Result(long count, double seconds, double p50, double p99, long errors) { this(count, seconds, p50, p99, Double.NaN, errors, -1); }

        double rate() { return count / seconds; }
    }

    interface Loader {
        Result run(int clients, int seconds) throws Exception;
    }

    /**
     * {@code wrk} with {@code clients} keep-alive connections on 2 threads for {@code seconds}; its CPU time comes from
     * bash's {@code times} (children's user and system time), so the generator's share of the 2 cpus is in the report.
     */
    static Result wrk(String url, String auth, int clients, int seconds) throws IOException, InterruptedException {
        String cmd = "wrk -t2 -c" + clients + " -d" + seconds + "s --latency --timeout 10s -H \"Authorization: " + auth + "\" '" + url + "'; times";
        Process p = new ProcessBuilder("bash", "-c", cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (p.waitFor() != 0) throw new IllegalStateException("wrk failed:\n" + out);
        var total = java.util.regex.Pattern.compile("(\\d+) requests in ([\\d.]+)(ms|s|m)").matcher(out);
        if (!total.find()) throw new IllegalStateException("cannot read wrk's output:\n" + out);
        long count = Long.parseLong(total.group(1));
        double secs = Double.parseDouble(total.group(2)) * switch (total.group(3)) { case "ms" -> 0.001; case "m" -> 60; default -> 1; };
        long errors = 0;
        var non2xx = java.util.regex.Pattern.compile("Non-2xx or 3xx responses: (\\d+)").matcher(out);
        if (non2xx.find()) errors += Long.parseLong(non2xx.group(1));
        var sock = java.util.regex.Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)").matcher(out);
        if (sock.find()) for (int i = 1; i <= 4; i++) errors += Long.parseLong(sock.group(i));
        var times = java.util.regex.Pattern.compile("(\\d+)m([\\d.]+)s (\\d+)m([\\d.]+)s").matcher(out);
        long cpu = -1;
        // `times` prints the shell's own line, then its children's
        while (times.find()) cpu = Math.round((Integer.parseInt(times.group(1)) * 60 + Double.parseDouble(times.group(2))
                + Integer.parseInt(times.group(3)) * 60 + Double.parseDouble(times.group(4))) * 1000);
        return new Result(count, secs, wrkPercentile(out, "50%"), wrkPercentile(out, "99%"), Double.NaN, errors, cpu);
    }

    /**
     * Open-loop load at a fixed rate: {@code connections} keep-alive TLS connections together offering {@code rate}
     * requests/s, each on its own schedule (one request every connections/rate s, the connections' schedules staggered).
     * A request's latency runs from its intended send time, not from when it was sent: a late answer delays the next
     * send on its connection, and that wait counts (no coordinated omission). Generator CPU is this JVM's.
     */
    static Result paced(String url, String auth, int connections, int rate, int seconds) throws Exception {
        java.net.URI u = java.net.URI.create(url);
        byte[] req = ("GET " + u.getRawPath() + " HTTP/1.1\r\nHost: " + u.getHost() + ":" + u.getPort() + "\r\nAuthorization: " + auth
                + "\r\nAccept: application/json\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        SSLContext ctx = tls;
        List<javax.net.ssl.SSLSocket> socks = new ArrayList<>();
        try {
            for (int c = 0; c < connections; c++) {
                var s = (javax.net.ssl.SSLSocket) ctx.getSocketFactory().createSocket(u.getHost(), u.getPort());
                s.setTcpNoDelay(true);
                s.setSoTimeout(10_000);
                s.startHandshake();
                socks.add(s);
            }
            long period = Math.round(connections * 1e9 / rate);
            long perConn = (long) Math.ceil((double) seconds * rate / connections);
            long[][] lat = new long[connections][(int) perConn];
            int[] done = new int[connections];
            AtomicLong errors = new AtomicLong();
            long cpu0 = cpuTicks(ProcessHandle.current().pid());
            long t0 = System.nanoTime() + 50_000_000;
            List<Thread> ts = new ArrayList<>();
            for (int c = 0; c < connections; c++) {
                int idx = c;
                var s = socks.get(c);
                ts.add(Thread.ofPlatform().name("paced-" + c).start(() -> {
                    try {
                        var out = s.getOutputStream();
                        var in = new java.io.BufferedInputStream(s.getInputStream(), 16 * 1024);
                        long start = t0 + idx * period / connections;
                        for (int k = 0; k < perConn; k++) {
                            long intended = start + k * period;
                            long wait;
                            while ((wait = intended - System.nanoTime()) > 0) java.util.concurrent.locks.LockSupport.parkNanos(wait);
                            out.write(req);
                            out.flush();
                            if (readResponse(in) != 200) errors.incrementAndGet();
                            lat[idx][done[idx]++] = System.nanoTime() - intended;
                        }
                    } catch (IOException e) {
                        errors.incrementAndGet(); // the connection broke: its remaining schedule is lost, counted once
                    }
                }));
            }
            for (Thread t : ts) t.join();
            double secs = (System.nanoTime() - t0) / 1e9;
            long cpuMs = (cpuTicks(ProcessHandle.current().pid()) - cpu0) * 10;
            int n = 0;
            for (int d : done) n += d;
            long[] all = new long[n];
            int k = 0;
            for (int c = 0; c < connections; c++) {
                System.arraycopy(lat[c], 0, all, k, done[c]);
                k += done[c];
            }
            Arrays.sort(all);
            return new Result(n, secs, pct(all, 0.50), pct(all, 0.99), pct(all, 0.999), errors.get(), cpuMs);
        } finally {
            for (var s : socks) {
                try {
                    s.close();
                } catch (IOException e) {
                    // closing anyway
                }
            }
        }
    }

    private static double pct(long[] sorted, double q) {
        return sorted.length == 0 ? Double.NaN : sorted[Math.min(sorted.length - 1, (int) (sorted.length * q))] / 1e6;
    }

    /** Reads one HTTP/1.1 response with a Content-Length body; returns its status. */
    static int readResponse(java.io.InputStream in) throws IOException {
        StringBuilder head = new StringBuilder(256);
        int b, state = 0;
        while (state < 4) {
            if ((b = in.read()) < 0) throw new IOException("connection closed in a response head");
            head.append((char) b);
            state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3)) ? state + 1 : (b == '\r' ? 1 : 0);
        }
        int status = Integer.parseInt(head.substring(9, 12));
        int i = head.toString().toLowerCase(Locale.ROOT).indexOf("\ncontent-length:");
        if (i < 0) throw new IOException("no Content-Length in: " + head);
        int len = Integer.parseInt(head.substring(i + 16, head.indexOf("\r", i + 16)).strip());
        in.skipNBytes(len); // throws EOFException when the body is short
        return status;
    }

    /** A latency percentile of wrk's {@code --latency} table, in ms. */
    static double wrkPercentile(String out, String pct) {
        var m = java.util.regex.Pattern.compile("\\s" + pct + "\\s+([\\d.]+)(us|ms|s)").matcher(out);
        if (!m.find()) return Double.NaN;
        double v = Double.parseDouble(m.group(1));
        return switch (m.group(2)) {
            case "us" -> v / 1000;
            case "s" -> v * 1000;
            default -> v;
        };
    }

    /** utime + stime of a process, in clock ticks (10 ms). */
    static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    static String row(String what, Result r, Cpu cpu, String target) {
        String c = cpu == null || r.count == 0 ? "-" : String.format(Locale.ROOT, "%.3f + %.3f, %s", (double) cpu.frontMs / r.count,
                (double) cpu.backMs / r.count, cpu.generatorMs < 0 ? "-" : String.format(Locale.ROOT, "%.3f", (double) cpu.generatorMs / r.count));
        String other = cpu == null ? "-" : String.format(Locale.ROOT, "%.2f", cpu.otherMs / 1000.0 / r.seconds);
        return String.format(Locale.ROOT, "| %s | %d (%d errors) | %.0f | %.2f | %.2f | %s | %s | %s | %s |%n", what, r.count, r.errors, r.rate(), r.p50, r.p99,
                Double.isNaN(r.p999) ? "-" : String.format(Locale.ROOT, "%.2f", r.p999), c, other, target);
    }

    /**
     * CPU time in ms: the front's, the backend's, the load generator's and the rest of the machine's ({@code otherMs}:
     * all busy time in /proc/stat minus those three) over a run; {@link #now} takes the counters, {@link #minus} the run.
     */
    record Cpu(long frontMs, long backMs, long generatorMs, long otherMs, long busyMs) {
        static Cpu now(long frontPid, long backPid) throws IOException {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long busy = 0;
            for (int i : new int[]{1, 2, 3, 6, 7, 8}) busy += Long.parseLong(f[i]); // user nice system irq softirq steal
            return new Cpu(cpuTicks(frontPid) * 10, cpuTicks(backPid) * 10, 0, 0, busy * 10);
        }

        Cpu minus(Cpu before, long generatorMs) {
            long front = frontMs - before.frontMs, back = backMs - before.backMs, busy = busyMs - before.busyMs;
            return new Cpu(front, back, generatorMs, Math.max(0, busy - front - back - Math.max(0, generatorMs)), busy);
        }
    }

    /** {@code clients} virtual threads, each sending one request after another for {@code seconds}. */
    static Result load(HttpClient http, String url, String auth, int clients, int seconds) throws InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(URI.create(url)).header("Authorization", auth).timeout(Duration.ofSeconds(10)).GET().build();
        return run(clients, seconds, () -> {
            HttpResponse<byte[]> r = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
            return r.statusCode() == 200;
        });
    }

    static Result loginLoad(HttpClient http, String base, int clients, int seconds) throws InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/access/ticket")).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("username=bench%40pve&password=bench-password")).build();
        return run(clients, seconds, () -> http.send(req, HttpResponse.BodyHandlers.ofByteArray()).statusCode() == 200);
    }

    interface Shot {
        boolean fire() throws Exception;
    }

    static Result run(int clients, int seconds, Shot shot) throws InterruptedException {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong errors = new AtomicLong();
        List<long[]> lat = new ArrayList<>();
        int[] counts = new int[clients];
        List<Thread> ts = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            long[] mine = new long[2_000_000 / clients + 1000];
            lat.add(mine);
            int idx = c;
            ts.add(Thread.ofVirtual().start(() -> {
                while (!stop.get()) {
                    long t0 = System.nanoTime();
                    boolean ok;
                    try {
                        ok = shot.fire();
                    } catch (Exception e) {
                        ok = false;
                    }
                    long dt = System.nanoTime() - t0;
                    if (!ok) errors.incrementAndGet();
                    if (counts[idx] < mine.length) mine[counts[idx]++] = dt;
                }
            }));
        }
        long start = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        stop.set(true);
        for (Thread t : ts) t.join();
        double secs = (System.nanoTime() - start) / 1e9;
        int n = 0;
        for (int c : counts) n += c;
        long[] all = new long[n];
        int k = 0;
        for (int c = 0; c < clients; c++) {
            System.arraycopy(lat.get(c), 0, all, k, counts[c]);
            k += counts[c];
        }
        Arrays.sort(all);
        double p50 = n == 0 ? Double.NaN : all[n / 2] / 1e6, p99 = n == 0 ? Double.NaN : all[Math.min(n - 1, (int) (n * 0.99))] / 1e6;
        return new Result(n, secs, p50, p99, errors.get());
    }

    /** Median of 10 runs of {@code bin/berth status VMID} in a cold JVM. */
    static double cli(Path home, Path jar, Path root, int vmid, boolean cold) throws IOException, InterruptedException {
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/berth").toString(), "--root", root.toString(), "status", String.valueOf(vmid));
            pb.environment().put("BERTH_JAR", jar.toString());
            if (cold) pb.environment().put("BERTH_NO_DAEMON", "1");
            pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            long t0 = System.nanoTime();
            int rc = pb.start().waitFor();
            if (rc != 0) throw new IllegalStateException("berth status failed: " + rc);
            if (i > 0) ms.add((System.nanoTime() - t0) / 1e6);
        }
        ms.sort(null);
        return ms.get(ms.size() / 2);
    }

    static long rssKb(long pid) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("\\D+", ""));
        }
        return -1;
    }

    static JsonNode call(HttpClient http, String method, String url, String auth, String form) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Authorization", auth).timeout(Duration.ofSeconds(60));
        if (form == null) b.method(method, HttpRequest.BodyPublishers.noBody());
        else b.method(method, HttpRequest.BodyPublishers.ofString(form)).header("Content-Type", "application/x-www-form-urlencoded");
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) throw new IllegalStateException(method + " " + url + ": " + r.statusCode() + " " + r.body());
        return JSON.readTree(r.body()).get("data");
    }

    static void task(HttpClient http, String base, String node, String auth, String upid) throws Exception {
        for (int i = 0; i < 1200; i++) {
            JsonNode st = call(http, "GET", base + "/nodes/" + node + "/tasks/" + upid + "/status", auth, null);
            if (st.get("status").asText().equals("stopped")) {
                if (!st.get("exitstatus").asText().equals("OK")) throw new IllegalStateException(upid + ": " + st.get("exitstatus").asText());
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("task timed out: " + upid);
    }

    static void waitUp(HttpClient http, String base, String auth) throws Exception {
        for (int i = 0; i < 300; i++) {
            try {
                call(http, "GET", base + "/version", auth, null);
                return;
            } catch (IOException e) {
                Thread.sleep(200);
            }
        }
        throw new IllegalStateException("API server did not come up");
    }

    /** The client side of TLS to the benchmarked server (set once it made its certificate). */
    private static SSLContext tls;

    static HttpClient client() throws Exception {
        return HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
                .executor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()).build();
    }

    /**
     * The resident memory of the API's two processes (the TLS front and berthd, the backend) under a steady load of
     * {@code GET status/current}: right after start, after a warm-up of {@code warmup} requests, then every ~10k up to
     * {@code requests} more, and idle again. "Flat" (issue 15) is judged on the backend and the front alike: the last
     * checkpoint under load against the one after the warm-up, and the trend over the checkpoints in between.
     */
    static final class Memory {
        final long frontPid, backendPid;
        final List<String[]> rows = new ArrayList<>();
        final List<long[]> underLoad = new ArrayList<>(); // {requests, front KiB, backend KiB}
        long served, errors;

        Memory(long frontPid, long backendPid) {
            this.frontPid = frontPid;
            this.backendPid = backendPid;
        }

        /** The resident sets (KiB) read in the middle of the last load run: under load, all connections open. */
        final long[] midRun = {-1, -1};

        long[] checkpoint(String what, long requests) throws IOException {
            return checkpoint(what, requests, rssKb(frontPid), rssKb(backendPid));
        }

        long[] checkpoint(String what, long requests, long f, long b) {
            rows.add(new String[] {what, requests < 0 ? "-" : Long.toString(requests), mib(f), mib(b)});
            return new long[] {requests, f, b};
        }

        static String mib(long kb) {
            return String.format(Locale.ROOT, "%.1f", kb / 1024.0);
        }

        /** Runs load until {@code n} more requests are served, in runs of about {@code step} requests each. */
        long serve(Loader loader, int clients, long n, long step, double[] rate) throws Exception {
            long done = 0;
            int idle = 0;
            while (done < n) {
                // at least 2 s: every run opens its clients' connections (TLS handshakes) anew
                int secs = (int) Math.max(2, Math.min(10, Math.round(Math.min(step, n - done) / Math.max(1, rate[0]))));
                Thread sampler = Thread.ofVirtual().start(() -> {
                    try {
                        Thread.sleep(secs * 500L);
                        midRun[0] = rssKb(frontPid);
                        midRun[1] = rssKb(backendPid);
                    } catch (InterruptedException | IOException e) {
                        // this run's sample is missing: the previous one stays
                    }
                });
                Result r = loader.run(clients, secs);
                sampler.join();
                if (r.count == 0 && ++idle >= 3) throw new IllegalStateException("no request served in 3 runs of " + secs + " s");
                if (r.count > 0) rate[0] = r.rate();
                done += r.count;
                errors += r.errors;
            }
            return done;
        }

        String run(Loader loader, int clients, int warmup, int requests, boolean wrk) throws Exception {
            double[] rate = {5000};
            served += serve(loader, clients, Math.max(1, warmup - served), 10_000, rate); // at least one run, read under load
            long[] first = checkpoint("after a warm-up of " + served + " requests (under load)", served, midRun[0], midRun[1]);
            underLoad.add(first);
            long start = served;
            while (served - start < requests) {
                served += serve(loader, clients, Math.min(10_000, requests - (served - start)), 10_000, rate);
                underLoad.add(checkpoint("after " + (served - start) + " more (under load)", served, midRun[0], midRun[1]));
            }
            Thread.sleep(6000);
            checkpoint("idle again (6 s later)", -1);
            StringBuilder sb = new StringBuilder();
            sb.append("Measured ").append(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")))
                    .append(" on ").append(Runtime.getRuntime().availableProcessors()).append(" cpus; `berth daemon start` (bin/berth's flags), ")
                    .append("GET status/current of a running container by ").append(clients).append(" concurrent clients (")
                    .append(wrk ? "wrk" : "the JDK's HttpClient").append(", keep-alive), resident set (VmRSS) of both processes, read in the middle of a load run.\n\n")
                    .append("| checkpoint | requests served | front RSS (MiB) | backend (berthd) RSS (MiB) |\n| --- | ---: | ---: | ---: |\n");
            for (String[] r : rows) sb.append("| ").append(String.join(" | ", r)).append(" |\n");
            sb.append(String.format(Locale.ROOT, "%n%d of the requests of the memory runs failed (non-2xx or socket errors).%n", errors));
            long[] last = underLoad.getLast();
            sb.append(String.format(Locale.ROOT, "%nFrom the warm-up to %d requests later: front %+.1f MiB, backend %+.1f MiB; the highest "
                            + "checkpoint of the second half of the run against the first half's: front %+.1f MiB, backend %+.1f MiB; "
                            + "least-squares trend: front %+.1f, backend %+.1f MiB per 100k requests. "
                            + "Flat (issue 15; each process: no checkpoint of the second half more than %d MiB above the first half's highest): %s.%n",
                    last[0] - first[0], (last[1] - first[1]) / 1024.0, (last[2] - first[2]) / 1024.0, highs(1), highs(2), slope(1), slope(2),
                    FLAT_MIB, flat(1) && flat(2) ? "met" : "**not met**"));
            return sb.toString();
        }

        /**
         * Tolerance: a process's resident set moves by several MiB between checkpoints (the front: TLS buffers and malloc
         * trims; berthd: its heap grows by up to 8 MB before it collects, see Berthd.giveBackWhenIdle).
         */
        static final int FLAT_MIB = 5;

        /**
         * Flat: no new high-water mark in the second half of the checkpoints under load. A process that keeps growing sets
         * one at every checkpoint; the trend is shown too, but over ten noisy checkpoints it says less (a 10k warm-up
         * still leaves some JIT code and caches to come).
         */
        boolean flat(int col) {
            return highs(col) <= FLAT_MIB;
        }

        /** The highest checkpoint of the second half under load minus the highest of the first half, in MiB. */
        double highs(int col) {
            int n = underLoad.size(), h = n / 2;
            long a = 0, b = 0;
            for (int i = 0; i < n; i++) {
                if (i < h) a = Math.max(a, underLoad.get(i)[col]);
                else b = Math.max(b, underLoad.get(i)[col]);
            }
            return n < 2 ? 0 : (b - a) / 1024.0;
        }

        /** MiB per 100k requests, least squares over the checkpoints under load. */
        double slope(int col) {
            int n = underLoad.size();
            if (n < 2) return 0;
            double mx = 0, my = 0;
            for (long[] p : underLoad) {
                mx += p[0];
                my += p[col] / 1024.0;
            }
            mx /= n;
            my /= n;
            double sxy = 0, sxx = 0;
            for (long[] p : underLoad) {
                sxy += (p[0] - mx) * (p[col] / 1024.0 - my);
                sxx += (p[0] - mx) * (p[0] - mx);
            }
            return sxx == 0 ? 0 : sxy / sxx * 100_000;
        }
    }

    private ApiBench() {}
}
