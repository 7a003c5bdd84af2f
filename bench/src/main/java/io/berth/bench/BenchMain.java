package io.berth.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Benchmarks Berth against raw lxc-* on busybox containers, in one run, and prints each figure's
 * median and the ratio Berth/raw. Usage: {@code bench/run.sh [--runs N] [--defined N] [--running N]
 * [--out FILE]}. Needs root, LXC and a built bin/berth.
 */
public final class BenchMain {
    record Row(String what, String berthCmd, double berthMs, String rawCmd, double rawMs) {
        String ratio() {
            return Double.isNaN(rawMs) ? "-" : String.format(Locale.ROOT, "%.1fx", berthMs / rawMs);
        }
    }

    public static void main(String[] args) throws Exception {
        int runs = 15, defined = 100, running = 20;
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--defined" -> defined = Integer.parseInt(args[++i]);
                case "--running" -> running = Integer.parseInt(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                default -> {
                    System.err.println("usage: bench/run.sh [--runs N] [--defined N] [--running N] [--out FILE]");
                    System.exit(2);
                }
            }
        }
        Path home = Path.of(System.getProperty("berth.home", ".")).toAbsolutePath().normalize();
        try (Bench b = new Bench(home, runs)) {
            List<Row> rows = b.runAll(defined, running);
            String table = render(rows, runs, defined, running);
            System.out.println(table);
            if (out != null) writeTable(out, table);
        }
    }

    static String render(List<Row> rows, int runs, int defined, int running) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Medians of %d runs; list/status with %d defined and %d running containers.%n%n",
                runs, defined, running));
        sb.append("| what | berth (ms) | raw (ms) | berth/raw | berth command | raw command |\n");
        sb.append("| --- | ---: | ---: | ---: | --- | --- |\n");
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "| %s | %.1f | %s | %s | `%s` | %s |%n", r.what(), r.berthMs(),
                    Double.isNaN(r.rawMs()) ? "-" : String.format(Locale.ROOT, "%.1f", r.rawMs()), r.ratio(),
                    r.berthCmd(), r.rawCmd().isEmpty() ? "-" : "`" + r.rawCmd() + "`"));
        }
        return sb.toString();
    }

    /** Replaces the text between the BEGIN/END markers of the results section, keeping the prose. */
    static void writeTable(Path file, String table) throws IOException {
        String begin = "<!-- BEGIN BENCH -->", end = "<!-- END BENCH -->";
        String text = Files.exists(file) ? Files.readString(file) : "# Performance\n\n" + begin + "\n" + end + "\n";
        int a = text.indexOf(begin), z = text.indexOf(end);
        if (a < 0 || z < a) text = text + "\n" + begin + "\n" + end + "\n";
        a = text.indexOf(begin);
        z = text.indexOf(end);
        String stamp = "Measured " + java.time.LocalDate.now() + " on " + hostSummary() + ".\n\n";
        Files.writeString(file, text.substring(0, a + begin.length()) + "\n" + stamp + table + text.substring(z));
    }

    static String hostSummary() {
        return Runtime.getRuntime().availableProcessors() + " cpus, kernel " + System.getProperty("os.version");
    }

    private BenchMain() {}

    /** Holds the scratch root and the raw LXC path of one benchmark run and removes them at the end. */
    static final class Bench implements AutoCloseable {
        final Path home;
        final int runs;
        final Path root;
        final Path rawPath;
        final List<String> rawNames = new ArrayList<>();
        final List<Integer> berthIds = new ArrayList<>();

        Bench(Path home, int runs) throws IOException {
            this.home = home;
            this.runs = runs;
            this.root = Files.createTempDirectory("berth-bench-");
            this.rawPath = root.resolve("rawlxc");
            Files.createDirectories(rawPath);
        }

        List<String> berth(String... args) {
            List<String> c = new ArrayList<>(List.of(home.resolve("bin/berth").toString(), "--root", root.toString()));
            c.addAll(List.of(args));
            return c;
        }

        List<String> lxc(String tool, String name, String... args) {
            List<String> c = new ArrayList<>(List.of(tool, "-P", rawPath.toString(), "-n", name));
            c.addAll(List.of(args));
            return c;
        }

        static String show(List<String> cmd) {
            List<String> s = new ArrayList<>();
            for (String a : cmd) {
                if (a.startsWith("/tmp/berth-bench-")) a = "…" + a.substring(a.indexOf('/', 5 + 12));
                s.add(a);
            }
            String j = String.join(" ", s);
            int at = j.indexOf(" --root ");
            if (at > 0) {
                int end = j.indexOf(' ', at + 8);
                j = j.substring(0, at) + (end > 0 ? j.substring(end) : "");
            }
            return j.replaceFirst("^.*/bin/berth", "berth");
        }

        double med(Runnable setup, List<String> cmd, Runnable teardown) {
            return Measure.median(Measure.repeat(2, runs, setup, () -> Measure.runMillis(cmd), teardown));
        }

        static final Runnable NOTHING = () -> {};

        List<Row> runAll(int defined, int running) throws IOException {
            List<Row> rows = new ArrayList<>();
            progress("building the busybox template");
            List<String> tb = berth("template", "build", "busybox");
            String tmpl = lastLine(tb);
            Path tmplFile = root.resolve("var/storage/local/template/cache").resolve(tmpl.substring(tmpl.indexOf('/') + 1));

            progress("creating raw LXC busybox containers");
            String raw = "raw0";
            createRaw(raw);

            // bare start-up
            rows.add(new Row("CLI start-up (`--version`)", "berth --version",
                    med(NOTHING, List.of(home.resolve("bin/berth").toString(), "--version"), NOTHING),
                    "lxc-start --version", med(NOTHING, List.of("lxc-start", "--version"), NOTHING)));

            // create from template vs plain tar extraction of the same archive
            int[] next = {200};
            Path tarDir = root.resolve("tarx");
            rows.add(new Row("create from template (dir subvol)", "berth create N " + tmpl + " --rootfs local:0",
                    Measure.median(Measure.repeat(1, runs, NOTHING, () -> Measure.runMillis(
                            berth("create", Integer.toString(next[0]++), tmpl, "--rootfs", "local:0")), NOTHING)),
                    "tar -xpf " + tmplFile.getFileName(),
                    med(() -> mkdirs(tarDir), List.of("tar", "--numeric-owner", "-xpf", tmplFile.toString(), "-C", tarDir.toString()),
                            () -> Measure.run(List.of("rm", "-rf", tarDir.toString())))));
            for (int v = 200; v < next[0]; v++) Measure.run(berth("destroy", Integer.toString(v), "--purge"));

            int ct = 9100;
            Measure.run(berth("create", Integer.toString(ct), tmpl, "--rootfs", "local:0", "--hostname", "bench"));
            berthIds.add(ct);
            String id = Integer.toString(ct);

            rows.add(new Row("start to RUNNING", "berth start " + id,
                    med(NOTHING, berth("start", id), () -> Measure.run(berth("stop", id))),
                    "lxc-start -d && lxc-wait -s RUNNING",
                    Measure.median(Measure.repeat(2, runs, NOTHING,
                            () -> Measure.runMillis(lxc("lxc-start", raw, "-d"))
                                    + Measure.runMillis(lxc("lxc-wait", raw, "-s", "RUNNING")),
                            () -> Measure.run(lxc("lxc-stop", raw, "-k"))))));

            rows.add(new Row("stop (kill)", "berth stop " + id,
                    med(() -> Measure.run(berth("start", id)), berth("stop", id), NOTHING),
                    "lxc-stop -k",
                    med(() -> startRaw(raw), lxc("lxc-stop", raw, "-k"), NOTHING)));

            Measure.run(berth("start", id));
            startRaw(raw);
            rows.add(new Row("status of one container", "berth status " + id, med(NOTHING, berth("status", id), NOTHING),
                    "lxc-info", med(NOTHING, lxc("lxc-info", raw), NOTHING)));
            rows.add(new Row("exec `true`", "berth exec " + id + " -- true", med(NOTHING, berth("exec", id, "--", "true"), NOTHING),
                    "lxc-attach -- true", med(NOTHING, lxc("lxc-attach", raw, "--", "true"), NOTHING)));

            Path share = root.resolve("share");
            mkdirs(share);
            rows.add(new Row("mount-point hotplug (bind)", "berth set " + id + " --mp0 DIR,mp=/mnt/x",
                    med(NOTHING, berth("set", id, "--mp0", share + ",mp=/mnt/x"), () -> Measure.run(berth("set", id, "--delete", "mp0"))),
                    "", Double.NaN));
            rows.add(new Row("mount-point hot-unplug", "berth set " + id + " --delete mp0",
                    med(() -> Measure.run(berth("set", id, "--mp0", share + ",mp=/mnt/x")), berth("set", id, "--delete", "mp0"), NOTHING),
                    "", Double.NaN));
            int[] mem = {256};
            rows.add(new Row("live memory-limit change", "berth set " + id + " --memory N",
                    Measure.median(Measure.repeat(2, runs, NOTHING,
                            () -> Measure.runMillis(berth("set", id, "--memory", Integer.toString(mem[0] += 8))), NOTHING)),
                    "lxc-cgroup memory.limit_in_bytes N",
                    Measure.median(Measure.repeat(2, runs, NOTHING,
                            () -> Measure.runMillis(lxc("lxc-cgroup", raw, "memory.limit_in_bytes", (mem[0] += 8) + "M")), NOTHING))));
            Measure.run(berth("stop", id));
            Measure.run(lxc("lxc-stop", raw, "-k"));

            progress("defining " + defined + " containers (" + running + " running) on each side");
            for (int i = 1; i < defined; i++) {
                int v = ct + i;
                Measure.run(berth("create", Integer.toString(v), tmpl, "--rootfs", "local:0"));
                berthIds.add(v);
                createRaw("raw" + i);
            }
            for (int i = 0; i < running; i++) {
                Measure.run(berth("start", Integer.toString(ct + i)));
                startRaw("raw" + i);
            }
            rows.add(new Row("list (" + defined + " defined, " + running + " running)", "berth list",
                    med(NOTHING, berth("list"), NOTHING),
                    "lxc-ls -f", med(NOTHING, List.of("lxc-ls", "-P", rawPath.toString(), "-f"), NOTHING)));
            rows.add(new Row("status of all (" + running + " running)", "berth status",
                    med(NOTHING, berth("status"), NOTHING),
                    "lxc-ls -f", med(NOTHING, List.of("lxc-ls", "-P", rawPath.toString(), "-f"), NOTHING)));
            return rows;
        }

        String lastLine(List<String> cmd) {
            try {
                Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
                String out = new String(p.getInputStream().readAllBytes()).strip();
                if (p.waitFor() != 0) throw new IllegalStateException("failed: " + cmd);
                return out.substring(out.lastIndexOf('\n') + 1).strip();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        void createRaw(String name) {
            Measure.run(lxc("lxc-create", name, "-t", "busybox"));
            rawNames.add(name);
            Path conf = rawPath.resolve(name).resolve("config");
            try {
                String c = Files.readString(conf).replaceAll("(?m)^lxc\\.net\\.0\\..*\\n", "");
                Files.writeString(conf, c + "lxc.net.0.type = empty\nlxc.apparmor.profile = unconfined\n");
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        void startRaw(String name) {
            Measure.run(lxc("lxc-start", name, "-d"));
            Measure.run(lxc("lxc-wait", name, "-s", "RUNNING"));
        }

        static void mkdirs(Path p) {
            try {
                Files.createDirectories(p);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        static void progress(String s) {
            System.err.println("bench: " + s);
        }

        @Override public void close() {
            for (String n : rawNames) quiet(lxc("lxc-stop", n, "-k"));
            for (String n : rawNames) quiet(lxc("lxc-destroy", n));
            for (int v : berthIds) quiet(berth("stop", Integer.toString(v)));
            for (int v : berthIds) quiet(berth("destroy", Integer.toString(v), "--purge"));
            quiet(List.of("rm", "-rf", "--one-file-system", root.toString()));
        }

        static void quiet(List<String> cmd) {
            try {
                new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
            } catch (IOException | InterruptedException e) {
                // best effort during cleanup
            }
        }
    }
}
