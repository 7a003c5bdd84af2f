package io.berth.ct.backup;

import io.berth.error.InvalidInputException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What {@code berth backup} was asked: the containers ({@code all} for every one), mode, compression, where to
 * (a storage with backup content, or a plain directory), excluded paths (vzdump's {@code --exclude-path} globs),
 * a bandwidth limit in KiB/s (0: none), notes template, protection, and retention ({@code remove} prunes with
 * {@code prune}, else the storage's {@code prune-backups}, else keep-all).
 */
public record BackupRequest(List<Integer> vmids, boolean all, BackupMode mode, Compression compress,
                            Optional<String> storage, Optional<Path> dumpdir, List<String> excludePaths, long bwlimitKiB,
                            Optional<String> notesTemplate, boolean protect, boolean remove,
                            Optional<PruneOptions> prune, Duration stopWait, boolean toStdout) {
    public BackupRequest {
        vmids = List.copyOf(vmids);
        excludePaths = List.copyOf(excludePaths);
        if (storage.isPresent() && dumpdir.isPresent()) {
            throw new InvalidInputException("dumpdir", "--storage and --dumpdir are mutually exclusive");
        }
        if ((notesTemplate.isPresent() || protect) && storage.isEmpty() && dumpdir.isPresent()) {
            throw new InvalidInputException(notesTemplate.isPresent() ? "notes-template" : "protected", "--notes-template and --protected need --storage (as vzdump requires)");
        }
        if (toStdout && (all || vmids.size() != 1)) {
            throw new InvalidInputException("stdout", "--stdout writes one archive: give exactly one VMID");
        }
        if (toStdout && (storage.isPresent() || dumpdir.isPresent() || protect || notesTemplate.isPresent())) {
            throw new InvalidInputException("stdout", "--stdout writes no file: not with --storage, --dumpdir, --protected or --notes-template");
        }
        if (bwlimitKiB < 0) throw new InvalidInputException("bwlimit", "bwlimit '" + bwlimitKiB + "' is invalid; allowed: 0 or more KiB/s");
        if (!all && vmids.isEmpty()) throw new InvalidInputException("vmid", "no container given; give VMIDs or --all");
        if (all && !vmids.isEmpty()) throw new InvalidInputException("all", "give either VMIDs or --all, not both");
        for (String p : excludePaths) {
            if (p.isBlank() || p.contains("\n") || p.contains("\0")) {
                throw new InvalidInputException("exclude-path", "exclude-path '" + p + "' is invalid; allowed: a non-empty shell glob on one line");
            }
        }
    }

    public BackupRequest(List<Integer> vmids, boolean all, BackupMode mode, Compression compress, Optional<String> storage,
                         Optional<Path> dumpdir, List<String> excludePaths, long bwlimitKiB, Optional<String> notesTemplate,
                         boolean protect, boolean remove, Optional<PruneOptions> prune, Duration stopWait) {
        this(vmids, all, mode, compress, storage, dumpdir, excludePaths, bwlimitKiB, notesTemplate, protect, remove, prune, stopWait, false);
    }

    /** vzdump's {@code --stdout}: the archive goes to standard output (no file, log file or retention). */
    public BackupRequest withStdout(boolean s) {
        return new BackupRequest(vmids, all, mode, compress, storage, dumpdir, excludePaths, bwlimitKiB, notesTemplate, protect, remove, prune, stopWait, s);
    }

    /** A request with vzdump's defaults: snapshot mode, zstd, default storage, no limits, keep-all unless configured. */
    public static BackupRequest of(List<Integer> vmids) {
        return new BackupRequest(vmids, false, BackupMode.SNAPSHOT, Compression.ZSTD, Optional.empty(), Optional.empty(),
                List.of(), 0, Optional.empty(), false, true, Optional.empty(), Duration.ofMinutes(10), false);
    }

    public BackupRequest withMode(BackupMode m) {
        return new BackupRequest(vmids, all, m, compress, storage, dumpdir, excludePaths, bwlimitKiB, notesTemplate, protect, remove, prune, stopWait, toStdout);
    }

    public BackupRequest withCompress(Compression c) {
        return new BackupRequest(vmids, all, mode, c, storage, dumpdir, excludePaths, bwlimitKiB, notesTemplate, protect, remove, prune, stopWait, toStdout);
    }

    public BackupRequest withStorage(String s) {
        return new BackupRequest(vmids, all, mode, compress, Optional.of(s), Optional.empty(), excludePaths, bwlimitKiB, notesTemplate, protect, remove, prune, stopWait, toStdout);
    }

    public BackupRequest withDumpdir(Path d) {
        return new BackupRequest(vmids, all, mode, compress, Optional.empty(), Optional.of(d), excludePaths, bwlimitKiB, notesTemplate, protect, remove, prune, stopWait, toStdout);
    }

    public BackupRequest withExcludes(List<String> e) {
        return new BackupRequest(vmids, all, mode, compress, storage, dumpdir, e, bwlimitKiB, notesTemplate, protect, remove, prune, stopWait, toStdout);
    }

    public BackupRequest withBwlimit(long kib) {
        return new BackupRequest(vmids, all, mode, compress, storage, dumpdir, excludePaths, kib, notesTemplate, protect, remove, prune, stopWait, toStdout);
    }

    public BackupRequest withNotes(String t) {
        return new BackupRequest(vmids, all, mode, compress, storage, dumpdir, excludePaths, bwlimitKiB, Optional.of(t), protect, remove, prune, stopWait, toStdout);
    }

    public BackupRequest withProtect(boolean p) {
        return new BackupRequest(vmids, all, mode, compress, storage, dumpdir, excludePaths, bwlimitKiB, notesTemplate, p, remove, prune, stopWait, toStdout);
    }

    public BackupRequest withPrune(PruneOptions p) {
        return new BackupRequest(vmids, all, mode, compress, storage, dumpdir, excludePaths, bwlimitKiB, notesTemplate, protect, true, Optional.of(p), stopWait, toStdout);
    }

    public BackupRequest withStopWait(Duration d) {
        return new BackupRequest(vmids, all, mode, compress, storage, dumpdir, excludePaths, bwlimitKiB, notesTemplate, protect, remove, prune, d, toStdout);
    }

    /** The job as vzdump's first log line names it: {@code vzdump 100 101 --mode stop --compress zstd --storage local}. */
    public String commandLine(List<Integer> ids) {
        StringBuilder b = new StringBuilder("vzdump");
        if (all) b.append(" --all 1");
        else for (int id : ids) b.append(' ').append(id);
        b.append(" --mode ").append(mode.key()).append(" --compress ").append(compress.key());
        storage.ifPresent(s -> b.append(" --storage ").append(s));
        dumpdir.ifPresent(d -> b.append(" --dumpdir ").append(d));
        for (String e : excludePaths) b.append(" --exclude-path '").append(e).append('\'');
        if (bwlimitKiB > 0) b.append(" --bwlimit ").append(bwlimitKiB);
        if (protect) b.append(" --protected 1");
        if (!remove) b.append(" --remove 0");
        if (toStdout) b.append(" --stdout 1");
        return b.toString();
    }
}
