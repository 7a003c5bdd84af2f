package io.berth.ct.backup;

import io.berth.config.ConfigException;
import io.berth.config.ConfigFile;
import io.berth.config.ConfigParser;
import io.berth.config.ContainerConfig;
import io.berth.config.MountPoint;
import io.berth.config.MountSource;
import io.berth.config.Schema;
import io.berth.ct.ContainerService;
import io.berth.ct.CtException;
import io.berth.ct.lifecycle.ConfigIo;
import io.berth.ct.lifecycle.CtMounts;
import io.berth.ct.lifecycle.LxcRuntime;
import io.berth.ct.Progress;
import io.berth.error.ExistsException;
import io.berth.error.InvalidInputException;
import io.berth.error.LockedException;
import io.berth.error.StateException;
import io.berth.idmap.IdMap;
import io.berth.idmap.IdMapEntry;
import io.berth.mount.MountEngine;
import io.berth.mount.MountException;
import io.berth.mount.MountRequest;
import io.berth.mount.MountedSet;
import io.berth.storage.NewDisk;
import io.berth.storage.VolumeId;
import io.berth.sys.Namespaces;
import io.berth.sys.ProcessRunner;
import io.berth.sys.Reverter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Restores a vzdump container archive (Berth's or Proxmox's) as pct does: the config comes from the archive's
 * {@code ./etc/vzdump/pct.conf} (re-validated against the schema), merged under the options given; the rootfs and
 * volume mount points are allocated anew on the target storage with their recorded sizes (bind and device mount
 * points are added back after extraction, not extracted into); the archive is extracted by GNU tar into the new
 * volumes, mounted in a private mount namespace. Unprivileged containers are extracted through an idmapped mount,
 * so the archive's container ids land on disk as the container's host ids with no chown pass. Any failure frees the
 * new volumes and writes no config; with {@code --force} the old container stays as it was until the restore has
 * succeeded.
 */
public final class RestoreService {
    private static final Duration LOCK_WAIT = Duration.ofSeconds(30);
    private static final Pattern SIZE_ONLY = Pattern.compile("\\d+(\\.\\d+)?");
    private static final long GIB = 1L << 30;

    private final ContainerService svc;
    private final ConfigIo configs;

    public RestoreService(ContainerService svc) {
        this.svc = svc;
        this.configs = new ConfigIo(svc.roots());
    }

    public record Restored(int vmid, List<String> volumes, List<String> warnings) {}

    public Restored restore(RestoreRequest req, Progress progress, Consumer<String> out) {
        return restore(req, null, progress, out);
    }

    /**
     * Restores as a task of type {@code vzrestore} (as Proxmox's {@code pct restore} and {@code create --restore}),
     * whose log has the lines given to {@code out}, progress as it goes and the warnings.
     *
     * @param stdin the archive when {@code req.archive()} is {@code -} (the command line's standard input)
     */
    public Restored restore(RestoreRequest req, InputStream stdin, Progress progress, Consumer<String> out) {
        int vmid = req.vmid();
        if (vmid < 100 || vmid > 999_999_999) throw new InvalidInputException("vmid", "'" + vmid + "' is invalid; allowed: 100 to 999999999");
        if (req.fromStdin() && stdin == null) {
            throw new InvalidInputException("archive", "'-' (standard input) is only possible on the command line; give a path or STORAGE:backup/NAME");
        }
        return svc.tasks().run("vzrestore", Integer.toString(vmid), TASK_USER, task -> {
            Consumer<String> both = l -> {
                out.accept(l);
                task.log(l);
            };
            Restored r = restoreInTask(req, stdin, new TaskProgress(progress, task, both), both);
            for (String w : r.warnings()) task.warn(w);
            return r;
        });
    }

    /** The CLI runs as root; an API request runs this inside the task it submitted for its user. */
    private static final String TASK_USER = "root@pam";

    /** Progress to the caller (a bar) and to the task: its percentage, and a log line every 10 % or 5 s. */
    private static final class TaskProgress implements Progress {
        private final Progress inner;
        private final io.berth.ct.task.Task task;
        private final Consumer<String> log;
        private final long start = System.nanoTime();
        private long lastLine = start;
        private int lastPct = -1;

        TaskProgress(Progress inner, io.berth.ct.task.Task task, Consumer<String> log) {
            this.inner = inner;
            this.task = task;
            this.log = log;
        }

        @Override public void update(long done, long total) {
            inner.update(done, total);
            long now = System.nanoTime();
            double s = Math.max((now - start) / 1e9, 1e-3);
            if (total > 0) {
                int pct = (int) Math.min(100, done * 100 / total);
                if (pct / 10 != lastPct / 10 || now - lastLine > 5_000_000_000L && pct != lastPct) {
                    lastLine = now;
                    task.progress(pct, "extracting");
                    log.accept(String.format(java.util.Locale.ROOT, "progress %d%% (read %s of %s in %.0f s, %.1f MiB/s)", pct,
                            Units.human(done), Units.human(total), s, done / s / (1 << 20)));
                }
                lastPct = pct;
            } else if (now - lastLine > 5_000_000_000L) {
                lastLine = now;
                log.accept(String.format(java.util.Locale.ROOT, "progress: read %s in %.0f s (%.1f MiB/s)", Units.human(done), s, done / s / (1 << 20)));
            }
        }

        @Override public void finish(long total) {
            update(total, total);
            double s = Math.max((System.nanoTime() - start) / 1e9, 1e-3);
            log.accept(String.format(java.util.Locale.ROOT, "Total bytes read: %d (%s, %.1f MiB/s)", total, Units.human(total), total / s / (1 << 20)));
        }
    }

    /** Where the archive comes from: a file (tar decompresses it) or a stream read once. */
    private sealed interface Source permits FromFile, FromStream {
        String name();
    }

    private record FromFile(Path path, Compression comp) implements Source {
        @Override public String name() { return path.toString(); }
    }

    private record FromStream(StreamArchive stream) implements Source {
        @Override public String name() { return "standard input"; }
    }

    private Restored restoreInTask(RestoreRequest req, InputStream stdin, Progress progress, Consumer<String> out) {
        int vmid = req.vmid();
        if (req.fromStdin()) {
            StreamArchive stream;
            try {
                out.accept("recovering backed-up configuration from standard input");
                stream = StreamArchive.open(stdin);
            } catch (BadArchive e) {
                throw new InvalidInputException("archive", "unable to restore CT " + vmid + " - " + e.getMessage());
            } catch (IOException e) {
                throw new CtException("unable to restore CT " + vmid + " - reading standard input failed: " + e.getMessage(), e);
            }
            try (stream) {
                return restoreFrom(req, new FromStream(stream), stream.config, progress, out);
            }
        }
        Path archive = new BackupStore(svc.storages()).resolve(req.archive());
        Compression comp = Compression.ofFileName(archive.getFileName().toString()).orElseThrow(() -> new InvalidInputException("archive",
                "'" + archive + "' is not a tar archive Berth restores; allowed suffixes: .tar, .tar.zst, .tzst, .tar.gz, .tgz, .tar.lzo"));
        out.accept("recovering backed-up configuration from '" + req.archive() + "'");
        return restoreFrom(req, new FromFile(archive, comp), readConfig(archive, comp), progress, out);
    }

    private Restored restoreFrom(RestoreRequest req, Source source, String raw, Progress progress, Consumer<String> out) {
        int vmid = req.vmid();
        ContainerConfig orig;
        try {
            orig = ConfigParser.parse(source.name() + ":/etc/vzdump/pct.conf", raw).main();
        } catch (ConfigException e) {
            throw new InvalidInputException("archive", "the configuration in '" + source.name() + "' is invalid:\n" + e.getMessage());
        }
        ContainerConfig conf = merged(req, orig);
        List<String> warnings = new ArrayList<>();
        Map<String, String> delayed = new LinkedHashMap<>();
        conf = withVolumes(req, orig, conf, delayed, warnings);

        try (ConfigIo.Lock l = configs.lock(vmid, LOCK_WAIT)) {
            Optional<ConfigFile> old = configs.readIfExists(vmid);
            if (old.isPresent()) {
                if (!req.force()) {
                    throw new ExistsException("unable to restore CT " + vmid + " - CT " + vmid + " already exists; use --force to overwrite it");
                }
                if (old.get().main().protection()) {
                    throw new StateException("unable to restore CT " + vmid + " - container is protected (protection: 1)");
                }
                if (old.get().main().lock().isPresent()) {
                    throw new LockedException("unable to restore CT " + vmid + " - container is locked (" + old.get().main().lock().get() + ")", old.get().main().lock().get());
                }
                if (new LxcRuntime(svc.paths(vmid)).isRunning()) {
                    throw new StateException("unable to restore CT " + vmid + " - can't overwrite running container");
                }
            }
            IdMap map = CtMounts.idMap(conf);
            // the new volumes under their current names (a template's are renamed to base volumes below)
            List<VolumeId> allocated = new ArrayList<>();
            try (Reverter undo = new Reverter()) {
                conf = allocate(vmid, conf, map, allocated, undo);
                ContainerConfig c = conf;
                out.accept(req.fromStdin() ? "restoring from standard input now.." : "restoring '" + req.archive() + "' now..");
                Namespaces.inNewMountNamespace(() -> {
                    extract(vmid, c, map, source, req.ignoreUnpackErrors(), progress, warnings, out);
                    return null;
                });
                out.accept("merging backed-up and given configuration..");
                for (var e : delayed.entrySet()) conf = conf.with(e.getKey(), e.getValue());
                if (orig.template()) {
                    // as pct: a template's backup is restored as a template, its volumes made base volumes again
                    out.accept("Convert restored container to template...");
                    List<VolumeId> bases = new ArrayList<>();
                    try {
                        conf = new io.berth.ct.clone.CloneService(svc).baseVolumes(vmid, conf, bases).with("template", "1");
                    } finally {
                        // what is freed on a later failure: the volumes under their names now
                        for (VolumeId b : bases) allocated.replaceAll(v -> v.storage().equals(b.storage()) && b.name().asOrdinary().equals(v.name()) ? b : v);
                    }
                }
                if (old.isPresent()) {
                    // only now that the new volumes hold the data: drop the old container's volumes
                    ContainerConfig o = old.get().main();
                    List<VolumeId> vols = new ArrayList<>(CtMounts.volumes(o));
                    for (String k : o.keys()) if (Schema.inFamily("unused", k)) VolumeId.tryParse(o.get(k).orElseThrow()).ifPresent(vols::add);
                    for (VolumeId v : vols) {
                        try {
                            if (svc.storages().storageOf(v).exists(v)) svc.storages().freeIfOwner(v, vmid);
                        } catch (RuntimeException e) {
                            warnings.add("cannot free old volume " + v + ": " + e.getMessage());
                        }
                    }
                    configs.write(vmid, ConfigFile.of(conf));
                } else {
                    configs.create(vmid, ConfigFile.of(conf));
                }
                undo.commit();
                return new Restored(vmid, allocated.stream().map(VolumeId::toString).toList(), warnings);
            } catch (BadArchive e) {
                // the archive itself (truncated, corrupt, escaping member paths): the caller's input
                throw new InvalidInputException("archive", "unable to restore CT " + vmid + " - " + e.getMessage());
            } catch (IOException e) {
                throw new CtException("unable to restore CT " + vmid + " - " + e.getMessage(), e);
            }
        }
    }

    /** The archive's config with the options given winning, pct's sanitize rules applied. */
    private static ContainerConfig merged(RestoreRequest req, ContainerConfig orig) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String k : orig.keys()) {
            if (k.equals("digest") || k.equals("rootfs") || k.equals("unprivileged") || k.equals("parent") || k.equals("lock")
                    || k.equals("template") || MountPoint.isVolumeKey(k) || Schema.inFamily("unused", k)) continue;
            if (k.equals("description")) continue;
            String v = orig.get(k).orElseThrow();
            // --unique: the archive's NICs get new MACs (a copy next to the original must not share them), as pct does
            if (req.unique() && Schema.inFamily("net", k)) v = io.berth.ct.lifecycle.MacAddresses.withNewHwaddr(v);
            values.put(k, v);
        }
        for (var e : req.options().entrySet()) {
            if (MountPoint.isVolumeKey(e.getKey())) continue;
            values.put(e.getKey(), e.getValue());
        }
        io.berth.ct.lifecycle.MacAddresses.fill(values);
        boolean unpriv = req.unprivileged().orElse(orig.unprivileged());
        if (unpriv) values.put("unprivileged", "1");
        else values.remove("unprivileged");
        Optional<String> descr = req.options().containsKey("description") ? Optional.empty() : orig.description();
        try {
            return ContainerConfig.of(values, orig.lxcRaw(), descr, List.of());
        } catch (ConfigException e) {
            throw new InvalidInputException("archive", "the configuration to restore is invalid:\n" + e.getMessage());
        }
    }

    /**
     * rootfs and mount points: a given {@code --rootfs} (and {@code --mpN}) replaces the archive's (whose mount
     * points are then dropped, as pct does); otherwise each archived volume becomes {@code STORAGE:SIZE} on the target
     * storage, and bind/device mount points are kept aside to be added after extraction.
     */
    private ContainerConfig withVolumes(RestoreRequest req, ContainerConfig orig, ContainerConfig conf, Map<String, String> delayed,
                                        List<String> warnings) {
        String storage = req.storage().orElse("local");
        if (req.rootfs().isPresent() || req.options().containsKey("rootfs")) {
            String r = req.rootfs().orElseGet(() -> req.options().get("rootfs"));
            if (SIZE_ONLY.matcher(r).matches()) r = storage + ":" + r;
            conf = conf.with("rootfs", r);
            for (var e : req.options().entrySet()) if (Schema.inFamily("mp", e.getKey())) conf = conf.with(e.getKey(), e.getValue());
            return conf;
        }
        if (orig.rootfs().isEmpty()) {
            throw new InvalidInputException("rootfs", "rootfs configuration could not be recovered, please check and specify manually (--rootfs)!");
        }
        for (MountPoint mp : CtMounts.mountPoints(orig)) {
            String value = orig.get(mp.key()).orElseThrow();
            String rest = value.contains(",") ? value.substring(value.indexOf(',')) : "";
            switch (mp.source()) {
                case MountSource.Volume v -> {
                    long size = mp.sizeBytes().orElse(0);
                    String gib = size == 0 ? "0" : plain(size / (double) GIB);
                    rest = rest.replaceAll(",size=[^,]*", "");
                    conf = conf.with(mp.key(), storage + ":" + gib + rest);
                }
                case MountSource.NewVolume n -> conf = conf.with(mp.key(), storage + ":" + plain(n.sizeGiB()) + rest);
                default -> {
                    if (mp.isRootfs()) {
                        throw new InvalidInputException("rootfs", "restoring rootfs to a " + (mp.source() instanceof MountSource.Bind ? "bind" : "device")
                                + " mount is only possible by specifying --rootfs manually!");
                    }
                    if (mp.backup()) {
                        warnings.add("backup was enabled for non-volume mount point " + mp.key() + " ('" + mp.target()
                                + "'): its files were restored into the directory below it");
                    }
                    delayed.put(mp.key(), value);
                }
            }
        }
        return conf;
    }

    private static String plain(double d) {
        if (d == Math.rint(d)) return Long.toString((long) d);
        return java.math.BigDecimal.valueOf(d).setScale(9, java.math.RoundingMode.UP).stripTrailingZeros().toPlainString();
    }

    /** Each new volume goes into {@code allocated} and its freeing onto {@code undo} (by its name at that time). */
    private ContainerConfig allocate(int vmid, ContainerConfig conf, IdMap map, List<VolumeId> allocated, Reverter undo) {
        for (MountPoint mp : CtMounts.mountPoints(conf)) {
            if (!(mp.source() instanceof MountSource.NewVolume n)) continue;
            NewDisk disk = NewDisk.parse(n.storage() + ":" + plain(n.sizeGiB()));
            VolumeId id = svc.storages().alloc(disk, vmid, (int) map.rootUid(), (int) map.rootGid());
            int at = allocated.size();
            allocated.add(id);
            undo.push("free " + id, () -> svc.storages().free(allocated.get(at)));
            String value = conf.get(mp.key()).orElseThrow();
            String rest = value.contains(",") ? value.substring(value.indexOf(',')) : "";
            String withSize = disk.sizeBytes() > 0 ? ",size=" + MountPoint.formatSize(disk.sizeBytes()) : "";
            conf = conf.with(mp.key(), id + rest + withSize);
        }
        return conf;
    }

    /** {@code ./etc/vzdump/pct.conf}, the archive's first member; tar stops reading after it. */
    static String readConfig(Path archive, Compression comp) {
        List<String> cmd = new ArrayList<>(List.of("tar", "-x", "-O", "--occurrence=1"));
        cmd.addAll(comp.tarFlags());
        cmd.addAll(List.of("-f", archive.toString(), "./etc/vzdump/pct.conf"));
        // tar stops after the first member; the config is small (ProcessRunner keeps up to 1 MiB)
        ProcessRunner.Result r = ProcessRunner.of(cmd).timeout(java.time.Duration.ofMinutes(10)).run();
        if (!r.ok()) {
            String err = r.stderr().strip();
            if (err.contains("Not found in archive")) {
                throw new InvalidInputException("archive", "'" + archive + "' holds no ./etc/vzdump/pct.conf: it is not a vzdump container backup");
            }
            throw new InvalidInputException("archive", "'" + archive + "' is not readable (tar exit " + r.exitCode() + "): " + err);
        }
        return r.stdout();
    }

    /** Runs on a thread in a private mount namespace: the new volumes are mounted there and vanish with it. */
    private void extract(int vmid, ContainerConfig conf, IdMap map, Source source, boolean ignoreErrors,
                         Progress progress, List<String> warnings, Consumer<String> out) throws IOException {
        Path staging = svc.roots().runDir().resolve("restore-" + vmid);
        Files.createDirectories(staging);
        MountEngine engine = new MountEngine(warnings::add);
        List<MountRequest> plain = new CtMounts(svc.storages()).requests(conf, true);
        MountedSet mounted = null;
        try {
            if (!map.isEmpty()) {
                // tar writes as host root: through this idmapped mount the archive's id 0 lands as the container's root
                List<IdMapEntry> shift = CtMounts.shiftingIdmap(map);
                List<MountRequest> idmapped = plain.stream().map(r -> r.idmap().isEmpty() ? r.withIdmap(shift).withOwner(0, 0) : r).toList();
                try {
                    mounted = engine.mountAll(staging, idmapped);
                } catch (MountException e) {
                    throw new CtException("restoring an unprivileged container needs idmapped mounts, which fail here: " + e.getMessage(), e);
                }
            } else {
                mounted = engine.mountAll(staging, plain);
            }
            out.accept(source instanceof FromFile f ? "extracting archive '" + f.path() + "'" : "extracting archive from standard input");
            untar(source, staging, ignoreErrors, progress, warnings);
        } finally {
            try {
                if (mounted != null) mounted.close();
            } finally {
                Files.deleteIfExists(staging);
            }
        }
    }

    /**
     * Extracts as {@code decompressor < FILE | tar xpf - ...} (the raw tools' own pipeline: the decompressor reads the
     * file itself, with no extra feeding process as tar's {@code --zstd} on {@code -f -} would have, and no copy
     * through the JVM); a stream arrives decompressed already (StreamArchive) and is fed from here. Progress is the
     * position of the file offset the first process reads.
     */
    private static void untar(Source source, Path rootfs, boolean ignoreErrors, Progress progress, List<String> warnings)
            throws IOException {
        String archive = source.name();
        List<String> cmd = new ArrayList<>(List.of("tar", "xpf", "-", "--totals"));
        cmd.addAll(BackupService.COMMON_TAR_FLAGS);
        cmd.addAll(List.of("-C", rootfs.toString(), "--skip-old-files", "--anchored", "--exclude", "./dev/*",
                "--exclude", "./etc/vzdump/pct.conf", "--exclude", "./etc/vzdump/pct.fw"));
        long total = source instanceof FromFile f ? Files.size(f.path()) : -1;
        Optional<List<String>> decompressor = source instanceof FromFile f ? f.comp().decompressor() : Optional.empty();
        String dname = decompressor.map(c -> String.join(" ", c)).orElse("");
        List<List<String>> stages = new ArrayList<>();
        decompressor.ifPresent(stages::add);
        stages.add(cmd);
        ProcessRunner.Pipeline pipeline = ProcessRunner.pipeline(stages).stdoutDiscarded();
        if (source instanceof FromFile f) pipeline.stdinFrom(f.path());
        else pipeline.stdinFromCaller();
        List<String> err;
        String decompressorErr = "";
        IOException feedError = null;
        long done = 0;
        int rc, drc = 0;
        try (ProcessRunner.Running p = pipeline.start()) {
            if (source instanceof FromStream st) {
                try (InputStream in = st.stream().tar(); OutputStream o = p.stdin()) {
                    byte[] buf = new byte[1 << 20];
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        o.write(buf, 0, n);
                        done += n;
                        progress.update(done, total);
                    }
                } catch (IOException e) {
                    feedError = e;
                }
            } else {
                long reader = p.pid(0); // the decompressor, or tar reading the file itself
                while (!p.waitFor(java.time.Duration.ofMillis(250))) {
                    long pos = stdinPosition(reader);
                    if (pos >= 0) progress.update(done = pos, total);
                }
            }
            List<ProcessRunner.Result> rs = p.await();
            rc = rs.getLast().exitCode();
            err = rs.getLast().stderr().lines().limit(200).toList();
            if (decompressor.isPresent()) {
                drc = rs.getFirst().exitCode();
                decompressorErr = String.join(" ", rs.getFirst().stderr().lines().limit(20).toList());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("extraction of " + archive + " interrupted", e);
        }
        List<String> escaping = err.stream().filter(l -> l.contains("Removing leading") || l.contains("Member name contains '..'")
                || l.contains("contains '..'")).toList();
        List<String> problems = err.stream().filter(l -> !l.startsWith("Total bytes read")).toList();
        if (!escaping.isEmpty()) {
            throw new BadArchive("archive '" + archive + "' has member paths that escape the container (absolute or with '..'): "
                    + String.join(" | ", escaping.stream().limit(5).toList()));
        }
        // a decompressor that failed on its own (not by a broken pipe: tar gave up first) means a corrupt or truncated
        // compressed stream, which tar then saw end early too
        if (drc != 0 && drc != 128 + 13 && !decompressorErr.contains("Broken pipe")) {
            throw new BadArchive("decompressing '" + archive + "' failed (" + dname + " exit " + drc + "): " + decompressorErr.strip()
                    + (problems.isEmpty() ? "" : "; " + String.join(" | ", problems.stream().limit(5).toList())));
        }
        if (rc != 0) {
            String msg = "extracting '" + archive + "' failed (tar exit " + rc + "): " + String.join(" | ", problems.stream().limit(20).toList());
            // --ignore-unpack-errors covers members tar could not create, never an archive that ends early or is corrupt
            boolean broken = problems.stream().anyMatch(l -> l.contains("Unexpected EOF") || l.contains("does not look like a tar")
                    || l.contains("Child returned status") || l.contains("premature end") || l.contains("corrupt")
                    || l.contains("Error is not recoverable"));
            if (broken) throw new BadArchive(msg);
            if (!ignoreErrors) throw new IOException(msg);
            warnings.add(msg + " (ignored: --ignore-unpack-errors)");
        }
        if (source instanceof FromStream st) st.stream().checkDecompressor();
        if (feedError != null && rc == 0) throw new IOException("feeding '" + archive + "' to tar failed: " + feedError.getMessage(), feedError);
        progress.finish(total < 0 ? done : total);
    }

    /** The offset of a process's stdin ({@code pos:} of /proc/PID/fdinfo/0); -1 once it is gone. */
    private static long stdinPosition(long pid) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/fdinfo/0"))) {
                if (l.startsWith("pos:")) return Long.parseLong(l.substring(4).strip());
            }
        } catch (IOException | NumberFormatException e) {
            // it ended meanwhile
        }
        return -1;
    }

    /** The archive itself is bad (truncated, corrupt, escaping paths): the caller's input, not a host failure. */
    static final class BadArchive extends IOException {
        BadArchive(String message) { super(message); }
    }
}
