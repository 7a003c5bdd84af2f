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
 * {@code ApiBench [--clients 50] [--seconds 10] [--memory-requests 100000] [--out docs/PERFORMANCE.md]}.
 */
public final class ApiBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        int clients = 50, seconds = 10, pacedSeconds = 15, memRequests = 100_000;
        List<Integer> rates = List.of(2000, 3000);
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--clients" -> clients = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--memory-requests" -> memRequests = Integer.parseInt(args[++i]);
                case "--rates" -> rates = Arrays.stream(args[++i].split(",")).map(Integer::valueOf).toList();
                case "--paced-seconds" -> pacedSeconds = Integer.parseInt(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                default -> {
                    System.err.println("usage: ApiBench [--clients N] [--seconds N] [--rates R,R...] [--paced-seconds N] [--memory-requests N] [--out FILE]");
                    System.exit(2);
                }
            }
        }
        Path home = Path.of(System.getProperty("berth.home", ".")).toAbsolutePath().normalize();
        Path jar = Path.of(System.getenv().getOrDefault("BERTH_JAR", home.resolve("cli/target/berth.jar").toString())).toAbsolutePath();
        Path root = Files.createTempDirectory("berth-api-bench-");
        int port = 18400 + (int) (ProcessHandle.current().pid() % 90);
        int vmid = 8900;
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
        String loadBefore = Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        // trusts berthd's own certificate only (what a client on this host would pin), not any certificate
        tls = io.berth.api.Certificates.clientContext(root.resolve("etc/access/pve-ssl.p12"), io.berth.api.Certificates.selfSignedPassword());
        HttpClient http = client();
        String base = "https://127.0.0.1:" + port + "/api2/json";
        String auth = "PVEAPIToken=bench@pve!load=" + secret;
        StringBuilder report = new StringBuilder();
        try {
            waitUp(http, base, auth);
            String node = call(http, "GET", base + "/nodes", auth, null).get(0).get("node").asText();
            String ct = base + "/nodes/" + node + "/lxc/" + vmid;
            Path tmpl = io.berth.ct.template.BusyboxTemplate.host().build(root.resolve("var/storage/local/template/cache"), false).archive();
            task(http, base, node, auth, call(http, "POST", base + "/nodes/" + node + "/lxc", auth,
                    "vmid=" + vmid + "&ostemplate=local%3Avztmpl%2F" + tmpl.getFileName() + "&rootfs=local%3A1&memory=128&unprivileged=0").asText());
            task(http, base, node, auth, call(http, "POST", ct + "/status/start", auth, "").asText());
            String status = ct + "/status/current";

            boolean wrk = Files.isExecutable(Path.of("/usr/bin/wrk"));
            Loader loader = (n, secs) -> wrk ? wrk(status, auth, n, secs) : load(http, status, auth, n, secs);
            loader.run(clients, 15); // warm-up: C2 compiles the hot path (on a loaded machine that takes a while), TLS sessions
            Cpu c0 = Cpu.now(frontPid, backendPid);
            Result r = loader.run(clients, seconds);
            Cpu sat = Cpu.now(frontPid, backendPid).minus(c0, r.generatorCpuMs);
            // open loop: the same connections offering fixed rates; the target is read here (see PERFORMANCE.md)
            List<Result> pacedResults = new ArrayList<>();
            List<Cpu> pacedCpu = new ArrayList<>();
            if (!rates.isEmpty()) paced(status, auth, clients, rates.get(0), 3); // warm-up of the generator's own code
            for (int rate : rates) {
                Cpu p0 = Cpu.now(frontPid, backendPid);
                long self0 = cpuTicks(ProcessHandle.current().pid());
                Result pr = paced(status, auth, clients, rate, pacedSeconds);
                pacedResults.add(pr);
                pacedCpu.add(Cpu.now(frontPid, backendPid).minus(p0, (cpuTicks(ProcessHandle.current().pid()) - self0) * 10));
            }
            String loadAfter = Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
            long frontRss0 = rssKb(frontPid), backRss0 = rssKb(backendPid);
            long done = 0;
            List<String> rss = new ArrayList<>();
            while (done < memRequests) {
                done += loader.run(clients, 5).count;
                rss.add(rssKb(frontPid) / 1024 + "/" + rssKb(backendPid) / 1024);
            }
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
                            + "minus the front's, the backend's and the generator's, in cores.%n", loadBefore, loadAfter))
                    .append(String.format(Locale.ROOT, "%nRSS front/backend: %d/%d MiB after the first %d requests, then %s MiB every ~%d requests up to %d.%n",
                            frontRss0 / 1024, backRss0 / 1024, r.count + pacedResults.stream().mapToLong(Result::count).sum(), String.join(", ", rss), done / Math.max(1, rss.size()), done));
            System.out.println(report);
            if (out != null) BenchMain.writeSection(out, "API", report.toString());
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

    private ApiBench() {}
}
