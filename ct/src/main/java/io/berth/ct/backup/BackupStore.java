package io.berth.ct.backup;

import io.berth.ct.CtException;
import io.berth.error.InvalidInputException;
import io.berth.error.NotFoundException;
import io.berth.error.StateException;
import io.berth.storage.ContentType;
import io.berth.storage.StorageDef;
import io.berth.storage.Storages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code backup} content of storages: dir and btrfs storages keep archives in {@code <path>/dump}, named as
 * vzdump names them, with {@code .log}, {@code .notes} and {@code .protected} files beside. Backup volume ids are
 * {@code STORAGE:backup/NAME}.
 */
public final class BackupStore {
    private static final Pattern VOLID = Pattern.compile("([a-zA-Z][a-zA-Z0-9\\-_.]*[a-zA-Z0-9]):backup/([^/]+)");

    private final Storages storages;

    public BackupStore(Storages storages) { this.storages = storages; }

    /** The dump dir of a storage that has {@code backup} content (created when missing). */
    public Path dumpDir(String storageId) {
        StorageDef def = storages.get(storageId).def();
        if (def.disable()) throw new CtException("storage '" + storageId + "' is disabled");
        if (!def.has(ContentType.BACKUP)) {
            throw new InvalidInputException("storage", "storage '" + storageId + "' does not have content type 'backup'; add it to 'content' in storage.cfg");
        }
        Path dir = switch (def) {
            case StorageDef.Dir d -> d.path().resolve("dump");
            case StorageDef.Btrfs b -> b.path().resolve("dump");
            case StorageDef.LvmThin l -> throw new CtException("storage '" + storageId + "' (lvmthin) cannot hold backups");
        };
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new CtException("cannot create dump dir " + dir + ": " + e.getMessage(), e);
        }
        return dir;
    }

    /** The first enabled storage with {@code backup} content ({@code local} on a default set-up). */
    public String defaultStorage() {
        return storages.all().stream().filter(s -> !s.def().disable() && s.def().has(ContentType.BACKUP)
                        && !(s.def() instanceof StorageDef.LvmThin))
                .map(s -> s.id()).findFirst()
                .orElseThrow(() -> new CtException("no enabled storage has content type 'backup'; give --storage or --dumpdir"));
    }

    /** True for {@code STORAGE:backup/NAME}. */
    public static boolean isVolid(String s) { return VOLID.matcher(s).matches(); }

    /** A backup volid or a path to an archive, as the archive file; it must exist. */
    public Path resolve(String spec) {
        Matcher m = VOLID.matcher(spec);
        Path p;
        if (m.matches()) {
            p = dumpDir(m.group(1)).resolve(m.group(2));
        } else if (spec.contains(":") && !spec.startsWith("/") && !spec.startsWith(".")) {
            throw new InvalidInputException("archive", "'" + spec + "' is invalid; allowed: a path to a vzdump archive or a volume id STORAGE:backup/NAME");
        } else {
            p = Path.of(spec).toAbsolutePath();
        }
        if (!Files.isRegularFile(p)) throw new NotFoundException("archive '" + spec + "' not found (" + p + ")");
        return p;
    }

    /** Backups on one storage, newest first; optionally of one vmid. */
    public List<BackupInfo> list(String storageId, OptionalInt vmid) {
        return listDir(dumpDir(storageId), Optional.of(storageId), vmid);
    }

    /** Backups in a directory, newest first. */
    public static List<BackupInfo> listDir(Path dir, Optional<String> storageId, OptionalInt vmid) {
        List<BackupInfo> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) return out;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "vzdump-*")) {
            for (Path p : ds) {
                Optional<ArchiveName> n = ArchiveName.parse(p.getFileName().toString());
                if (n.isEmpty() || !Files.isRegularFile(p)) continue;
                if (vmid.isPresent() && n.get().vmid() != vmid.getAsInt()) continue;
                out.add(info(p, storageId, n.get()));
            }
        } catch (IOException e) {
            throw new CtException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        out.sort(Comparator.comparing((BackupInfo b) -> b.name().time()).reversed().thenComparing(b -> b.path().toString()));
        return out;
    }

    static BackupInfo info(Path p, Optional<String> storageId, ArchiveName n) throws IOException {
        Path notes = p.resolveSibling(p.getFileName() + ".notes");
        Optional<String> text = Files.isRegularFile(notes) ? Optional.of(Files.readString(notes, StandardCharsets.UTF_8).strip())
                : Optional.empty();
        return new BackupInfo(storageId.map(s -> s + ":backup/" + p.getFileName()), p, n, Files.size(p),
                Files.exists(p.resolveSibling(p.getFileName() + ".protected")), text);
    }

    public BackupInfo get(String volid) {
        Matcher m = VOLID.matcher(volid);
        if (!m.matches()) throw new CtException("'" + volid + "' is not a backup volume id; allowed: STORAGE:backup/NAME");
        Path p = resolve(volid);
        ArchiveName n = ArchiveName.parse(p.getFileName().toString()).orElseThrow(() -> new CtException(
                "'" + volid + "' is not named like a vzdump archive (vzdump-lxc-VMID-YYYY_MM_DD-HH_MM_SS.tar[.zst|.gz|.lzo])"));
        try {
            return info(p, Optional.of(m.group(1)), n);
        } catch (IOException e) {
            throw new CtException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }

    /** Deletes a backup with its log, notes and marker; a protected backup is refused. */
    public void delete(String volid) {
        BackupInfo b = get(volid);
        deleteFiles(b);
    }

    static void deleteFiles(BackupInfo b) {
        if (b.protectedFlag()) {
            throw new StateException("backup '" + b.display() + "' is protected; unprotect it first (berth volume set "
                    + b.display() + " --protected 0)");
        }
        Path p = b.path();
        try {
            Files.deleteIfExists(p);
            Files.deleteIfExists(p.resolveSibling(b.name().notesName()));
            Files.deleteIfExists(p.resolveSibling(b.name().logName()));
        } catch (IOException e) {
            throw new CtException("cannot delete backup " + p + ": " + e.getMessage(), e);
        }
    }

    public void setProtected(String volid, boolean on) {
        BackupInfo b = get(volid);
        Path marker = b.path().resolveSibling(b.name().protectedName());
        try {
            if (on) Files.writeString(marker, "");
            else Files.deleteIfExists(marker);
        } catch (IOException e) {
            throw new CtException("cannot change protection of " + volid + ": " + e.getMessage(), e);
        }
    }

    public void setNotes(String volid, String notes) {
        BackupInfo b = get(volid);
        Path p = b.path().resolveSibling(b.name().notesName());
        try {
            if (notes.isEmpty()) Files.deleteIfExists(p);
            else Files.writeString(p, notes + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CtException("cannot write notes of " + volid + ": " + e.getMessage(), e);
        }
    }

    /** The storage's {@code prune-backups} line, if set. */
    public Optional<PruneOptions> storagePrune(String storageId) {
        Optional<String> raw = switch (storages.get(storageId).def()) {
            case StorageDef.Dir d -> d.pruneBackups();
            case StorageDef.Btrfs b -> b.pruneBackups();
            case StorageDef.LvmThin l -> Optional.empty();
        };
        return raw.map(PruneOptions::parse);
    }

    /**
     * Applies retention to the lxc backups of {@code vmid} in {@code dir}; returns what it removed (or would remove
     * with {@code dryRun}). Protected backups stay.
     */
    public static List<BackupInfo> prune(Path dir, Optional<String> storageId, int vmid, PruneOptions keep, boolean dryRun) {
        List<BackupInfo> group = listDir(dir, storageId, OptionalInt.of(vmid)).stream()
                .filter(b -> b.name().type().equals("lxc")).toList();
        List<Prune.Entry> entries = new ArrayList<>();
        Map<Prune.Entry, BackupInfo> byEntry = new java.util.HashMap<>();
        for (BackupInfo b : group) {
            Prune.Entry e = new Prune.Entry(b.path().toString(), b.name().time(), b.protectedFlag());
            entries.add(e);
            byEntry.put(e, b);
        }
        List<BackupInfo> removed = new ArrayList<>();
        for (var e : Prune.mark(entries, keep).entrySet()) {
            if (e.getValue() != Prune.Mark.REMOVE) continue;
            BackupInfo b = byEntry.get(e.getKey());
            if (!dryRun) deleteFiles(b);
            removed.add(b);
        }
        return removed;
    }
}
