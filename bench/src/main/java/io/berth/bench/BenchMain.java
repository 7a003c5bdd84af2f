package io.berth.bench;

import io.berth.bench.Measure.Cmd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleSupplier;

/**
 * Benchmarks Berth against raw lxc-* on busybox containers, in one run, and prints each figure's median and the
 * ratio Berth/raw, for both ways bin/berth runs a command: cold (a JVM per command, {@code BERTH_NO_DAEMON=1}) and
 * through berthd (bash + a loopback round trip to the resident JVM). Usage: {@code bench/run.sh [--runs N]
 * [--defined N] [--running N] [--out FILE]}. Needs root, LXC and a built bin/berth.
 */
public final class BenchMain {
    /** How bin/berth runs the command. */
    enum Mode { COLD, DAEMON }

    /** Row groups {@code --only} can pick. */
    static final List<String> GROUPS = List.of("create", "lifecycle", "hotplug", "list");

    /**
     * One row. NaN means not measured: no raw equivalent, berthd does not serve the command (it needs its own
     * process), or the case failed ({@code note} says which).
     */
    record Row(String what, String rawCmd, double rawMs, String berthCmd, double coldMs, double daemonMs, String note) {
        String ratio(double ms) {
            return Double.isNaN(rawMs) || Double.isNaN(ms) ? "-" : String.format(Locale.ROOT, "%.1fx", ms / rawMs);
        }
    }

    /** A target of issue 6 and whether the cold and berthd figures meet it. */
    record Target(String what, String limit, String cold, boolean coldMet, String daemon, boolean daemonMet) {}

    public static void main(String[] args) throws Exception {
        int runs = 11, defined = 100, running = 20;
        boolean snapshotsOnly = false, phasesOnly = false, noSnapshots = false, memoryOnly = false;
        java.util.Set<String> only = new java.util.HashSet<>();
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--defined" -> defined = Integer.parseInt(args[++i]);
                case "--running" -> running = Integer.parseInt(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--snapshots-only" -> snapshotsOnly = true;
                case "--phases-only" -> phasesOnly = true;
                case "--no-snapshots" -> noSnapshots = true;
                case "--memory-only" -> memoryOnly = true;
                case "--only" -> {
                    only.addAll(List.of(args[++i].split(",")));
                    if (!GROUPS.containsAll(only)) {
                        System.err.println("--only " + args[i] + ": allowed are comma-separated " + GROUPS);
                        System.exit(2);
                    }
                }
                default -> {
                    System.err.println("usage: bench/run.sh [--runs N] [--defined N] [--running N] [--out FILE] [--no-jmh] [--memory-only]"
                            + " [--only " + String.join(",", GROUPS) + "] (--only: those rows, printed, nothing written)");
                    System.exit(2);
                }
            }
        }
        if (running > defined || running < 1) {
            System.err.println("--running " + running + " must be between 1 and --defined " + defined);
            System.exit(2);
        }
        Path home = Path.of(System.getProperty("berth.home", ".")).toAbsolutePath().normalize();
        try (Bench b = new Bench(home, runs)) {
            Thread cleanup = new Thread(b::close);
            Runtime.getRuntime().addShutdownHook(cleanup);
            if (phasesOnly) {
                // a quick look while tuning: start's and create's phases through berthd, nothing written
                Path t = b.buildTemplate();
                b.createRaw("raw0");
                Measure.run(b.berth(Mode.DAEMON, "create", "3500", t.toString(), "--rootfs", "local:0", "--quiet"));
                b.berthIds.add(3500);
                System.out.println(b.startPhases("raw0", "3500"));
                System.out.println(b.createPhases(t, Double.NaN, Double.NaN));
                Runtime.getRuntime().removeShutdownHook(cleanup);
                return;
            }
            if (memoryOnly) {
                // only berthd's memory checkpoints (section MEMORY), on one busybox container
                Path t = b.buildTemplate();
                Measure.run(b.berth(Mode.DAEMON, "create", "3500", t.toString(), "--rootfs", "local:0", "--quiet"));
                b.berthIds.add(3500);
                writeMemory(b, out);
                Runtime.getRuntime().removeShutdownHook(cleanup);
                return;
            }
            if (snapshotsOnly) {
                List<Row> snaps = b.snapshotRows(b.buildTemplate());
                String t = renderStorage(snaps, runs);
                System.out.println(t);
                if (out != null) writeSection(out, "SNAPSHOTS", "Measured " + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm"))
                        + " on " + hostSummary() + " (load average before the run: " + b.loadBefore + ").\n\n" + t);
                Runtime.getRuntime().removeShutdownHook(cleanup);
                return;
            }
            if (!only.isEmpty()) {
                // a subset while tuning: printed, not written (the file's tables are whole runs)
                b.only = only;
                List<Row> rows = b.runAll(defined, running);
                System.out.println(render(rows, runs, defined, running) + b.whereShown() + "\n" + renderTargets(targets(rows, running)));
                if (only.contains("create")) System.out.println(b.createPhases);
                if (only.contains("lifecycle")) System.out.println(b.execPhases);
                Runtime.getRuntime().removeShutdownHook(cleanup);
                return;
            }
            List<Row> rows = b.runAll(defined, running);
            String table = render(rows, runs, defined, running) + b.whereShown() + "\n" + renderTargets(targets(rows, running));
            System.out.println(table);
            if (out != null) writeSection(out, "BENCH", "Measured " + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm"))
                    + " on " + hostSummary() + " (load average before the run: " + b.loadBefore + ").\n\n" + table);
            System.out.println(b.startPhases + b.execPhases + b.createPhases);
            if (out != null) writeSection(out, "PHASES", "Measured " + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm"))
                    + " on " + hostSummary() + " (load average before the run: " + b.loadBefore + ").\n\n" + b.startPhases + b.execPhases + b.createPhases);
            writeMemory(b, out);
            if (noSnapshots) {
                Runtime.getRuntime().removeShutdownHook(cleanup);
                return;
            }
            String storageTable = renderStorage(b.snapshotRows(b.buildTemplate()), runs);
            System.out.println(storageTable);
            if (out != null) writeSection(out, "SNAPSHOTS", "Measured " + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm"))
                    + " on " + hostSummary() + ".\n\n" + storageTable);
            Runtime.getRuntime().removeShutdownHook(cleanup);
        }
    }

    static void writeMemory(Bench b, Path out) throws IOException {
        Bench.progress("berthd memory");
        String memory = b.memoryTable(3500, 30);
        System.out.println(memory);
        if (out != null) writeSection(out, "MEMORY", "Measured " + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm"))
                + " on " + hostSummary() + ".\n\n" + memory);
    }

    static String ms(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f", v);
    }

    static String render(List<Row> rows, int runs, int defined, int running) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Medians of %d runs (after warm-up runs), in ms; list/status with %d defined and %d running "
                + "containers. *cold*: a JVM per command (`BERTH_NO_DAEMON=1`); *berthd*: bin/berth forwards to the resident daemon.%n%n",
                runs, defined, running));
        sb.append("| what | raw lxc | berth cold | cold/raw | berth via berthd | berthd/raw | raw command | berth command |\n");
        sb.append("| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |\n");
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | `%s` |%n", r.what() + (r.note().isEmpty() ? "" : " (" + r.note() + ")"),
                    ms(r.rawMs()), ms(r.coldMs()), r.ratio(r.coldMs()), ms(r.daemonMs()), r.ratio(r.daemonMs()),
                    r.rawCmd().isEmpty() ? "-" : "`" + r.rawCmd() + "`", r.berthCmd()));
        }
        return sb.toString();
    }

    /** The storage rows: berth's commands against the raw storage tool doing the same on the same btrfs. */
    static String renderStorage(List<Row> rows, int runs) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Medians of %d runs (after warm-up runs), in ms, on a loop-backed btrfs; rootfs a subvolume "
                + "(`btrfs:0`) of a busybox container. *cold*: a JVM per command; *berthd*: through the resident daemon.%n%n", runs));
        sb.append("| what | raw tool | berth cold | cold/raw | berth via berthd | berthd/raw | raw command | berth command |\n");
        sb.append("| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |\n");
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | `%s` |%n", r.what() + (r.note().isEmpty() ? "" : " (" + r.note() + ")"),
                    ms(r.rawMs()), ms(r.coldMs()), r.ratio(r.coldMs()), ms(r.daemonMs()), r.ratio(r.daemonMs()),
                    r.rawCmd().isEmpty() ? "-" : "`" + r.rawCmd() + "`", r.berthCmd()));
        }
        return sb.toString();
    }

    static List<Target> targets(List<Row> rows, int running) {
        List<Target> t = new ArrayList<>();
        for (Row r : rows) {
            if (r.what().startsWith("start to RUNNING")) {
                t.add(new Target("start within 2x raw lxc-start + lxc-wait, hooks included (issue 12)", "<= 2.0x", r.ratio(r.coldMs()),
                        r.coldMs() <= 2 * r.rawMs(), r.ratio(r.daemonMs()), r.daemonMs() <= 2 * r.rawMs()));
            } else if (r.what().equals("status of one container")) {
                t.add(new Target("status within 1.5x `lxc-info` (issue 12)", "<= 1.5x", r.ratio(r.coldMs()),
                        r.coldMs() <= 1.5 * r.rawMs(), r.ratio(r.daemonMs()), r.daemonMs() <= 1.5 * r.rawMs()));
            } else if (r.what().startsWith("mount-point hotplug")) {
                t.add(new Target("mount-point hotplug (LXD: 30 ms)", "< 20 ms", ms(r.coldMs()), r.coldMs() < 20, ms(r.daemonMs()), r.daemonMs() < 20));
            } else if (r.what().startsWith("status of all")) {
                t.add(new Target("status of " + running + " running containers (LXD list: 138 ms)", "< 50 ms", ms(r.coldMs()), r.coldMs() < 50,
                        ms(r.daemonMs()), r.daemonMs() < 50));
            } else if (r.what().equals("exec `true`")) {
                t.add(new Target("exec within 2x `lxc-attach -- true` (issue 18)", "<= 2.0x", r.ratio(r.coldMs()),
                        r.coldMs() <= 2 * r.rawMs(), r.ratio(r.daemonMs()), r.daemonMs() <= 2 * r.rawMs()));
            } else if (r.what().startsWith("create from template")) {
                t.add(new Target(r.what().replace("create from template ", "create ").replace(" (dir, subvol)", "")
                        + " within 1.3x `tar -xpf` (issue 18)", "<= 1.3x", r.ratio(r.coldMs()), r.coldMs() <= 1.3 * r.rawMs(),
                        r.ratio(r.daemonMs()), r.daemonMs() <= 1.3 * r.rawMs()));
            } else if (r.what().startsWith("CLI start-up")) {
                t.add(new Target("`berth --version`", "< 150 ms", ms(r.coldMs()), r.coldMs() < 150, ms(r.daemonMs()), r.daemonMs() < 150));
            }
        }
        return t;
    }

    static String renderTargets(List<Target> targets) {
        StringBuilder sb = new StringBuilder("Targets of issues 6, 12 and 18 (medians above):\n\n| target | limit | cold | met | berthd | met |\n| --- | --- | ---: | --- | ---: | --- |\n");
        for (Target t : targets) {
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s |%n", t.what(), t.limit(), t.cold(), met(t.cold(), t.coldMet()),
                    t.daemon(), met(t.daemon(), t.daemonMet())));
        }
        return sb.toString();
    }

    private static String met(String figure, boolean met) {
        return figure.equals("-") ? "not measured" : met ? "yes" : "**no**";
    }

    /** Replaces the text between the {@code <!-- BEGIN name -->}/{@code <!-- END name -->} markers, keeping the prose. */
    static void writeSection(Path file, String name, String body) throws IOException {
        String begin = "<!-- BEGIN " + name + " -->", end = "<!-- END " + name + " -->";
        String text = Files.exists(file) ? Files.readString(file) : "# Performance\n";
        int a = text.indexOf(begin), z = text.indexOf(end);
        if (a < 0 || z < a) {
            text = text + "\n" + begin + "\n" + end + "\n";
            a = text.indexOf(begin);
            z = text.indexOf(end);
        }
        Files.writeString(file, text.substring(0, a + begin.length()) + "\n" + body.strip() + "\n" + text.substring(z));
    }

    static String hostSummary() {
        return Runtime.getRuntime().availableProcessors() + " cpus, kernel " + System.getProperty("os.version") + ", Java "
                + System.getProperty("java.version");
    }

    private BenchMain() {}

    /** Holds the scratch root, the raw LXC path and berthd of one benchmark run and removes them at the end. */
    static final class Bench implements AutoCloseable {
        static final int WARMUP = 3;
        final Path home;
        final int runs;
        final Path root;
        final Path rawPath;
        final String loadBefore;
        final List<String> rawNames = new ArrayList<>();
        final List<Integer> berthIds = new ArrayList<>();
        boolean daemonStarted;
        private boolean closed;

        /** The loop device and image file of the scratch root's own filesystem; null when it is on the host's. */
        String rootLoop;
        Path rootImage;

        Bench(Path home, int runs) throws IOException {
            this.home = home;
            this.runs = runs;
            this.root = Files.createTempDirectory("berth-bench-");
            ownFilesystem();
            this.rawPath = root.resolve("rawlxc");
            Files.createDirectories(rawPath);
            String load;
            try {
                load = String.join(" ", List.of(Files.readString(Path.of("/proc/loadavg")).split(" ")).subList(0, 3));
            } catch (IOException e) {
                load = "unknown";
            }
            this.loadBefore = load;
        }

        /**
         * Puts the scratch root (configs, storage, the raw containers, tar's target) on a fresh journaled ext4 of its own
         * (mkfs defaults, on a loop device), so that both sides of a row write to the same, clean filesystem and no
         * figure depends on what the rest of the machine or an earlier row did to the host's. On the host's root
         * filesystem here (ext4 without a journal) every new inode costs a scan of the inodes deleted in the last
         * minutes in its group, so {@code tar -xpf} of the busybox template took 88 ms in one row and 294 ms in the
         * next, depending on how many trees the rows before had removed. Without loop devices it stays on the host's.
         */
        private void ownFilesystem() {
            try {
                rootImage = Files.createTempFile("berth-bench-", ".ext4");
                Measure.run(new Cmd(List.of("truncate", "-s", "8G", rootImage.toString())));
                // inode tables and journal written now, not by ext4lazyinit in the background during the figures
                Measure.run(new Cmd(List.of("mkfs.ext4", "-q", "-F", "-N", "262144", "-E", "lazy_itable_init=0,lazy_journal_init=0",
                        rootImage.toString())));
                rootLoop = lastLine(Measure.run(new Cmd(List.of("losetup", "-f", "--show", rootImage.toString()))));
                Measure.run(new Cmd(List.of("mount", rootLoop, root.toString())));
                progress("scratch root " + root + ": a fresh ext4 on " + rootLoop);
            } catch (IOException | RuntimeException e) {
                System.err.println("bench: WARNING: no filesystem of its own for the scratch root (" + e.getMessage()
                        + "); it stays on the host's, whose state can skew the create rows");
                if (rootLoop != null) Measure.quiet(new Cmd(List.of("losetup", "-d", rootLoop)));
                rootLoop = null;
                deleteImage();
            }
        }

        private void deleteImage() {
            try {
                if (rootImage != null) Files.deleteIfExists(rootImage);
            } catch (IOException e) {
                System.err.println("bench: cannot remove " + rootImage + ": " + e.getMessage());
            }
            rootImage = null;
        }

        /** Says where both sides wrote (appended to the table). */
        String whereShown() {
            return rootLoop != null ? "\nBoth sides on the same fresh ext4 (mkfs defaults, journaled, on a loop device), synced before each create.\n"
                    : "\nBoth sides on the host's filesystem (no loop device for one of its own), synced before each create.\n";
        }

        /** Untimed, before each timed create on either side: the previous iteration's writes are on disk. */
        void syncRoot() {
            Measure.run(new Cmd(List.of("sync", "-f", root.toString())));
        }

        Cmd berth(Mode mode, String... args) {
            List<String> c = new ArrayList<>(List.of(home.resolve("bin/berth").toString(), "--root", root.toString()));
            c.addAll(List.of(args));
            // an empty BERTH_NO_DAEMON counts as unset in bin/berth
            return new Cmd(c, Map.of("BERTH_NO_DAEMON", mode == Mode.COLD ? "1" : ""));
        }

        Cmd lxc(String tool, String name, String... args) {
            List<String> c = new ArrayList<>(List.of(tool, "-P", rawPath.toString(), "-n", name));
            c.addAll(List.of(args));
            return new Cmd(c);
        }

        static String shown(String... args) {
            return "berth " + String.join(" ", args);
        }

        double med(Runnable setup, Cmd cmd, Runnable teardown) {
            return Measure.median(Measure.repeat(WARMUP, runs, setup, () -> Measure.runMillis(cmd), teardown));
        }

        double med(Runnable setup, Measure.TimedBody body, Runnable teardown) {
            return Measure.median(Measure.repeat(WARMUP, runs, setup, body, teardown));
        }

        /** The LXC monitor of a running raw container: its init's parent. */
        long monitorPid(String name) {
            String init = lastLine(Measure.run(lxc("lxc-info", name, "-pH")));
            try {
                String stat = Files.readString(Path.of("/proc", init, "stat"));
                return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
            } catch (IOException | RuntimeException e) {
                throw new IllegalStateException("no monitor for " + name + " (init pid '" + init + "'): " + e.getMessage(), e);
            }
        }

        /**
         * Polls until the process has exited (every 0.2 ms; at most 60 s): its /proc entry is gone or it is a zombie. A
         * daemonized monitor is reaped by PID 1, which here (not systemd) may take seconds; berth stop's pidfd also
         * reports the exit, not the reaping.
         */
        static void awaitGone(long pid) {
            Path stat = Path.of("/proc", Long.toString(pid), "stat");
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (alive(stat)) {
                if (System.nanoTime() > deadline) throw new IllegalStateException("process " + pid + " still there after 60 s");
                java.util.concurrent.locks.LockSupport.parkNanos(200_000);
            }
        }

        private static boolean alive(Path stat) {
            try {
                String s = Files.readString(stat);
                return s.charAt(s.lastIndexOf(')') + 2) != 'Z';
            } catch (IOException | RuntimeException e) {
                return false;
            }
        }

        double med(Cmd cmd) {
            return med(NOTHING, cmd, NOTHING);
        }

        static final Runnable NOTHING = () -> {};

        /** A figure of one case; a failure is reported and leaves the figure empty instead of ending the run. */
        double figure(String what, List<String> failures, DoubleSupplier s) {
            try {
                return s.getAsDouble();
            } catch (RuntimeException e) {
                String msg = e.getMessage() == null ? e.toString() : e.getMessage();
                System.err.println("bench: " + what + " failed: " + msg);
                failures.add(what);
                return Double.NaN;
            }
        }

        /** Measures one case on the raw side and on both berth paths. */
        Row row(String what, String rawShown, DoubleSupplier raw, String berthShown, java.util.function.ToDoubleFunction<Mode> berth,
                boolean daemonServes, String note) {
            progress(what);
            List<String> failed = new ArrayList<>();
            double r = raw == null ? Double.NaN : figure(what + " (raw)", failed, raw);
            double c = figure(what + " (cold)", failed, () -> berth.applyAsDouble(Mode.COLD));
            double d = daemonServes && daemonStarted ? figure(what + " (berthd)", failed, () -> berth.applyAsDouble(Mode.DAEMON)) : Double.NaN;
            List<String> notes = new ArrayList<>();
            if (!note.isEmpty()) notes.add(note);
            if (!failed.isEmpty()) notes.add("FAILED: " + String.join(", ", failed));
            if (!daemonServes) notes.add("berthd does not serve it: own process");
            return new Row(what, rawShown, r, berthShown, c, d, String.join("; ", notes));
        }

        /**
         * {@link #row} with the sides interleaved per iteration, the order rotating (1 warm-up iteration): a change of
         * the machine's state during the row weighs on all sides alike. The teardowns run untimed after each body.
         */
        Row interleavedRow(String what, String rawShown, Measure.TimedBody raw, Runnable rawTeardown, String berthShown,
                java.util.function.ToDoubleFunction<Mode> berth, java.util.function.Consumer<Mode> berthTeardown, int n, String note) {
            progress(what + ", sides interleaved");
            Mode[] modes = {null, Mode.COLD, Mode.DAEMON};
            String[] sides = {"raw", "cold", "berthd"};
            List<List<Double>> figures = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
            boolean[] failed = new boolean[3];
            List<String> failures = new ArrayList<>();
            for (int i = 0; i < 1 + n; i++) {
                for (int k = 0; k < 3; k++) {
                    int side = (i + k) % 3;
                    if (failed[side] || (side == 2 && !daemonStarted)) continue;
                    try {
                        double ms;
                        try {
                            ms = side == 0 ? raw.run() : berth.applyAsDouble(modes[side]);
                        } finally {
                            if (side == 0) rawTeardown.run();
                            else berthTeardown.accept(modes[side]);
                        }
                        if (i > 0) figures.get(side).add(ms);
                    } catch (RuntimeException e) {
                        System.err.println("bench: " + what + " (" + sides[side] + ") failed: " + e.getMessage());
                        failed[side] = true;
                        failures.add(what + " (" + sides[side] + ")");
                    }
                }
            }
            double[] med = new double[3];
            for (int side = 0; side < 3; side++) {
                med[side] = failed[side] || figures.get(side).isEmpty() ? Double.NaN : Measure.median(figures.get(side));
            }
            List<String> notes = new ArrayList<>(List.of("sides interleaved, " + n + " runs"));
            if (!note.isEmpty()) notes.add(note);
            if (!failures.isEmpty()) notes.add("FAILED: " + String.join(", ", failures));
            return new Row(what, rawShown, med[0], berthShown, med[1], med[2], String.join("; ", notes));
        }

        Path template;

        Path buildTemplate() {
            if (template != null) return template;
            progress("building the busybox template");
            String tmpl = lastLine(Measure.run(berth(Mode.COLD, "template", "build", "busybox")));
            Path tmplFile = Path.of(tmpl);
            if (!Files.isRegularFile(tmplFile)) throw new IllegalStateException("template build printed '" + tmpl + "', not a file");
            startDaemon();
            template = tmplFile;
            return tmplFile;
        }

        String btrfsLoop;
        Path btrfsMount;

        /**
         * snapshot, rollback and linked clone of a container whose rootfs is a btrfs subvolume, against
         * {@code btrfs subvolume snapshot} on the same filesystem (what each of them costs at the storage level).
         */
        List<Row> snapshotRows(Path tmplFile) {
            List<Row> rows = new ArrayList<>();
            progress("making a loop-backed btrfs for the snapshot rows");
            Path img = root.resolve("btrfs.img");
            Measure.run(new Cmd(List.of("truncate", "-s", "2G", img.toString())));
            btrfsLoop = lastLine(Measure.run(new Cmd(List.of("losetup", "-f", "--show", img.toString()))));
            Measure.run(new Cmd(List.of("mkfs.btrfs", "-q", btrfsLoop)));
            btrfsMount = root.resolve("btrfs");
            mkdirs(btrfsMount);
            Measure.run(new Cmd(List.of("mount", btrfsLoop, btrfsMount.toString())));
            try {
                Path cfg = root.resolve("etc/storage.cfg");
                mkdirs(cfg.getParent());
                Files.writeString(cfg, "dir: local\n\tpath " + root.resolve("var/storage/local") + "\n\tcontent rootdir,images,vztmpl,backup\n\n"
                        + "btrfs: bb\n\tpath " + btrfsMount.resolve("bb") + "\n\tcontent rootdir,images\n");
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            int ct = 3300, tpl = 3301;
            String id = Integer.toString(ct);
            for (int v : List.of(ct, tpl)) {
                Measure.run(berth(Mode.COLD, "create", Integer.toString(v), tmplFile.toString(), "--rootfs", "bb:0", "--hostname", "snap" + v));
                berthIds.add(v);
            }
            Path subvol = btrfsMount.resolve("bb/images/" + ct + "/subvol-" + ct + "-disk-0");
            int[] n = {0};
            rows.add(row("snapshot (stopped, 1 subvol volume)", "btrfs subvolume snapshot -r",
                    () -> med(NOTHING, new Cmd(List.of("sh", "-c", "btrfs subvolume snapshot -r " + subvol + " " + subvol + "@raw >/dev/null")),
                            () -> Measure.run(new Cmd(List.of("btrfs", "subvolume", "delete", subvol + "@raw")))),
                    shown("snapshot", id, "sN"),
                    m -> Measure.median(Measure.repeat(WARMUP, runs, NOTHING, () -> {
                        String s = "s" + n[0]++;
                        double t = Measure.runMillis(berth(m, "snapshot", id, s));
                        Measure.run(berth(m, "delsnapshot", id, s));
                        return t;
                    }, NOTHING)), true, "config steps: lock, [sN] with snapstate, commit"));
            Measure.run(berth(Mode.COLD, "snapshot", id, "base"));
            rows.add(row("rollback (stopped)", "btrfs subvolume snapshot S T; btrfs subvolume delete OLD; mv T OLD",
                    () -> med(NOTHING, new Cmd(List.of("sh", "-c", "btrfs subvolume snapshot " + subvol + "@base " + subvol + ".t >/dev/null"
                                    + " && btrfs subvolume delete " + subvol + " >/dev/null && mv " + subvol + ".t " + subvol)), NOTHING),
                    shown("rollback", id, "base"), m -> med(berth(m, "rollback", id, "base")), true, ""));
            Measure.run(berth(Mode.COLD, "template", Integer.toString(tpl)));
            Path base = btrfsMount.resolve("bb/images/" + tpl + "/basevol-" + tpl + "-disk-0");
            Path rawClone = btrfsMount.resolve("bb/raw-clone");
            int[] next = {3400};
            rows.add(row("linked clone of a template", "btrfs subvolume snapshot BASE NEW",
                    () -> med(NOTHING, new Cmd(List.of("sh", "-c", "btrfs subvolume snapshot " + base + " " + rawClone + " >/dev/null")),
                            () -> Measure.run(new Cmd(List.of("btrfs", "subvolume", "delete", rawClone.toString())))),
                    shown("clone", Integer.toString(tpl), "N"),
                    m -> Measure.median(Measure.repeat(WARMUP, runs, NOTHING, () -> {
                        int v = next[0]++;
                        double t = Measure.runMillis(berth(m, "clone", Integer.toString(tpl), Integer.toString(v)));
                        Measure.run(berth(Mode.COLD, "destroy", Integer.toString(v)));
                        return t;
                    }, NOTHING)), true, "berth also sets the guest's hostname/network in the clone"));
            return rows;
        }

        void startDaemon() {
            progress("starting berthd");
            try {
                // berthd passes its environment on to lxc-start and so to the hooks: it must not carry BERTH_NO_DAEMON=1
                Measure.run(berth(Mode.DAEMON, "daemon", "start"));
                daemonStarted = true;
                // a resident daemon is warm in steady state: let its JIT see the read paths first
                for (int i = 0; i < 40; i++) {
                    Measure.run(berth(Mode.DAEMON, "--version"));
                    Measure.run(berth(Mode.DAEMON, "list"));
                }
                double v = med(berth(Mode.DAEMON, "--version"));
                if (v > 50) System.err.println("bench: WARNING: --version through berthd takes " + ms(v) + " ms; is it serving?");
            } catch (RuntimeException e) {
                System.err.println("bench: berthd did not start, only cold figures: " + e.getMessage());
            }
        }

        /** The row groups to run ({@link #GROUPS}); empty: all. */
        java.util.Set<String> only = java.util.Set.of();

        boolean want(String group) {
            return only.isEmpty() || only.contains(group);
        }

        List<Row> runAll(int defined, int running) {
            List<Row> rows = new ArrayList<>();
            Path tmplFile = buildTemplate();

            progress("creating the raw LXC busybox container");
            String raw = "raw0";
            createRaw(raw);

            if (want("lifecycle")) rows.add(row("CLI start-up (`--version`)", "lxc-start --version", () -> med(new Cmd(List.of("lxc-start", "--version"))),
                    shown("--version"), m -> med(berth(m, "--version")), true, ""));

            // create from template vs plain tar extraction of the same archive (privileged and unprivileged, busybox and
            // the Debian rootfs tests use when it exists)
            if (want("create")) {
                List<Path> templates = new ArrayList<>(List.of(tmplFile));
                Path debian = Path.of("/var/cache/berth/debian-12-rootfs.tar.zst");
                if (Files.isRegularFile(debian)) templates.add(debian);
                warmCreate(tmplFile);
                for (Path t : templates) {
                    rows.addAll(createRows(t, t == tmplFile ? runs : Math.min(runs, 5)));
                }
                if (daemonStarted) {
                    progress("create phases");
                    double tar = rows.stream().filter(r -> r.what().startsWith("create from template " + tmplFile.getFileName() + " (dir")).findFirst().map(Row::rawMs).orElse(Double.NaN);
                    double tarU = rows.stream().filter(r -> r.what().startsWith("create from template " + tmplFile.getFileName() + " (unpriv")).findFirst().map(Row::rawMs).orElse(Double.NaN);
                    createPhases = createPhases(tmplFile, tar, tarU);
                }
            }

            int ct = 3500; // VMIDs: perf's range 3000-3999 (COORD.md)
            Measure.run(berth(Mode.COLD, "create", Integer.toString(ct), tmplFile.toString(), "--rootfs", "local:0", "--hostname", "bench"));
            berthIds.add(ct);
            String id = Integer.toString(ct);

            if (want("lifecycle")) {
                // interleaved, 3x the runs: a start's cgroup set-up in the kernel (a mkdir per v1 controller) varies from
                // 13 to 40 ms from one start to the next, in bursts, on both sides alike (LXC's TRACE log)
                rows.add(interleavedRow("start to RUNNING", "lxc-start -d; lxc-wait -s RUNNING",
                        () -> {
                            long t0 = System.nanoTime();
                            Measure.run(lxc("lxc-start", raw, "-d"));
                            Measure.run(lxc("lxc-wait", raw, "-s", "RUNNING", "-t", "60"));
                            return (System.nanoTime() - t0) / 1e6;
                        },
                        () -> Measure.run(lxc("lxc-stop", raw, "-k")),
                        shown("start", id), m -> Measure.runMillis(berth(m, "start", id)), m -> Measure.run(berth(m, "stop", id)),
                        3 * runs, "berth does its pre-start work (mounts, guest setup) itself before lxc-start"));

                if (daemonStarted) {
                    progress("start phases");
                    startPhases = startPhases(raw, id);
                }

                // berth stop returns once LXC's monitor has exited (its post-stop teardown and hooks done); lxc-stop -k returns
                // as soon as the monitor has the kill request, so the raw side waits for the same monitor to exit
                long[] monitor = {0};
                rows.add(row("stop (kill, until the monitor is gone)", "lxc-stop -k; until its monitor has exited",
                        () -> med(() -> {
                            startRaw(raw);
                            monitor[0] = monitorPid(raw);
                        }, () -> {
                            long t0 = System.nanoTime();
                            Measure.run(lxc("lxc-stop", raw, "-k"));
                            awaitGone(monitor[0]);
                            return (System.nanoTime() - t0) / 1e6;
                        }, NOTHING),
                        shown("stop", id), m -> med(() -> Measure.run(berth(m, "start", id)), berth(m, "stop", id), NOTHING), true,
                        "both until LXC's monitor process has exited"));

            }

            Measure.run(berth(Mode.COLD, "start", id));
            startRaw(raw);
            if (want("lifecycle")) {
                rows.add(row("status of one container", "lxc-info", () -> med(lxc("lxc-info", raw)),
                        shown("status", id), m -> med(berth(m, "status", id)), true, ""));
                if (daemonStarted) {
                    // as the list/status, set and create rows warm theirs: a resident daemon is warm in steady state
                    progress("warming berthd's exec path");
                    for (int i = 0; i < 100; i++) Measure.run(berth(Mode.DAEMON, "exec", id, "--", "true"));
                }
                rows.add(row("exec `true`", "lxc-attach -- true", () -> med(lxc("lxc-attach", raw, "--", "true")),
                        shown("exec", id, "-- true"), m -> med(berth(m, "exec", id, "--", "true")), true, ""));
                if (daemonStarted) {
                    progress("exec phases");
                    execPhases = execPhases(raw, id);
                }
                // enter-like: on a terminal (util-linux script gives the command a pty), lxc-attach allocates a pty of the
                // container's and puts ours in raw mode; through berthd the client execs the prepared lxc-attach
                rows.add(row("exec `true` on a pty (enter-like)", "script -qec 'lxc-attach -- true'",
                        () -> med(new Cmd(List.of("script", "-qec", String.join(" ", lxc("lxc-attach", raw, "--", "true").argv()), "/dev/null"))),
                        shown("exec", id, "-- true") + " under script",
                        m -> med(new Cmd(List.of("script", "-qec", String.join(" ", berth(m, "exec", id, "--", "true").argv()), "/dev/null"),
                                berth(m).env())), true, "both under `script -qec CMD /dev/null`"));

                // enter: until the shell on the pty prints its prompt (input typed earlier would be flushed when lxc-attach
                // puts the terminal in raw mode), then `exit`; console: until lxc-console's banner says it is attached to
                // the container's console (berth console execs the lxc-console berthd prepared, as enter does)
                rows.add(row("enter attach (until the shell's prompt)", "lxc-attach",
                        () -> Measure.median(Measure.repeat(WARMUP, runs, NOTHING, () -> attach(lxc("lxc-attach", raw), " # ", "exit\r".getBytes()), NOTHING)),
                        shown("enter", id),
                        m -> Measure.median(Measure.repeat(WARMUP, runs, NOTHING, () -> attach(berth(m, "enter", id), " # ", "exit\r".getBytes()), NOTHING)),
                        true, "both under `script`"));
                Measure.run(berth(Mode.COLD, "set", id, "--cmode", "console"));
                rows.add(row("console attach (until lxc-console's banner)", "lxc-console -t 0",
                        () -> Measure.median(Measure.repeat(WARMUP, runs, NOTHING, () -> attach(lxc("lxc-console", raw, "-t", "0"), "Ctrl+a q", new byte[] {1, 'q'}), NOTHING)),
                        shown("console", id),
                        m -> Measure.median(Measure.repeat(WARMUP, runs, NOTHING, () -> attach(berth(m, "console", id), "Ctrl+a q", new byte[] {1, 'q'}), NOTHING)), true,
                        "cmode console; both under `script`, left with Ctrl-a q"));
            }

            if (want("hotplug")) {
                Path share = root.resolve("share");
                mkdirs(share);
                String mp = share + ",mp=/mnt/bench";
                checkHotplug(id, mp);
                if (daemonStarted) {
                    // as for list/status below: a resident daemon has served many `set`s; these are the first of the run,
                    // and berthd (5x JIT thresholds) runs the set command's path interpreted for the first hundreds
                    progress("warming berthd's set path");
                    for (int i = 0; i < 30; i++) {
                        Measure.run(berth(Mode.DAEMON, "set", id, "--mp0", mp));
                        Measure.run(berth(Mode.DAEMON, "set", id, "--delete", "mp0"));
                    }
                }
                rows.add(row("mount-point hotplug (bind)", "", null, shown("set", id, "--mp0 DIR,mp=/mnt/bench"),
                        m -> med(NOTHING, berth(m, "set", id, "--mp0", mp), () -> Measure.run(berth(m, "set", id, "--delete", "mp0"))), true,
                        "no raw equivalent; LXD: 30 ms"));
                rows.add(row("mount-point hot-unplug", "", null, shown("set", id, "--delete mp0"),
                        m -> med(() -> Measure.run(berth(m, "set", id, "--mp0", mp)), berth(m, "set", id, "--delete", "mp0"), NOTHING), true,
                        "no raw equivalent"));
            }
            if (want("lifecycle")) {
                int[] mem = {256};
                rows.add(row("live memory-limit change", "lxc-cgroup memory.limit_in_bytes N",
                        () -> Measure.median(Measure.repeat(WARMUP, runs, NOTHING,
                                () -> Measure.runMillis(lxc("lxc-cgroup", raw, "memory.limit_in_bytes", (mem[0] += 8) + "M")), NOTHING)),
                        shown("set", id, "--memory N"),
                        m -> Measure.median(Measure.repeat(WARMUP, runs, NOTHING,
                                () -> Measure.runMillis(berth(m, "set", id, "--memory", Integer.toString(mem[0] += 8))), NOTHING)), true, ""));
            }
            Measure.run(berth(Mode.COLD, "stop", id));
            Measure.run(lxc("lxc-stop", raw, "-k"));

            if (!want("list")) return rows;
            progress("defining " + defined + " containers (" + running + " running) on each side");
            for (int i = 1; i < defined; i++) {
                int v = ct + i;
                Measure.run(berth(Mode.COLD, "create", Integer.toString(v), tmplFile.toString(), "--rootfs", "local:0"));
                berthIds.add(v);
                createRaw("raw" + i);
            }
            Mode fast = daemonStarted ? Mode.DAEMON : Mode.COLD;
            for (int i = 0; i < running; i++) {
                Measure.run(berth(fast, "start", Integer.toString(ct + i)));
                startRaw("raw" + i);
            }
            // let the containers' init scripts finish, so neither side measures boot noise
            sleep(3000);
            Cmd lxcLs = new Cmd(List.of("lxc-ls", "-P", rawPath.toString(), "-f"));
            double ls = med(lxcLs);
            if (daemonStarted) {
                // berthd compiles only code that ran 1000 times (bin/berth-jvm: 5x C1's thresholds, for its memory), so
                // the once-per-request path of list/status is still interpreted after the few hundred requests of the
                // rows above; a resident daemon has served thousands. Untimed, 100 of each first (measured in session
                // 4: berthd's CPU for a status of 32 containers went from 24 ms to 12 ms over 300 calls).
                progress("warming berthd's list/status path");
                for (int i = 0; i < 100; i++) {
                    Measure.run(berth(Mode.DAEMON, "list"));
                    Measure.run(berth(Mode.DAEMON, "status"));
                }
            }
            rows.add(row("list (" + defined + " defined, " + running + " running)", "lxc-ls -f", () -> ls,
                    shown("list"), m -> med(berth(m, "list")), true, ""));
            rows.add(row("status of all (" + defined + " defined, " + running + " running)", "lxc-ls -f", () -> ls,
                    shown("status"), m -> med(berth(m, "status")), true, ""));
            return rows;
        }

        /** VMIDs of the create rows (the bench's range, COORD.md). */
        private int nextCreateId = 3200;

        /**
         * Creates through berthd before the create rows, untimed: a resident daemon has created containers before, as
         * the list/status and set rows warm theirs. berthd compiles only code that ran 1000 times (5x C1's thresholds),
         * so its fixed work per create (everything but the extraction) fell from ~17 ms over its first 12 creates to
         * ~15 over the next 12 and ~13 after 25 (phase medians, 2026-12-02, load 3-9): 30 reach that steady state.
         */
        void warmCreate(Path tmpl) {
            if (!daemonStarted) return;
            progress("warming berthd's create path");
            for (int i = 0; i < 30; i++) {
                int v = nextCreateId++;
                berthIds.add(v);
                List<String> a = new ArrayList<>(List.of("create", Integer.toString(v), tmpl.toString(), "--rootfs", "local:0", "--quiet"));
                if (i % 2 == 1) a.addAll(List.of("--unprivileged", "1"));
                Measure.quiet(berth(Mode.DAEMON, a.toArray(String[]::new)));
                destroy(v);
                berthIds.remove(Integer.valueOf(v));
            }
        }

        /**
         * The two create rows of a template, privileged and unprivileged: {@code tar -xpf} of the archive, berth cold and
         * berth through berthd, interleaved per iteration with the order rotating (1 warm-up iteration), and each
         * iteration of the privileged row followed by one of the unprivileged row, so that the machine's load or the
         * filesystem's state changing during the rows weighs on all sides and on both rows alike instead of on whichever
         * side or row ran in that stretch (measured one row after the other, the unprivileged busybox row was 1.4x in three
         * quiet runs while the privileged one was 1.2-1.3x; interleaved, both were 1.2x: docs/PERFORMANCE.md). Each timed
         * command starts on a synced filesystem; what it wrote is removed after it (untimed).
         */
        List<Row> createRows(Path t, int n) {
            boolean[] kinds = {false, true};
            String[] what = new String[2];
            for (int u = 0; u < 2; u++) what[u] = "create from template " + t.getFileName() + (kinds[u] ? " (unprivileged, idmapped)" : "") + " (dir, subvol)";
            progress(what[0] + ", interleaved with " + what[1]);
            Path tarDir = root.resolve("tarx");
            String[] sides = {"raw", "cold", "berthd"};
            List<List<List<Double>>> figures = new ArrayList<>();
            boolean[][] failed = new boolean[2][3];
            List<List<String>> failures = List.of(new ArrayList<>(), new ArrayList<>());
            for (int u = 0; u < 2; u++) figures.add(List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>()));
            for (int i = 0; i < 1 + n; i++) {
                for (int u = 0; u < 2; u++) {
                    for (int k = 0; k < 3; k++) {
                        int side = (i + k) % 3;
                        if (failed[u][side] || (side == 2 && !daemonStarted)) continue;
                        double ms;
                        try {
                            if (side == 0) {
                                mkdirs(tarDir);
                                syncRoot();
                                try {
                                    ms = Measure.runMillis(new Cmd(List.of("tar", "--numeric-owner", "-xpf", t.toString(), "-C", tarDir.toString())));
                                } finally {
                                    Measure.quiet(new Cmd(List.of("rm", "-rf", tarDir.toString())));
                                }
                            } else {
                                int v = nextCreateId++;
                                berthIds.add(v);
                                List<String> a = new ArrayList<>(List.of("create", Integer.toString(v), t.toString(), "--rootfs", "local:0"));
                                if (kinds[u]) a.addAll(List.of("--unprivileged", "1"));
                                syncRoot();
                                try {
                                    ms = Measure.runMillis(berth(side == 1 ? Mode.COLD : Mode.DAEMON, a.toArray(String[]::new)));
                                } finally {
                                    destroy(v);
                                    berthIds.remove(Integer.valueOf(v));
                                }
                            }
                        } catch (RuntimeException e) {
                            System.err.println("bench: " + what[u] + " (" + sides[side] + ") failed: " + e.getMessage());
                            failed[u][side] = true;
                            failures.get(u).add(what[u] + " (" + sides[side] + ")");
                            continue;
                        }
                        if (i > 0) figures.get(u).get(side).add(ms);
                    }
                }
            }
            List<Row> rows = new ArrayList<>();
            for (int u = 0; u < 2; u++) {
                double[] med = new double[3];
                for (int side = 0; side < 3; side++) {
                    List<Double> f = figures.get(u).get(side);
                    med[side] = failed[u][side] || f.isEmpty() ? Double.NaN : Measure.median(f);
                }
                List<String> notes = new ArrayList<>();
                notes.add("sides interleaved");
                if (!failures.get(u).isEmpty()) notes.add("FAILED: " + String.join(", ", failures.get(u)));
                rows.add(new Row(what[u], "tar -xpf " + t.getFileName(), med[0],
                        shown("create N", t.getFileName().toString(), "--rootfs local:0" + (kinds[u] ? " --unprivileged 1" : "")),
                        med[1], med[2], String.join("; ", notes)));
            }
            return rows;
        }

        String startPhases = "berthd did not start: not measured.";

        /**
         * Where {@code berth start} through berthd spends its time: berthd records its phases when the client's
         * environment has {@code BERTH_PHASES=1} (the pre-start work, {@code prepare.*}, runs in berthd before
         * lxc-start, which runs no pre-start hook), the rest of the wall time is the client's (launcher, berth-client,
         * the round trip). The raw side is split into {@code lxc-start -d} and {@code lxc-wait}. Medians of {@code runs} starts each.
         */
        String startPhases(String raw, String id) {
            List<Double> rawStart = new ArrayList<>(), rawWait = new ArrayList<>(), rawTotal = new ArrayList<>();
            for (int i = 0; i < WARMUP + runs; i++) {
                long t0 = System.nanoTime();
                Measure.run(lxc("lxc-start", raw, "-d"));
                long t1 = System.nanoTime();
                Measure.run(lxc("lxc-wait", raw, "-s", "RUNNING", "-t", "60"));
                long t2 = System.nanoTime();
                Measure.run(lxc("lxc-stop", raw, "-k"));
                if (i < WARMUP) continue;
                rawStart.add((t1 - t0) / 1e6);
                rawWait.add((t2 - t1) / 1e6);
                rawTotal.add((t2 - t0) / 1e6);
            }
            PhaseRuns pr = phaseRuns(() -> berth(Mode.DAEMON, "start", id), () -> Measure.run(berth(Mode.DAEMON, "stop", id)));
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "`berth start` of a busybox container: medians of %d starts "
                    + "(phases recorded by berthd with `BERTH_PHASES=1`; the `prepare.*` phases are the pre-start work berthd does "
                    + "in the namespace it starts lxc-start in, which runs no pre-start hook).%n%n| phase | ms |%n| --- | ---: |%n", runs));
            double phaseSum = pr.render(sb, "berth start via berthd");
            sb.append("| raw: `lxc-start -d` | ").append(ms(Measure.median(rawStart))).append(" |\n");
            sb.append("| raw: `lxc-wait -s RUNNING` | ").append(ms(Measure.median(rawWait))).append(" |\n");
            sb.append("| **raw total** | **").append(ms(Measure.median(rawTotal))).append("** |\n");
            sb.append(String.format(Locale.ROOT, "%nRatio of the medians: %.2fx (sum of the phase medians: %.1f ms).%n",
                    Measure.median(pr.totals()) / Measure.median(rawTotal), phaseSum));
            sb.append(stopPhases(raw, id));
            return sb.toString();
        }

        String execPhases = "";

        /**
         * Where {@code berth exec ID -- true} through berthd spends its time, beside {@code lxc-attach -- true} (runs
         * interleaved): with {@code BERTH_PHASES=1} berthd prints its phases (from accepting the request: reading it and
         * parsing the command line, the config's existence, the running check over LXC's command socket) and the client
         * its own (building and sending the request, the round trip until berthd's answer, starting the lxc-attach
         * berthd prepared, lxc-attach until it exits). The rest of the wall time is bin/berth (dash) and the exec of
         * the client, and the exit.
         */
        String execPhases(String raw, String id) {
            List<Double> rawTotal = new ArrayList<>(), total = new ArrayList<>();
            Map<String, List<Double>> ph = new java.util.LinkedHashMap<>();
            Cmd cmd = berth(Mode.DAEMON, "exec", id, "--", "true");
            Map<String, String> env = new java.util.HashMap<>(cmd.env());
            env.put("BERTH_PHASES", "1");
            Cmd withPhases = new Cmd(cmd.argv(), env);
            for (int i = 0; i < WARMUP + runs; i++) {
                long t0 = System.nanoTime();
                Measure.run(lxc("lxc-attach", raw, "--", "true"));
                long t1 = System.nanoTime();
                String out = Measure.run(withPhases);
                long t2 = System.nanoTime();
                if (i < WARMUP) continue;
                rawTotal.add((t1 - t0) / 1e6);
                total.add((t2 - t1) / 1e6);
                out.lines().filter(l -> l.startsWith("berth-phases: ")).forEach(l -> {
                    for (String kv : l.substring("berth-phases: ".length()).split(" ")) {
                        int eq = kv.lastIndexOf('=');
                        ph.computeIfAbsent(kv.substring(0, eq), k -> new ArrayList<>()).add(Double.parseDouble(kv.substring(eq + 1)));
                    }
                });
            }
            java.util.function.Function<String, Double> m = k -> ph.containsKey(k) ? Measure.median(ph.get(k)) : Double.NaN;
            double inBerthd = 0;
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%n`berth exec ID -- true` through berthd: medians of %d runs "
                    + "(phases printed by berthd and berth-client with `BERTH_PHASES=1`), interleaved with `lxc-attach -- true`.%n%n"
                    + "| phase | ms |%n| --- | ---: |%n", runs));
            for (String k : List.of("request", "exists", "running", "finish")) {
                inBerthd += m.apply(k);
                sb.append("| berthd: ").append(k).append(" | ").append(ms(m.apply(k))).append(" |\n");
            }
            sb.append("| client: building and sending the request | ").append(ms(m.apply("client.request"))).append(" |\n");
            sb.append("| client: the round trip, outside berthd's phases (hand-over to a connection thread, wake-ups) | ")
                    .append(ms(m.apply("berthd") - inBerthd)).append(" |\n");
            sb.append("| client: starting lxc-attach | ").append(ms(m.apply("client.spawn"))).append(" |\n");
            sb.append("| lxc-attach, run by the client, until it exits | ").append(ms(m.apply("command"))).append(" |\n");
            double measured = m.apply("client.request") + m.apply("berthd") + m.apply("client.spawn") + m.apply("command");
            sb.append("| bin/berth (dash), exec of the client, exit, and the bench's own start and wait of the command, which the raw total has too (total minus the above) | ").append(ms(Measure.median(total) - measured)).append(" |\n");
            sb.append("| **berth exec via berthd, total** | **").append(ms(Measure.median(total))).append("** |\n");
            sb.append("| **raw: `lxc-attach -- true`** | **").append(ms(Measure.median(rawTotal))).append("** |\n");
            return sb.toString();
        }

        /** {@code berth stop}'s phases through berthd beside the raw kill and the raw monitor's exit; leaves both stopped. */
        String stopPhases(String raw, String id) {
            List<Double> rawStop = new ArrayList<>(), rawGone = new ArrayList<>();
            for (int i = 0; i < WARMUP + runs; i++) {
                startRaw(raw);
                long monitor = monitorPid(raw);
                long t0 = System.nanoTime();
                Measure.run(lxc("lxc-stop", raw, "-k"));
                long t1 = System.nanoTime();
                awaitGone(monitor);
                long t2 = System.nanoTime();
                if (i < WARMUP) continue;
                rawStop.add((t1 - t0) / 1e6);
                rawGone.add((t2 - t1) / 1e6);
            }
            Measure.run(berth(Mode.DAEMON, "start", id));
            PhaseRuns pr = phaseRuns(() -> berth(Mode.DAEMON, "stop", id), () -> Measure.run(berth(Mode.DAEMON, "start", id)));
            Measure.quiet(berth(Mode.DAEMON, "stop", id));
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%n`berth stop` of a running busybox container: medians of %d "
                    + "stops (`until-monitor-exit`: LXC's monitor tearing the container down and running the post-stop hook).%n%n"
                    + "| phase | ms |%n| --- | ---: |%n", runs));
            pr.render(sb, "berth stop via berthd");
            sb.append("| raw: `lxc-stop -k` | ").append(ms(Measure.median(rawStop))).append(" |\n");
            sb.append("| raw: then until its monitor has exited | ").append(ms(Measure.median(rawGone))).append(" |\n");
            return sb.toString();
        }

        /** Phases (medians per name) of repeated runs of a berthd command that prints {@code berth-phases:} (BERTH_PHASES=1). */
        record PhaseRuns(Map<String, List<Double>> phases, List<Double> totals, List<Double> rest) {
            /** Appends the table rows; returns the sum of the phase medians. */
            double render(StringBuilder sb, String what) {
                double phaseSum = 0;
                for (var e : phases.entrySet()) {
                    double m = Measure.median(e.getValue());
                    phaseSum += m;
                    sb.append("| ").append(e.getKey()).append(" | ").append(ms(m)).append(" |\n");
                }
                sb.append("| client: bin/berth (sh), berth-client, round trip (total minus berthd's phases) | ").append(ms(Measure.median(rest))).append(" |\n");
                sb.append("| **").append(what).append(", total** | **").append(ms(Measure.median(totals))).append("** |\n");
                return phaseSum;
            }
        }

        PhaseRuns phaseRuns(java.util.function.Supplier<Cmd> command, Runnable teardown) {
            Map<String, List<Double>> phases = new java.util.LinkedHashMap<>();
            List<Double> totals = new ArrayList<>(), rest = new ArrayList<>();
            for (int i = 0; i < WARMUP + runs; i++) {
                Cmd plain = command.get();
                Map<String, String> env = new java.util.HashMap<>(plain.env());
                env.put("BERTH_PHASES", "1");
                long t0 = System.nanoTime();
                String out = Measure.run(new Cmd(plain.argv(), env));
                double total = (System.nanoTime() - t0) / 1e6;
                teardown.run();
                if (i < WARMUP) continue;
                String line = out.lines().filter(l -> l.startsWith("berth-phases: ")).findFirst()
                        .orElseThrow(() -> new IllegalStateException(plain + " printed no phases: " + out));
                double sum = 0;
                for (String kv : line.substring("berth-phases: ".length()).split(" ")) {
                    int eq = kv.lastIndexOf('=');
                    double ms = Double.parseDouble(kv.substring(eq + 1));
                    phases.computeIfAbsent(kv.substring(0, eq), k -> new ArrayList<>()).add(ms);
                    sum += ms;
                }
                totals.add(total);
                rest.add(total - sum);
            }
            return new PhaseRuns(phases, totals, rest);
        }

        String createPhases = "";

        /** create's phases through berthd, for the busybox template, privileged and unprivileged, beside plain tar. */
        String createPhases(Path tmpl, double tarMs, double tarUnprivMs) {
            StringBuilder sb = new StringBuilder();
            int[] next = {3450};
            for (boolean unpriv : new boolean[] {false, true}) {
                int[] v = {0};
                PhaseRuns pr = phaseRuns(() -> {
                    v[0] = next[0]++;
                    berthIds.add(v[0]);
                    List<String> a = new ArrayList<>(List.of("create", Integer.toString(v[0]), tmpl.toString(), "--rootfs", "local:0", "--quiet"));
                    if (unpriv) a.addAll(List.of("--unprivileged", "1"));
                    return berth(Mode.DAEMON, a.toArray(String[]::new));
                }, () -> {
                    destroy(v[0]);
                    berthIds.remove(Integer.valueOf(v[0]));
                    syncRoot(); // as before each create of the rows above
                });
                sb.append(String.format(Locale.ROOT, "%n`berth create N %s --rootfs local:0%s` (medians of %d):%n%n| phase | ms |%n| --- | ---: |%n",
                        tmpl.getFileName(), unpriv ? " --unprivileged 1" : "", runs));
                pr.render(sb, "berth create via berthd");
                sb.append("| raw: `tar -xpf` of the same archive (the row above) | ").append(ms(unpriv ? tarUnprivMs : tarMs)).append(" |\n");
            }
            return sb.toString();
        }

        /**
         * Milliseconds from launching {@code cmd} (on a pty of {@code script}) until it prints {@code marker} (lxc-console's
         * "Type <Ctrl+a q> to exit the console", a shell's prompt); then types {@code leave} to end it.
         */
        static double attach(Cmd cmd, String marker, byte[] leave) {
            try {
                ProcessBuilder pb = new ProcessBuilder("script", "-qfec", String.join(" ", cmd.argv()), "/dev/null").redirectErrorStream(true);
                pb.environment().putAll(cmd.env());
                pb.environment().put("TERM", "xterm");
                long t0 = System.nanoTime();
                Process p = pb.start();
                StringBuilder seen = new StringBuilder();
                Thread watchdog = Thread.ofVirtual().start(() -> {
                    try {
                        if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                            p.descendants().forEach(ProcessHandle::destroyForcibly);
                            p.destroyForcibly();
                        }
                    } catch (InterruptedException e) {
                        p.destroyForcibly();
                    }
                });
                var in = p.getInputStream();
                byte[] b = new byte[4096];
                double ms = Double.NaN;
                for (int n; (n = in.read(b)) > 0; ) {
                    seen.append(new String(b, 0, n, java.nio.charset.StandardCharsets.UTF_8));
                    if (seen.indexOf(marker) >= 0) {
                        ms = (System.nanoTime() - t0) / 1e6;
                        break;
                    }
                }
                try (var out = p.getOutputStream()) {
                    out.write(leave);
                    out.flush();
                } catch (IOException e) {
                    // gone already
                }
                if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                }
                watchdog.interrupt();
                if (Double.isNaN(ms)) throw new IllegalStateException(cmd + " never said it was attached: " + seen);
                return ms;
            } catch (IOException e) {
                throw new IllegalStateException("cannot run " + cmd + ": " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }

        /** A hotplug figure is only honest if the mount really appears inside; a pending change would be a config write. */
        void checkHotplug(String id, String mp) {
            Measure.run(berth(Mode.COLD, "set", id, "--mp0", mp));
            try {
                String mounts = Measure.run(berth(Mode.COLD, "exec", id, "--", "cat", "/proc/mounts"));
                if (!mounts.contains(" /mnt/bench ")) throw new IllegalStateException("mp0 was not hotplugged: /mnt/bench is not mounted inside");
            } finally {
                Measure.run(berth(Mode.COLD, "set", id, "--delete", "mp0"));
            }
            String mounts = Measure.run(berth(Mode.COLD, "exec", id, "--", "cat", "/proc/mounts"));
            if (mounts.contains(" /mnt/bench ")) throw new IllegalStateException("mp0 was not hot-unplugged: /mnt/bench is still mounted inside");
        }

        static String lastLine(String out) {
            String s = out.strip();
            return s.substring(s.lastIndexOf('\n') + 1).strip();
        }

        void createRaw(String name) {
            Measure.run(lxc("lxc-create", name, "-t", "busybox"));
            rawNames.add(name);
            Path conf = rawPath.resolve(name).resolve("config");
            try {
                // like the berth containers (and Proxmox's): LXC's common.conf, whose LXCFS hooks run on both sides
                // (its post-stop hook sleeps 0.5 s); no network; no AppArmor (the host has none)
                String c = Files.readString(conf).replaceAll("(?m)^lxc\\.net\\.0\\..*\\n", "");
                Files.writeString(conf, "lxc.include = /usr/share/lxc/config/common.conf\n" + c
                        + "lxc.net.0.type = empty\nlxc.apparmor.profile = unconfined\n");
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        void startRaw(String name) {
            Measure.run(lxc("lxc-start", name, "-d"));
            Measure.run(lxc("lxc-wait", name, "-s", "RUNNING", "-t", "60"));
        }

        void destroy(int vmid) {
            Mode fast = daemonStarted ? Mode.DAEMON : Mode.COLD;
            Measure.quiet(berth(fast, "stop", Integer.toString(vmid)));
            Measure.quiet(berth(fast, "destroy", Integer.toString(vmid), "--purge"));
        }

        /**
         * berthd's resident set: right after a fresh start, after a warm-up, every 250 of 1000 operations on a running
         * container (status, config, exec, a live memory-limit change), and after start/stop/hotplug/unplug cycles; at
         * each checkpoint both right after the last operation and once berthd has been idle for {@link #SETTLE_MS}.
         */
        String memoryTable(int vmid, int cycles) {
            if (!daemonStarted) return "berthd did not start: not measured.";
            String id = Integer.toString(vmid);
            Measure.quiet(berth(Mode.COLD, "daemon", "stop"));
            Measure.run(berth(Mode.DAEMON, "daemon", "start"));
            sleep(2000);
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"right after start", rss(), settledRss()});
            Measure.quiet(berth(Mode.DAEMON, "stop", id));
            Measure.run(berth(Mode.DAEMON, "start", id));
            int[] mem = {300}, n = {0};
            // one operation: status, config, exec and a live memory-limit change in turn
            Runnable op = () -> {
                switch (n[0]++ % 4) {
                    case 0 -> Measure.run(berth(Mode.DAEMON, "status", id));
                    case 1 -> Measure.run(berth(Mode.DAEMON, "config", id));
                    case 2 -> Measure.run(berth(Mode.DAEMON, "exec", id, "--", "true"));
                    default -> Measure.run(berth(Mode.DAEMON, "set", id, "--memory", Integer.toString(mem[0] = mem[0] >= 900 ? 300 : mem[0] + 4)));
                }
            };
            for (int i = 0; i < 100; i++) op.run();
            rows.add(new String[] {"after a warm-up of 100 operations", rss(), settledRss()});
            for (int k = 1; k <= 4; k++) {
                for (int i = 0; i < 250; i++) op.run();
                rows.add(new String[] {"after " + (k * 250) + " more operations (status, config, exec, set --memory)", rss(), settledRss()});
            }
            Path share = root.resolve("share");
            mkdirs(share);
            for (int i = 0; i < cycles; i++) {
                Measure.run(berth(Mode.DAEMON, "set", id, "--mp0", share + ",mp=/mnt/bench"));
                Measure.run(berth(Mode.DAEMON, "set", id, "--delete", "mp0"));
                Measure.run(berth(Mode.DAEMON, "stop", id));
                Measure.run(berth(Mode.DAEMON, "start", id));
            }
            rows.add(new String[] {"after " + cycles + " hotplug/unplug/stop/start cycles", rss(), settledRss()});
            Measure.run(berth(Mode.DAEMON, "stop", id));
            StringBuilder sb = new StringBuilder("| berthd | RSS right after (MB) | RSS idle, " + SETTLE_MS / 1000 + " s later (MB) |\n| --- | ---: | ---: |\n");
            for (String[] r : rows) sb.append("| ").append(r[0]).append(" | ").append(r[1]).append(" | ").append(r[2]).append(" |\n");
            try {
                // issue 12: idle at most 60 MB, and flat over 1000 operations (idle, grown at most 2 MB from the first 250
                // operations to the 1000th)
                double max = 0;
                for (String[] r : rows) max = Math.max(max, Double.parseDouble(r[2]));
                double first = Double.parseDouble(rows.get(2)[2]), last = Double.parseDouble(rows.get(5)[2]);
                boolean met = max <= 60 && last - first <= 2;
                sb.append(String.format(Locale.ROOT, "%nTarget (issue 12): idle <= 60 MB and flat over 1000 operations: idle at most %.1f MB, "
                        + "%+.1f MB idle from the first 250 operations to the 1000th: %s.%n", max, last - first, met ? "met" : "**not met**"));
            } catch (RuntimeException e) {
                sb.append("\nTarget (issue 12): not evaluated (").append(e.getMessage()).append(").\n");
            }
            return sb.toString();
        }

        /**
         * How long berthd is left idle before its settled RSS is read: its idle collection runs after 2 s without a
         * command and the JVM trims the malloc heap every 5 s ({@code -XX:TrimNativeHeapInterval}, bin/berth-jvm).
         */
        static final long SETTLE_MS = 8000;

        String settledRss() {
            sleep(SETTLE_MS);
            return rss();
        }

        String rss() {
            try {
                long pid = Long.parseLong(Files.readString(root.resolve("var/run/berthd.pid")).strip());
                for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                    if (l.startsWith("VmRSS:")) {
                        return String.format(Locale.ROOT, "%.1f", Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024.0);
                    }
                }
            } catch (IOException | NumberFormatException e) {
                return "- (" + e.getMessage() + ")";
            }
            return "-";
        }

        static void sleep(long ms) {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
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

        @Override public synchronized void close() {
            if (closed) return;
            closed = true;
            progress("cleaning up");
            for (String n : rawNames) Measure.quiet(lxc("lxc-stop", n, "-k"));
            for (String n : rawNames) Measure.quiet(lxc("lxc-destroy", n));
            Mode fast = daemonStarted ? Mode.DAEMON : Mode.COLD;
            for (int v : berthIds) Measure.quiet(berth(fast, "stop", Integer.toString(v)));
            if (daemonStarted) Measure.quiet(berth(Mode.COLD, "daemon", "stop"));
            for (int v : berthIds.reversed()) Measure.quiet(berth(Mode.COLD, "destroy", Integer.toString(v), "--purge"));
            if (btrfsMount != null) Measure.quiet(new Cmd(List.of("umount", btrfsMount.toString())));
            if (btrfsLoop != null) Measure.quiet(new Cmd(List.of("losetup", "-d", btrfsLoop)));
            if (rootLoop != null) {
                // the image goes with everything on it; a mount still busy is detached lazily
                if (!umounted(root)) Measure.quiet(new Cmd(List.of("umount", "-l", root.toString())));
                Measure.quiet(new Cmd(List.of("losetup", "-d", rootLoop)));
                deleteImage();
                Measure.quiet(new Cmd(List.of("rmdir", root.toString())));
            } else {
                Measure.quiet(new Cmd(List.of("rm", "-rf", "--one-file-system", root.toString())));
            }
        }

        private static boolean umounted(Path p) {
            try {
                Measure.run(new Cmd(List.of("umount", p.toString())));
                return true;
            } catch (RuntimeException e) {
                return false;
            }
        }
    }
}
