package io.berth.ct.backup;

import io.berth.config.ConfigFile;
import io.berth.config.ConfigPrinter;
import io.berth.config.ContainerConfig;
import io.berth.config.MountPoint;
import io.berth.config.MountSource;
import io.berth.ct.ContainerService;
import io.berth.ct.CtException;
import io.berth.ct.lifecycle.ConfigIo;
import io.berth.ct.lifecycle.CtMounts;
import io.berth.ct.lifecycle.LxcRuntime;
import io.berth.ct.snapshot.SnapshotService;
import io.berth.error.LockedException;
import io.berth.error.UnsupportedException;
import io.berth.idmap.IdMap;
import io.berth.idmap.IdMapEntry;
import io.berth.mount.MountEngine;
import io.berth.mount.MountRequest;
import io.berth.mount.MountedSet;
import io.berth.storage.Storage;
import io.berth.storage.VolumeId;
import io.berth.storage.VolumePath;
import io.berth.sys.Namespaces;
import io.berth.sys.ProcessRunner;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code berth backup}: vzdump for containers. The archive is what Proxmox writes and reads: {@code ./etc/vzdump/
 * pct.conf} and {@code ./etc/vzdump/pct.fw} first, then the rootfs and every backed-up volume mount point, made by
 * GNU tar with numeric owners, ACLs, xattrs ({@code user.*}, {@code security.capability}), device nodes and sparse
 * files. Unprivileged containers are read through an idmapped mount, so the archive holds the container's own ids
 * (as vzdump's tar in the container's user namespace writes them).
 *
 * <p>Modes: {@code stop} stops a running container (clean shutdown, killed after the stop wait), archives its
 * volumes mounted in a private mount namespace and starts it again; {@code suspend} copies the running container's
 * files with rsync, freezes it for a second rsync pass and archives the copy; {@code snapshot} takes a storage
 * snapshot of every volume (freezing the container while several are taken) and archives the snapshots.
 */
public final class BackupService {
    private static final Duration LOCK_WAIT = Duration.ofSeconds(30);
    private static final DateTimeFormatter LOG_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    private static final Pattern TOTALS = Pattern.compile("Total bytes written: (\\d+)");
    /** vzdump's tar flags for container archives (PVE::Storage::Plugin's COMMON_TAR_FLAGS). */
    static final List<String> COMMON_TAR_FLAGS = List.of("--one-file-system", "-p", "--sparse", "--numeric-owner", "--acls",
            "--xattrs", "--xattrs-include=user.*", "--xattrs-include=security.capability", "--warning=no-file-ignored",
            "--warning=no-xattr-write");
    static final String SNAPSHOT_NAME = "vzdump";

    private final ContainerService svc;
    private final ConfigIo configs;

    public BackupService(ContainerService svc) {
        this.svc = svc;
        this.configs = new ConfigIo(svc.roots());
    }

    /**
     * Backs up each container in turn, as one task of type {@code vzdump} (its id the vmid when there is one, as
     * Proxmox names it); a failed container is reported and the others still run, the task then fails.
     */
    public List<BackupResult> backup(BackupRequest req, Consumer<String> out) {
        return backup(req, new java.io.FileOutputStream(java.io.FileDescriptor.out), out);
    }

    /**
     * As {@link #backup(BackupRequest, Consumer)}, the archive of {@code --stdout} going to {@code stdout} (left open):
     * under berthd, the client's standard output.
     */
    public List<BackupResult> backup(BackupRequest req, java.io.OutputStream stdout, Consumer<String> out) {
        List<Integer> ids = req.all() ? svc.vmids() : req.vmids();
        for (int vmid : ids) io.berth.config.Vmid.check(vmid);
        String id = ids.size() == 1 ? Integer.toString(ids.getFirst()) : "";
        return svc.tasks().run("vzdump", id, TASK_USER, task -> {
            Consumer<String> both = l -> {
                out.accept(l);
                task.log(l);
            };
            both.accept("INFO: starting new backup job: " + req.commandLine(ids));
            List<BackupResult> done = new ArrayList<>();
            List<String> failed = new ArrayList<>();
            for (int i = 0; i < ids.size(); i++) {
                int vmid = ids.get(i);
                task.progress(100 * i / ids.size(), "backup of CT " + vmid);
                try {
                    done.add(backupOne(vmid, req, stdout, out, task));
                } catch (RuntimeException e) {
                    both.accept("ERROR: Backup of VM " + vmid + " failed - " + e.getMessage());
                    if (ids.size() == 1) throw e;
                    failed.add(vmid + ": " + e.getMessage());
                }
            }
            if (!failed.isEmpty()) {
                both.accept("INFO: Backup job finished with errors");
                throw new CtException("backup failed for " + failed.size() + " of " + ids.size() + " containers:\n  "
                        + String.join("\n  ", failed));
            }
            both.accept("INFO: Backup job finished successfully");
            return done;
        });
    }

    /** The CLI runs as root; an API request runs this inside the task it submitted for its user. */
    private static final String TASK_USER = "root@pam";

    /** A container's disk in the archive: its config entry and where it sits in the container. */
    private record Disk(MountPoint mp, VolumeId volid) {}

    private final class Job {
        final int vmid;
        final BackupRequest req;
        final Consumer<String> out;
        final java.io.OutputStream stdout;
        final List<String> log = new ArrayList<>();

        final io.berth.ct.task.Task task;

        Job(int vmid, BackupRequest req, java.io.OutputStream stdout, Consumer<String> out, io.berth.ct.task.Task task) {
            this.vmid = vmid;
            this.req = req;
            this.stdout = stdout;
            this.out = out;
            this.task = task;
        }

        void info(String msg) { line("INFO", msg); }

        void warn(String msg) { line("WARN", msg); }

        /** To the console, the task log (a warning counts: the task ends {@code WARNINGS: n}) and the archive's {@code .log}. */
        void line(String level, String msg) {
            for (String l : msg.split("\n")) {
                out.accept(level + ": " + l);
                if (level.equals("WARN")) task.warn(l);
                else task.log(level + ": " + l);
                log.add(LocalDateTime.now().format(LOG_TIME) + " " + level + ": " + l);
            }
        }
    }

    private BackupResult backupOne(int vmid, BackupRequest req, java.io.OutputStream stdout, Consumer<String> out, io.berth.ct.task.Task task) {
        Job t = new Job(vmid, req, stdout, out, task);
        long t0 = System.nanoTime();
        LocalDateTime started = LocalDateTime.now();
        BackupStore store = new BackupStore(svc.storages());
        Optional<String> storageId = req.dumpdir().isPresent() || req.toStdout() ? Optional.empty()
                : Optional.of(req.storage().orElseGet(store::defaultStorage));
        // --stdout: the archive goes to standard output; the config files are staged in Berth's run dir
        Path dir = req.toStdout() ? svc.roots().runDir() : storageId.map(store::dumpDir).orElseGet(() -> req.dumpdir().get().toAbsolutePath());
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new CtException("cannot create dump dir " + dir + ": " + e.getMessage(), e);
        }
        ArchiveName name = ArchiveName.of(vmid, started, req.compress());
        Path archive = dir.resolve(name.fileName()), tmpArchive = dir.resolve(name.fileName() + ".dat");
        Path work = dir.resolve(name.base() + ".tmp");
        if (!req.toStdout() && (Files.exists(archive) || Files.exists(tmpArchive))) {
            throw new io.berth.error.ExistsException("backup archive " + archive + " exists already (one backup per container and second)");
        }
        t.info("Starting Backup of VM " + vmid + " (lxc)");
        t.info("Backup started at " + started.format(LOG_TIME));

        ContainerConfig conf;
        boolean running;
        LxcRuntime rt = new LxcRuntime(svc.paths(vmid));
        try (ConfigIo.Lock l = configs.lock(vmid, LOCK_WAIT)) {
            ConfigFile f = configs.read(vmid);
            conf = f.main();
            if (conf.lock().isPresent()) {
                throw new LockedException("container " + vmid + " is locked (" + conf.lock().get() + "); cannot back it up", conf.lock().get());
            }
            running = rt.isRunning();
            configs.write(vmid, f.withMain(conf.with("lock", "backup")));
        }
        BackupResult result = null;
        boolean restart = false;
        boolean snapshotTaken = false;
        List<VolumeId> activated = new ArrayList<>();
        try {
            Files.createDirectories(work);
            t.info("status = " + (running ? "running" : "stopped"));
            conf.hostname().ifPresent(h -> t.info("CT Name: " + h));
            List<Disk> disks = disks(conf, t);
            BackupMode mode = req.mode();
            if (!running && mode == BackupMode.SUSPEND) {
                t.info("container is stopped: suspend mode archives it as in stop mode");
                mode = BackupMode.STOP;
            }
            if (mode == BackupMode.SNAPSHOT) checkSnapshots(disks);
            t.info("backup mode: " + mode.key());
            writeConfigFiles(work, conf);
            IdMap map = CtMounts.idMap(conf);

            Path source;
            List<MountRequest> mounts = new ArrayList<>();
            List<String> sources = new ArrayList<>();
            switch (mode) {
                case STOP -> {
                    if (running) {
                        t.info("stopping virtual guest");
                        rt.shutdown(req.stopWait(), true);
                        restart = true;
                    }
                    for (Disk d : disks) {
                        mounts.add(new CtMounts(svc.storages()).request(d.mp(), map, List.of()));
                        sources.add("." + d.mp().target());
                    }
                    source = svc.roots().runDir().resolve("backup-" + vmid);
                }
                case SNAPSHOT -> {
                    SnapshotService snaps = new SnapshotService(svc);
                    // as vzdump: the backup lock is lifted while the 'vzdump' snapshot is taken (which locks itself)
                    setLock(vmid, Optional.empty());
                    try {
                        if (svc.config(vmid).snapshots().containsKey(SnapshotService.VZDUMP)) {
                            t.info("found old vzdump snapshot (force removal)");
                            snaps.deleteForBackup(vmid, true);
                        }
                        t.info("create storage snapshot '" + SNAPSHOT_NAME + "'");
                        for (String w : snaps.createForBackup(vmid).warnings()) t.warn(w);
                        snapshotTaken = true;
                    } finally {
                        setLock(vmid, Optional.of("backup"));
                    }
                    for (Disk d : disks) {
                        MountRequest r = new CtMounts(svc.storages()).request(d.mp(), map, List.of());
                        Storage s = svc.storages().storageOf(d.volid());
                        io.berth.mount.MountSource src = switch (s.snapshotPath(d.volid(), SNAPSHOT_NAME)) {
                            case VolumePath.Directory dd -> new io.berth.mount.MountSource.HostDirectory(dd.path());
                            case VolumePath.ImageFile f -> new io.berth.mount.MountSource.ImageFile(f.path(), "ext4");
                            case VolumePath.BlockDevice bd -> {
                                // an LVM-thin snapshot carries the activation-skip flag: activated for the backup (-K), as
                                // vzdump's activate_volumes does, and deactivated before it is removed
                                VolumeId snap = new VolumeId(d.volid().storage(), d.volid().name().withSnapshot(SNAPSHOT_NAME));
                                s.activate(snap);
                                activated.add(snap);
                                yield new io.berth.mount.MountSource.BlockDevice(bd.path(), "ext4");
                            }
                        };
                        mounts.add(new MountRequest(r.key(), src, r.target(), true, r.options(), r.acl(), false, true, r.idmap(),
                                r.ownerUid(), r.ownerGid()));
                        sources.add("." + d.mp().target());
                    }
                    source = svc.roots().runDir().resolve("backup-" + vmid);
                }
                case SUSPEND -> {
                    // the volumes as they are, without the container's proc/sys/dev mounts: mounted again in a
                    // private namespace (an image mounted by the container shares its loop device and superblock)
                    Path copy = work.resolve("rootfs");
                    Files.createDirectories(copy);
                    List<MountRequest> live = new ArrayList<>();
                    for (Disk d : disks) live.add(new CtMounts(svc.storages()).request(d.mp(), map, List.of()));
                    Path view = svc.roots().runDir().resolve("backup-" + vmid + "-live");
                    Files.createDirectories(view);
                    try {
                        Namespaces.inNewMountNamespace(() -> {
                            try (MountedSet m = new MountEngine(t::warn).mountAll(view, idmapped(live, map))) {
                                rsync(t, view, disks, conf, copy, "first", 24);
                                t.info("suspending guest");
                                rt.freeze();
                                try {
                                    rsync(t, view, disks, conf, copy, "final", 0);
                                } finally {
                                    rt.unfreeze();
                                    t.info("resuming guest");
                                }
                            }
                            return null;
                        });
                    } finally {
                        Files.deleteIfExists(view);
                    }
                    source = copy; // holds the container's own ids already: read through the idmapped mount
                    sources.add(".");
                }
                default -> throw new IllegalStateException();
            }
            List<String> tar = tarCommand(work, source, sources, !map.isEmpty(), req.excludePaths());
            t.info(req.toStdout() ? "creating vzdump archive on standard output" : "creating vzdump archive '" + archive + "'");
            TarPipe.Result r = archive(t, tar, mounts, map, source, req.toStdout() ? Optional.empty() : Optional.of(tmpArchive));
            long tarBytes = r.tarMessages().stream().map(TOTALS::matcher).filter(Matcher::find)
                    .mapToLong(m -> Long.parseLong(m.group(1))).findFirst().orElse(-1);
            for (String l : r.tarMessages()) if (!l.isBlank()) t.info(l);
            if (!req.toStdout()) Files.move(tmpArchive, archive, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            t.info(String.format(java.util.Locale.ROOT, "archive file size: %s, %.1f MiB/s uncompressed, %.2f s",
                    Units.human(r.bytes()), tarBytes / Math.max(r.seconds(), 1e-3) / (1 << 20), r.seconds()));
            t.info("archive checksum (sha256): " + r.sha256());
            if (req.notesTemplate().isPresent()) {
                t.info("adding notes to backup");
                Files.writeString(dir.resolve(name.notesName()), notes(req.notesTemplate().get(), vmid, conf) + "\n", StandardCharsets.UTF_8);
            }
            if (req.protect()) {
                t.info("marking backup as protected");
                Files.writeString(dir.resolve(name.protectedName()), "");
            }
            List<String> pruned = new ArrayList<>();
            if (req.remove() && !req.toStdout()) {
                PruneOptions keep = req.prune().or(() -> storageId.flatMap(store::storagePrune)).orElse(PruneOptions.KEEP_ALL);
                if (!keep.keepsEverything()) {
                    t.info("prune older backups with retention: " + req.prune().map(x -> "(given)").orElse("(storage)"));
                    for (BackupInfo b : BackupStore.prune(dir, storageId, vmid, keep, false)) {
                        t.info("removing backup '" + b.display() + "'");
                        pruned.add(b.display());
                    }
                    t.info("pruned " + pruned.size() + " backup(s)");
                }
            }
            result = new BackupResult(vmid, req.toStdout() ? Path.of("-") : archive, storageId.map(s -> s + ":backup/" + name.fileName()), r.bytes(), tarBytes,
                    r.sha256(), r.seconds(), pruned);
        } catch (IOException e) {
            throw new CtException("backup of " + vmid + " failed: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw e;
        } finally {
            for (VolumeId v : activated) {
                try {
                    svc.storages().storageOf(v).deactivate(v);
                } catch (RuntimeException e) {
                    t.warn("cannot deactivate " + v + ": " + e.getMessage());
                }
            }
            cleanup(t, vmid, work, tmpArchive, snapshotTaken, restart);
            long secs = (System.nanoTime() - t0) / 1_000_000_000L;
            if (result != null) {
                t.info(String.format("Finished Backup of VM %d (%02d:%02d:%02d)", vmid, secs / 3600, secs / 60 % 60, secs % 60));
            }
            if (!req.toStdout()) writeLog(dir.resolve(name.logName()), t.log);
        }
        return result;
    }

    private void cleanup(Job t, int vmid, Path work, Path tmpArchive, boolean snapshot, boolean restart) {
        try {
            Files.deleteIfExists(tmpArchive);
        } catch (IOException e) {
            t.warn("cannot remove " + tmpArchive + ": " + e.getMessage());
        }
        try {
            deleteTree(work);
        } catch (IOException e) {
            t.warn("cannot remove " + work + ": " + e.getMessage());
        }
        try {
            setLock(vmid, Optional.empty());
        } catch (RuntimeException e) {
            t.warn("cannot remove the backup lock of " + vmid + ": " + e.getMessage());
        }
        if (snapshot) {
            t.info("cleanup temporary '" + SNAPSHOT_NAME + "' snapshot");
            try {
                for (String w : new SnapshotService(svc).deleteForBackup(vmid, true).warnings()) t.warn(w);
            } catch (RuntimeException e) {
                t.warn("snapshot '" + SNAPSHOT_NAME + "' was not (fully) removed - " + e.getMessage());
            }
        }
        if (restart) {
            t.info("restarting vm");
            try {
                svc.start(vmid, false, false);
            } catch (RuntimeException e) {
                t.warn("restarting " + vmid + " failed: " + e.getMessage());
                throw e;
            }
        }
    }

    /** Sets or clears (empty) the config's {@code lock} value; clearing only removes a {@code backup} lock. */
    private void setLock(int vmid, Optional<String> value) {
        try (ConfigIo.Lock l = configs.lock(vmid, LOCK_WAIT)) {
            ConfigFile f = configs.read(vmid);
            if (value.isPresent()) configs.write(vmid, f.withMain(f.main().with("lock", value.get())));
            else if (f.main().lock().filter("backup"::equals).isPresent()) configs.write(vmid, f.withMain(f.main().without("lock")));
        }
    }

    private List<Disk> disks(ContainerConfig conf, Job t) {
        List<Disk> out = new ArrayList<>();
        for (MountPoint mp : CtMounts.mountPoints(conf)) {
            String what = mp.isRootfs() ? "rootfs" : mp.key();
            if (!(mp.source() instanceof MountSource.Volume v)) {
                String type = mp.source() instanceof MountSource.Bind ? "bind" : "device";
                t.info("excluding " + type + " mount point " + what + " ('" + mp.target() + "') from backup (not a volume)");
                continue;
            }
            if (!mp.isRootfs() && !mp.backup()) {
                t.info("excluding volume mount point " + what + " ('" + mp.target() + "') from backup (disabled)");
                continue;
            }
            t.info("including mount point " + what + " ('" + mp.target() + "') in backup");
            out.add(new Disk(mp, svc.storages().parseVolumeId(v.volid())));
        }
        if (out.isEmpty()) throw new CtException("container has no rootfs volume to back up");
        return out;
    }

    private void checkSnapshots(List<Disk> disks) {
        for (Disk d : disks) {
            Storage s = svc.storages().storageOf(d.volid());
            if (!s.canSnapshot(d.volid())) {
                throw new UnsupportedException("mode failure - some volumes do not support snapshots: " + d.mp().key() + " ("
                        + d.volid() + " on " + s.def().type() + " storage '" + s.id() + "'); use --mode stop or suspend");
            }
        }
    }

    /** {@code etc/vzdump/pct.conf} (config without lock, snapshots, pending) and an empty {@code pct.fw}. */
    private static void writeConfigFiles(Path work, ContainerConfig conf) throws IOException {
        Path etc = Files.createDirectories(work.resolve("etc/vzdump"));
        ContainerConfig c = conf.without("lock").without("parent");
        Files.writeString(etc.resolve("pct.conf"), ConfigPrinter.print(ConfigFile.of(c)), StandardCharsets.UTF_8);
        Files.writeString(etc.resolve("pct.fw"), "");
    }

    private static List<String> tarCommand(Path work, Path source, List<String> sources, boolean unprivileged, List<String> excludes) {
        List<String> tar = new ArrayList<>(List.of("tar", "cpf", "-", "--totals"));
        tar.addAll(COMMON_TAR_FLAGS);
        tar.addAll(List.of("--one-file-system", "--warning=no-file-ignored", "--directory=" + work, "./etc/vzdump/pct.conf",
                "./etc/vzdump/pct.fw", "--directory=" + source, "--no-anchored"));
        if (unprivileged) tar.add("--exclude=lost+found");
        List<String> anchored = new ArrayList<>();
        for (String p : excludes) {
            if (p.startsWith("/")) anchored.add("--exclude=." + p);
            else tar.add("--exclude=" + p);
        }
        tar.add("--anchored");
        tar.addAll(anchored);
        tar.addAll(sources);
        return tar;
    }

    private TarPipe.Result archive(Job t, List<String> tar, List<MountRequest> mounts, IdMap map, Path source, Optional<Path> tmpArchive)
            throws IOException {
        Consumer<String> progress = t::info;
        if (mounts.isEmpty()) return TarPipe.run(tar, t.req.compress().compressor(), t.req.bwlimitKiB(), tmpArchive, t.stdout, progress);
        Files.createDirectories(source);
        try {
            return Namespaces.inNewMountNamespace(() -> {
                try (MountedSet m = new MountEngine(t::warn).mountAll(source, idmapped(mounts, map))) {
                    return TarPipe.run(tar, t.req.compress().compressor(), t.req.bwlimitKiB(), tmpArchive, t.stdout, progress);
                }
            });
        } finally {
            Files.deleteIfExists(source);
        }
    }

    /** For an unprivileged container: read through idmapped mounts, so files show up with the container's own ids. */
    private static List<MountRequest> idmapped(List<MountRequest> mounts, IdMap map) {
        if (map.isEmpty()) return mounts;
        List<IdMapEntry> shift = CtMounts.shiftingIdmap(map);
        return mounts.stream().map(r -> r.idmap().isEmpty() ? r.withIdmap(shift).withOwner(0, 0) : r).toList();
    }

    private void rsync(Job t, Path view, List<Disk> disks, ContainerConfig conf, Path to, String text, int okExit) throws IOException {
        String from = view.toString();
        t.info("starting " + text + " sync " + from + "/ to " + to);
        List<String> cmd = new ArrayList<>(List.of("rsync", "--stats", "-h", "-X", "-A", "--numeric-ids", "-aH", "--delete",
                "--no-whole-file", "--sparse", "--one-file-system", "--relative"));
        if (t.req.bwlimitKiB() > 0) cmd.add("--bwlimit=" + t.req.bwlimitKiB());
        for (String p : t.req.excludePaths()) cmd.add("--exclude=" + p);
        // root-owned on disk, so unreadable through the idmapped view; vzdump's tar skips it for unprivileged containers too
        if (!CtMounts.idMap(conf).isEmpty()) cmd.add("--exclude=lost+found");
        for (MountPoint mp : CtMounts.mountPoints(conf)) {
            if (disks.stream().noneMatch(d -> d.mp().key().equals(mp.key()))) cmd.add("--exclude=" + mp.target());
        }
        for (Disk d : disks) cmd.add(from + "/." + d.mp().target());
        cmd.add(to + "/");
        long t0 = System.nanoTime();
        ProcessRunner.Result r = ProcessRunner.of(cmd).noTimeout().run();
        int rc = r.exitCode();
        if (rc != 0 && rc != okExit) throw new IOException("rsync (" + text + " sync) failed (exit " + rc + "): " + (r.stdout() + r.stderr()).strip());
        String transferred = r.stdout().lines().filter(l -> l.startsWith("Total transferred file size: "))
                .map(l -> l.substring("Total transferred file size: ".length())).findFirst().orElse("?");
        t.info(text + " sync finished - transferred " + transferred + " in " + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0) + "s");
    }

    static String notes(String template, int vmid, ContainerConfig conf) {
        String node;
        try {
            node = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            node = "localhost";
        }
        String s = template.replace("{{guestname}}", conf.hostname().orElse("CT" + vmid)).replace("{{vmid}}", Integer.toString(vmid))
                .replace("{{node}}", node).replace("{{cluster}}", "");
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(i + 1);
                if (n == 'n') { out.append('\n'); i++; continue; }
                if (n == '\\') { out.append('\\'); i++; continue; }
            }
            out.append(c);
        }
        return out.toString();
    }

    private static void writeLog(Path p, List<String> lines) {
        try {
            Files.write(p, lines, StandardCharsets.UTF_8);
        } catch (IOException ignored) {
            // the log is a convenience; the archive and the console output are what count
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        ProcessRunner.Result r = ProcessRunner.of("rm", "-rf", "--one-file-system", "--", dir.toString()).noTimeout().run();
        if (!r.ok()) throw new IOException("rm -rf " + dir + " failed: " + (r.stdout() + r.stderr()).strip());
    }

}
