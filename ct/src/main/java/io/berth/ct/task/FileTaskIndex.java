package io.berth.ct.task;

import io.berth.config.TaskIndex;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A node's task index in files, as Proxmox keeps it: {@code <dir>/active} lists started tasks, {@code <dir>/index}
 * holds {@code UPID ENDTIME STATUS} for finished ones. Bounded as Proxmox bounds it: finished entries leave
 * {@code active}; when {@code index} outgrows its limit it becomes the archive {@code index.1} (still listed), and
 * the tasks of the archive it replaces are forgotten ({@code forget} deletes their logs).
 */
final class FileTaskIndex implements TaskIndex {
    /** Finished entries are dropped from {@code active} once it has this many lines. */
    private static final int ACTIVE_COMPACT = 500;
    /**
     * Fewer bytes than this cannot hold {@link #ACTIVE_COMPACT} UPID lines (each is longer: {@code UPID:}, a node,
     * three 8-digit numbers, a type, a user and the separators), so a smaller {@code active} is not read at a task's
     * end: reading and splitting up to ~30 KB of it after every operation was most of ending a task in berthd.
     */
    static final long ACTIVE_COMPACT_MIN_BYTES = ACTIVE_COMPACT * (long) "UPID:n:00000000:00000000:00000000:t::u:\n".length();
    /**
     * Java's file locks belong to the whole JVM (a second channel locking the same file throws
     * OverlappingFileLockException), so threads of one process take this first; the flock orders processes.
     */
    private static final Object FILE_LOCK_ORDER = new Object();

    private final Path dir;
    private final long indexMaxBytes;
    private final Consumer<String> forget;
    private final Function<String, Optional<String>> vanished;

    /**
     * @param forget   called with the UPID of each task dropped by a rotation (to delete its log)
     * @param vanished the status to record for a task in {@code active} whose process is gone without an end
     *                 ({@code unexpected status}), empty while it may still run
     */
    FileTaskIndex(Path dir, long indexMaxBytes, Consumer<String> forget, Function<String, Optional<String>> vanished) {
        this.dir = dir;
        this.indexMaxBytes = indexMaxBytes;
        this.forget = forget;
        this.vanished = vanished;
    }

    @Override public void started(String upid) {
        try {
            appendLocked(dir.resolve("active"), upid + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record the start of task " + upid + " in " + dir + ": " + e.getMessage(), e);
        }
    }

    @Override public void finished(String upid, long endtime, String status) {
        try {
            appendLocked(dir.resolve("index"), indexLine(upid, endtime, status));
            compactActive(rotateIndex());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record the end of task " + upid + " in " + dir + ": " + e.getMessage(), e);
        }
    }

    @Override public List<Entry> entries() {
        Map<String, Entry> all = new LinkedHashMap<>();
        for (String l : lines(dir.resolve("active"))) if (!l.isBlank()) all.put(l.strip(), new Entry(l.strip(), OptionalLong.empty(), ""));
        for (String file : List.of("index.1", "index")) for (String l : lines(dir.resolve(file))) parse(l).ifPresent(e -> all.put(e.upid(), e));
        return new ArrayList<>(all.values());
    }

    /** The finished entry of {@code upid}, newest files first. */
    Optional<Entry> finished(String upid) {
        for (String file : List.of("index", "index.1")) {
            for (String l : lines(dir.resolve(file)).reversed()) {
                if (!l.startsWith(upid + " ")) continue;
                Optional<Entry> e = parse(l);
                if (e.isPresent()) return e;
            }
        }
        return Optional.empty();
    }

    private static Optional<Entry> parse(String l) {
        String[] p = l.split(" ", 3);
        if (p.length < 3) return Optional.empty();
        try {
            return Optional.of(new Entry(p[0], OptionalLong.of(Long.parseLong(p[1], 16)), p[2]));
        } catch (NumberFormatException e) {
            return Optional.empty(); // a damaged line: skip it rather than hide every other task
        }
    }

    /** Appends under an flock on the file, so that lines of concurrent processes never interleave. */
    private static void appendLocked(Path file, String text) throws IOException {
        synchronized (FILE_LOCK_ORDER) {
            appendFlocked(file, text);
        }
    }

    private static void appendFlocked(Path file, String text) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
             FileLock l = ch.lock()) {
            ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) ch.write(b);
        }
    }

    /**
     * Past {@link #indexMaxBytes}, {@code index} becomes {@code index.1} and starts empty; the tasks of the archive
     * it replaces are forgotten. Runs under the index's lock, so appends wait for it. Returns whether it rotated;
     * the caller then compacts {@code active} (after, not under, the index's lock: compaction takes active's lock
     * first, and two processes must take the two locks in the same order).
     */
    private boolean rotateIndex() throws IOException {
        Path index = dir.resolve("index");
        if (Files.size(index) <= indexMaxBytes) return false; // the common case needs no lock
        synchronized (FILE_LOCK_ORDER) {
            try (FileChannel ch = FileChannel.open(index, StandardOpenOption.READ, StandardOpenOption.WRITE); FileLock l = ch.lock()) {
                if (ch.size() <= indexMaxBytes) return false; // another process rotated it meanwhile
                Path archive = dir.resolve("index.1");
                List<String> forgotten = lines(archive);
                Path tmp = dir.resolve(".index.1.tmp");
                Files.copy(index, tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                ch.truncate(0);
                for (String line : forgotten) forget.accept(line.split(" ", 2)[0]);
                return true;
            }
        }
    }

    /** Drops ended tasks from {@code active} once it is long, or always ({@code force}: after a rotation). */
    private void compactActive(boolean force) throws IOException {
        Path active = dir.resolve("active");
        // a hint outside the lock: a file this short cannot need compacting, nor can it after a concurrent append
        if (!force && Files.size(active) < ACTIVE_COMPACT_MIN_BYTES) return;
        synchronized (FILE_LOCK_ORDER) {
            try (FileChannel ch = FileChannel.open(active, StandardOpenOption.READ, StandardOpenOption.WRITE); FileLock l = ch.lock()) {
                List<String> act = lines(active);
                if (act.size() < ACTIVE_COMPACT && !force) return;
                Set<String> ended = new HashSet<>();
                for (String line : lines(dir.resolve("index.1"))) ended.add(line.split(" ", 2)[0]);
                for (String line : lines(dir.resolve("index"))) ended.add(line.split(" ", 2)[0]);
                StringBuilder keep = new StringBuilder();
                for (String a : act) {
                    String u = a.strip();
                    if (u.isEmpty() || ended.contains(u)) continue;
                    // a task whose process died never records its end: record it now (as Proxmox does), so it leaves active
                    Optional<String> gone = vanished.apply(u);
                    if (gone.isPresent()) {
                        appendFlocked(dir.resolve("index"), indexLine(u, System.currentTimeMillis() / 1000, gone.get()));
                        continue;
                    }
                    keep.append(u).append('\n');
                }
                ch.truncate(0);
                ch.write(ByteBuffer.wrap(keep.toString().getBytes(StandardCharsets.UTF_8)), 0);
            }
        }
    }

    /** {@code UPID ENDTIME STATUS}, as {@code String.format("%s %08X %s%n", ...)} without a Formatter per task. */
    static String indexLine(String upid, long endtime, String status) {
        StringBuilder sb = new StringBuilder(upid.length() + status.length() + 12).append(upid).append(' ');
        return Upid.hex8(sb, endtime).append(' ').append(status).append(System.lineSeparator()).toString();
    }

    /** The file's lines; none when it does not exist. */
    static List<String> lines(Path p) {
        try {
            return Files.readAllLines(p, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }
}
