package io.berth.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;

/**
 * Container configs under {@code configDir/lxc/<vmid>.conf}. Writes are atomic (temp file in the same directory,
 * fsync, rename, fsync of the directory; the temp file's fsync is left out where the rename itself orders its data,
 * {@link ReplaceOrdering}) and happen under a per-container lock: a {@link ReentrantLock} per lock
 * file for threads of this JVM (file locks are per process) plus {@link FileChannel#lock()} on
 * {@code lockDir/<vmid>.conf.lock} for other processes.
 */
public final class ConfigStore {
    private static final ConcurrentHashMap<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

    private final BerthRoots roots;

    public ConfigStore(BerthRoots roots) { this.roots = roots; }

    public BerthRoots roots() { return roots; }

    /** Held per-container lock; reentrant within a thread. */
    public static final class Lock implements AutoCloseable {
        private final ReentrantLock jvmLock;
        private final FileChannel channel;
        private final FileLock fileLock;

        private Lock(ReentrantLock jvmLock, FileChannel channel, FileLock fileLock) {
            this.jvmLock = jvmLock;
            this.channel = channel;
            this.fileLock = fileLock;
        }

        @Override public void close() {
            try {
                if (fileLock != null) fileLock.release();
                if (channel != null) channel.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                jvmLock.unlock();
            }
        }
    }

    /** Takes the container's config lock (blocking). */
    public Lock lock(int vmid) {
        Vmid.check(vmid);
        Path lockFile = roots.lockDir().resolve(vmid + ".conf.lock");
        ReentrantLock l = JVM_LOCKS.computeIfAbsent(lockFile, p -> new ReentrantLock());
        l.lock();
        if (l.getHoldCount() > 1) return new Lock(l, null, null);
        FileChannel ch = null;
        try {
            privateDir(roots.lockDir());
            searchableOnly(roots.stateDir());
            ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            return new Lock(l, ch, ch.lock());
        } catch (IOException | RuntimeException e) {
            try {
                if (ch != null) ch.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            l.unlock();
            if (e instanceof IOException io) throw new UncheckedIOException("cannot lock " + lockFile + ": " + io.getMessage(), io);
            throw (RuntimeException) e;
        }
    }

    public boolean exists(int vmid) { return Files.isRegularFile(roots.containerConfig(Vmid.check(vmid))); }

    /** The parsed config with its digest (SHA-1 of the bytes read, as Proxmox computes it); read as {@link #read} does. */
    public VersionedConfig loadVersioned(int vmid) {
        ParsedConfig p = read(vmid);
        return new VersionedConfig(vmid, p.config(), new ConfigDigest(p.digest()));
    }

    /**
     * Reads the container's config leniently, as Proxmox does: with the SHA-1 {@code digest} of the raw file and
     * warnings for entries that did not validate (they stay in the config; the operation needing one fails).
     * Files no writer produces (empty, binary, CRLF, truncated) are refused whole.
     */
    public ParsedConfig read(int vmid) {
        Path p = roots.containerConfig(Vmid.check(vmid));
        byte[] raw;
        try {
            raw = Files.readAllBytes(p);
        } catch (NoSuchFileException e) {
            throw new NoSuchContainerException(vmid, p.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p + ": " + e.getMessage(), e);
        }
        text(p.toString(), raw);
        return ConfigParser.read(p.toString(), raw);
    }

    /** The digest of the config file as it is now, without parsing it. */
    public ConfigDigest digest(int vmid) {
        Path p = roots.containerConfig(Vmid.check(vmid));
        try {
            return ConfigDigest.of(Files.readAllBytes(p));
        } catch (NoSuchFileException e) {
            throw new NoSuchContainerException(vmid, p.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }

    /**
     * The file's text, or a {@link ConfigException} for files no Berth or Proxmox writer produces and that would
     * otherwise load and fail later at start: empty, binary or not UTF-8, Windows line endings, no final newline
     * (a truncated file).
     */
    static String text(String file, byte[] raw) {
        if (raw.length == 0 || new String(raw, StandardCharsets.UTF_8).isBlank())
            throw rawError(file, 0, "the file is empty; a container config has at least arch, ostype and rootfs (restore it, or remove the container with destroy)");
        int line = 1;
        for (int i = 0; i < raw.length; i++) {
            int b = raw[i] & 0xff;
            if (b == 0 || (b < 0x20 && b != '\n' && b != '\t' && b != '\r'))
                throw rawError(file, line, String.format("binary byte 0x%02x at offset %d; a config is UTF-8 text", b, i));
            if (b == '\r')
                throw rawError(file, line, "Windows line ending (CR LF); allowed: LF only (convert with: sed -i 's/\\r$//' " + file + ")");
            if (b == '\n') line++;
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT).decode(ByteBuffer.wrap(raw)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw rawError(file, 0, "not valid UTF-8 text; a config is UTF-8 text");
        }
        if (raw[raw.length - 1] != '\n')
            throw rawError(file, line, "the last line does not end with a newline: the file looks truncated (restore it, or add the newline if the last line is complete)");
        return text;
    }

    private static ConfigException rawError(String file, int line, String message) {
        return new ConfigException(new ConfigError(file, line, "", null, message));
    }

    /** The container's config, read as {@link #read} does (warnings dropped). */
    public ConfigFile load(int vmid) { return read(vmid).config(); }

    /** All vmids with a config, ascending. */
    public List<Integer> list() {
        Path dir = roots.containerConfigDir();
        if (!Files.isDirectory(dir)) return List.of();
        List<Integer> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.conf")) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                String id = n.substring(0, n.length() - ".conf".length());
                if (id.matches("[1-9]\\d{2,8}") && Files.isRegularFile(p)) out.add(Integer.parseInt(id));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        Collections.sort(out);
        return out;
    }

    /** Locked read-modify-write; writes only when the change produced a different config. Returns the new config. */
    public ConfigFile update(int vmid, UnaryOperator<ConfigFile> change) {
        try (Lock l = lock(vmid)) {
            ConfigFile before = load(vmid);
            ConfigFile after = change.apply(before);
            if (!after.equals(before)) write(vmid, after);
            return after;
        }
    }

    /** Creates the config; fails if one exists. */
    public void create(int vmid, ConfigFile config) {
        create(vmid, config, true);
    }

    /**
     * Creates the config; fails if one exists. {@code durable=false}: see {@link #write(int, ConfigFile, boolean)}.
     */
    public void create(int vmid, ConfigFile config, boolean durable) {
        try (Lock l = lock(vmid)) {
            if (exists(vmid)) throw new io.berth.error.ExistsException("container " + vmid + " already exists (" + roots.containerConfig(vmid) + ")");
            write(vmid, config, durable);
        }
    }

    public void delete(int vmid) {
        try (Lock l = lock(vmid)) {
            Path p = roots.containerConfig(vmid);
            Optional<ClusterBackend> cluster = ClusterBackend.of(roots);
            if (cluster.isPresent() && Files.isRegularFile(p)) {
                try {
                    cluster.get().configs().delete(vmid, ConfigDigest.of(Files.readAllBytes(p)));
                } catch (NoSuchContainerException gone) {
                    // the cluster has no copy any more: only the local file is left to remove
                }
            }
            if (!Files.deleteIfExists(p)) throw new NoSuchContainerException(vmid, p.toString());
            fsyncDir(p.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Unconditional atomic write; the caller must hold {@link #lock}. In a cluster ({@link ClusterBackend}) the change
     * goes to the cluster first, conditional on the digest of the file as it is (or, for a new file, on the id being
     * free cluster-wide), so a stale file or a lost quorum refuses the write before the file is touched.
     */
    public void write(int vmid, ConfigFile config) {
        write(vmid, config, true);
    }

    /**
     * {@link #write(int, ConfigFile)}; with {@code durable=false} without the fsyncs: still atomic (rename) and
     * surviving a killed process (the page cache keeps it), not a power loss. For interim states that a later
     * durable write replaces, such as create's {@code lock: create} configs: each fsync costs a journal commit.
     */
    public void write(int vmid, ConfigFile config, boolean durable) {
        Path target = roots.containerConfig(Vmid.check(vmid));
        Optional<ClusterBackend> cluster = ClusterBackend.of(roots);
        if (cluster.isPresent()) {
            try {
                if (Files.isRegularFile(target)) cluster.get().configs().write(vmid, config, ConfigDigest.of(Files.readAllBytes(target)));
                else cluster.get().configs().create(vmid, config);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + target + ": " + e.getMessage(), e);
            }
        }
        writeFile(vmid, target, ConfigPrinter.print(config).getBytes(StandardCharsets.UTF_8), durable);
    }

    /**
     * The cluster's read cache: puts the cluster's bytes of a config of this node into the file, without writing
     * through (the caller holds {@link #lock} and got {@code raw} from the cluster).
     */
    public void mirror(int vmid, byte[] raw) {
        writeFile(vmid, roots.containerConfig(Vmid.check(vmid)), raw, true);
    }

    /** The cluster's read cache: removes the file of a config the cluster no longer has on this node. */
    public void unmirror(int vmid) {
        Path p = roots.containerConfig(Vmid.check(vmid));
        try {
            if (Files.deleteIfExists(p)) fsyncDir(p.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + p + ": " + e.getMessage(), e);
        }
    }

    private void writeFile(int vmid, Path target, byte[] data, boolean durable) {
        Path dir = target.getParent();
        Path tmp = dir.resolve("." + vmid + ".conf.tmp." + ProcessHandle.current().pid() + "." + ThreadLocalRandom.current().nextInt(1 << 30));
        try {
            privateDir(roots.configDir());
            privateDir(dir);
            // replacing a file on a filesystem that orders the new data before the rename's commit: the directory's fsync
            // alone makes the new content durable (one journal commit, not two); anywhere else the file is fsynced first
            boolean ordered = durable && Files.isRegularFile(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                    && ReplaceOrdering.dataBeforeRename(dir);
            try (FileChannel ch = FileChannel.open(tmp, java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    java.nio.file.attribute.PosixFilePermissions.asFileAttribute(ROOT_ONLY_FILE))) {
                ByteBuffer buf = ByteBuffer.wrap(data);
                while (buf.hasRemaining()) ch.write(buf);
                if (durable && !ordered) ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            if (durable) fsyncDir(dir);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    private static final java.util.Set<java.nio.file.attribute.PosixFilePermission> ROOT_ONLY_FILE =
            java.nio.file.attribute.PosixFilePermissions.fromString("rw-------");
    private static final java.util.Set<java.nio.file.attribute.PosixFilePermission> ROOT_ONLY_DIR =
            java.nio.file.attribute.PosixFilePermissions.fromString("rwx------");

    /**
     * Configs, locks and the ids they reveal are root's, as Proxmox's are (issue 10.4): the dir is made mode 0700, also
     * when an older Berth created it world-readable.
     */
    static void privateDir(Path dir) throws IOException {
        existingDir(dir);
        if (!Files.getPosixFilePermissions(dir).equals(ROOT_ONLY_DIR)) Files.setPosixFilePermissions(dir, ROOT_ONLY_DIR);
    }

    /**
     * The state dir must stay searchable (an unprivileged container's root traverses it to its rootfs mount) but not
     * listable: mode 0711, as the ids of every container are below it.
     */
    public static void searchableOnly(Path dir) throws IOException {
        existingDir(dir);
        var perms = java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x");
        if (!Files.getPosixFilePermissions(dir).equals(perms)) Files.setPosixFilePermissions(dir, perms);
    }

    /**
     * {@code Files.createDirectories}, asked first whether there is anything to create: on an existing directory it
     * throws and catches an exception with a stack trace, and berthd takes these paths on every operation
     * (interpreted, where that costs more than the stat).
     */
    public static void existingDir(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) Files.createDirectories(dir);
    }

    private static void fsyncDir(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
