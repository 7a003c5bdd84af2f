package io.berth.guest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import io.berth.sys.Errno;
import io.berth.sys.Fd;
import io.berth.sys.PathCalls;
import io.berth.sys.SysException;

/**
 * File access confined to a container rootfs.
 *
 * <p>Writes walk the path through directory fds ({@link SecureDirectoryStream}: {@code openat} with
 * {@code O_NOFOLLOW}), so a symlinked directory anywhere on the way is refused rather than followed, and the last
 * component is replaced by {@code renameat} of a temp file from the same directory: a symlink there is replaced,
 * never written through, and its target is never read. Modes and owners are set through the fd-relative views
 * ({@code fchmod}/{@code fchown} on an {@code O_NOFOLLOW} open). Creating a directory or a symlink, which NIO
 * cannot do relative to a directory fd, goes through {@code io.berth.sys.PathCalls}: {@code mkdirat} and
 * {@code symlinkat} on a parent opened with {@code openat2(RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS)}, so a
 * directory swapped for a symlink between our checks and the call (a container racing us while it runs, during a
 * network or hostname change) still cannot move the operation out of the rootfs.
 *
 * <p>Reads for detection ({@link #readInRoot}) resolve symlinks the way {@code RESOLVE_IN_ROOT} does: absolute
 * targets and {@code ..} are clamped to the rootfs, so /bin/sh -> /usr/bin/dash and merged-usr work.
 *
 * <p>Paths are container-absolute strings such as {@code /etc/hostname}.
 */
final class RootFs implements AutoCloseable {

    /** Outcome of a write. */
    enum WriteResult { UNCHANGED, WRITTEN, IGNORED }

    private static final int MAX_READ = 16 << 20;
    private static final int MAX_SYMLINK_HOPS = 40;

    private final Path root;
    private final SecureDirectoryStream<Path> rootDir;
    private final int uid;
    private final int gid;
    private final List<String> warnings = new ArrayList<>();

    RootFs(Path root, int uid, int gid) {
        this.root = root;
        this.uid = uid;
        this.gid = gid;
        try {
            DirectoryStream<Path> ds = Files.newDirectoryStream(root);
            if (!(ds instanceof SecureDirectoryStream<Path> sds)) {
                ds.close();
                throw new GuestSetupException("rootfs " + root + ": this platform has no fd-relative directory"
                        + " access (SecureDirectoryStream); refusing to write into a container rootfs without it");
            }
            this.rootDir = sds;
        } catch (IOException e) {
            throw new GuestSetupException("rootfs " + root + ": cannot open: " + e.getMessage(), e);
        }
    }

    Path root() {
        return root;
    }

    /** Warnings collected so far (replaced symlinks and the like). */
    List<String> warnings() {
        return warnings;
    }

    @Override
    public void close() {
        try {
            rootDir.close();
        } catch (IOException ignored) {
            // read-only use of a directory fd: nothing to flush
        }
    }

    // ---------------------------------------------------------------- reads

    /**
     * The content of a regular file, without following any symlink on the way. Empty when it is absent, a symlink
     * or not a regular file.
     */
    Optional<String> read(String path) {
        List<String> comps = split(path);
        try (SecureDirectoryStream<Path> dir = walk(comps, false, 0)) {
            if (dir == null) {
                return Optional.empty();
            }
            Path name = Path.of(comps.getLast());
            Optional<BasicFileAttributes> a = lstat(dir, name);
            if (a.isEmpty()) {
                return Optional.empty();
            }
            // A symlink's target is never read: it could be a host file (information leak).
            if (!a.get().isRegularFile()) {
                return Optional.empty();
            }
            try (SeekableByteChannel ch = dir.newByteChannel(name,
                    Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
                return Optional.of(new String(readAll(ch, path), StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new GuestSetupException(path + " in " + root + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** File type of the last component, not following it; empty when absent or a parent is missing. */
    Optional<BasicFileAttributes> lstat(String path) {
        List<String> comps = split(path);
        if (comps.isEmpty()) {
            return lstat(rootDir, null);
        }
        try (SecureDirectoryStream<Path> dir = walk(comps, false, 0)) {
            return dir == null ? Optional.empty() : lstat(dir, Path.of(comps.getLast()));
        } catch (IOException e) {
            throw new GuestSetupException(path + " in " + root + ": " + e.getMessage(), e);
        }
    }

    boolean exists(String path) {
        return lstat(path).isPresent();
    }

    /** Reads a regular file resolving symlinks inside the rootfs ({@code RESOLVE_IN_ROOT} semantics). */
    Optional<byte[]> readInRoot(String path, int max) {
        Optional<Path> p = resolveInRoot(path);
        if (p.isEmpty()) {
            return Optional.empty();
        }
        try {
            BasicFileAttributes a = Files.readAttributes(p.get(), BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            if (!a.isRegularFile()) {
                return Optional.empty();
            }
            try (SeekableByteChannel ch = Files.newByteChannel(p.get(),
                    Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
                ByteBuffer buf = ByteBuffer.allocate((int) Math.min(max, Math.max(a.size(), 0)));
                while (buf.hasRemaining() && ch.read(buf) > 0) {
                    // keep reading up to max
                }
                byte[] out = new byte[buf.position()];
                buf.flip().get(out);
                return Optional.of(out);
            }
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    Optional<String> readTextInRoot(String path) {
        return readInRoot(path, 1 << 20).map(b -> new String(b, StandardCharsets.UTF_8));
    }

    boolean existsInRoot(String path) {
        return resolveInRoot(path).isPresent();
    }

    /**
     * The host path of {@code path} with every symlink resolved inside the rootfs; empty when some component is
     * missing or the chain is too long.
     */
    Optional<Path> resolveInRoot(String path) {
        Deque<String> todo = new ArrayDeque<>(split(path));
        List<String> done = new ArrayList<>();
        int hops = 0;
        while (!todo.isEmpty()) {
            String c = todo.pollFirst();
            if (c.equals(".")) {
                continue;
            }
            if (c.equals("..")) {
                if (!done.isEmpty()) {
                    done.removeLast();
                }
                continue;
            }
            Path p = hostPath(done).resolve(c);
            BasicFileAttributes a;
            try {
                a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (IOException e) {
                return Optional.empty();
            }
            if (a.isSymbolicLink()) {
                if (++hops > MAX_SYMLINK_HOPS) {
                    return Optional.empty();
                }
                String target;
                try {
                    target = Files.readSymbolicLink(p).toString();
                } catch (IOException e) {
                    return Optional.empty();
                }
                if (target.startsWith("/")) {
                    done.clear();
                }
                List<String> t = split(target);
                for (int i = t.size() - 1; i >= 0; i--) {
                    todo.addFirst(t.get(i));
                }
            } else {
                done.add(c);
            }
        }
        return Optional.of(hostPath(done));
    }

    /**
     * {@code path} with every symlink resolved inside the rootfs (clamped to it, as {@code RESOLVE_IN_ROOT}), as a
     * container path; empty when a component is missing.
     */
    Optional<String> canonicalInRoot(String path) {
        return resolveInRoot(path).map(p -> "/" + root.relativize(p).toString().replace('\\', '/'))
                .map(s -> s.equals("/") ? "/" : s);
    }

    /** The target of a symlink (parents resolved inside the rootfs), not followed further; empty if not a symlink. */
    Optional<String> readlink(String path) {
        List<String> comps = split(path);
        if (comps.isEmpty()) {
            return Optional.empty();
        }
        String parent = "/" + String.join("/", comps.subList(0, comps.size() - 1));
        Optional<Path> dir = resolveInRoot(parent);
        if (dir.isEmpty()) {
            return Optional.empty();
        }
        Path p = dir.get().resolve(comps.getLast());
        try {
            if (!Files.isSymbolicLink(p)) {
                return Optional.empty();
            }
            return Optional.of(Files.readSymbolicLink(p).toString());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Attributes of {@code path} after resolving every symlink inside the rootfs; empty when missing. */
    Optional<PosixFileAttributes> statInRoot(String path) {
        Optional<Path> p = resolveInRoot(path);
        if (p.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Files.readAttributes(p.get(), PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Names in a directory (not following a symlinked directory); empty when absent. */
    List<String> list(String dirPath) {
        List<String> comps = new ArrayList<>(split(dirPath));
        comps.add(".");
        try (SecureDirectoryStream<Path> dir = walk(comps, false, 0)) {
            if (dir == null) {
                return List.of();
            }
            List<String> names = new ArrayList<>();
            for (Path p : dir) {
                names.add(p.getFileName().toString());
            }
            names.sort(null);
            return names;
        } catch (IOException e) {
            throw new GuestSetupException(dirPath + " in " + root + ": cannot list: " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- writes

    /** True when {@code .pve-ignore.NAME} or {@code .berth-ignore.NAME} sits next to the file. */
    boolean ignored(String path) {
        List<String> comps = split(path);
        String parent = "/" + String.join("/", comps.subList(0, comps.size() - 1));
        String name = comps.getLast();
        return exists(join(parent, ".pve-ignore." + name)) || exists(join(parent, ".berth-ignore." + name));
    }

    /**
     * Replaces a file's content atomically. Missing parent directories are created (0755, container root).
     * An existing regular file keeps its mode and owner; a new one (or one that replaces a symlink) gets
     * {@code mode} and the container root as owner.
     */
    WriteResult write(String path, String content, int mode) {
        if (ignored(path)) {
            return WriteResult.IGNORED;
        }
        List<String> comps = split(path);
        byte[] data = content.getBytes(StandardCharsets.UTF_8);
        try (SecureDirectoryStream<Path> dir = walk(comps, true, 0755)) {
            Path name = Path.of(comps.getLast());
            Optional<BasicFileAttributes> old = lstat(dir, name);
            int newMode = mode;
            UserPrincipal newOwner = owner(uid);
            GroupPrincipal newGroup = group(gid);
            if (old.isPresent()) {
                BasicFileAttributes a = old.get();
                if (a.isSymbolicLink()) {
                    warnings.add(path + " was a symlink; replaced by a regular file (the link was not followed)");
                } else if (a.isRegularFile()) {
                    PosixFileAttributes pa = dir.getFileAttributeView(name, PosixFileAttributeView.class,
                            LinkOption.NOFOLLOW_LINKS).readAttributes();
                    try (SeekableByteChannel ch = dir.newByteChannel(name,
                            Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
                        if (java.util.Arrays.equals(readAll(ch, path), data)) {
                            return WriteResult.UNCHANGED;
                        }
                    }
                    newMode = toMode(pa.permissions());
                    newOwner = pa.owner();
                    newGroup = pa.group();
                } else {
                    throw new GuestSetupException(path + " in " + root + " is not a regular file ("
                            + kind(a) + "); refusing to replace it");
                }
            }
            Path tmp = tempName(comps.getLast());
            try {
                try (SeekableByteChannel ch = dir.newByteChannel(tmp, Set.of(StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS))) {
                    ByteBuffer buf = ByteBuffer.wrap(data);
                    while (buf.hasRemaining()) {
                        ch.write(buf);
                    }
                }
                chownChmod(dir, tmp, newOwner, newGroup, newMode);
                dir.move(tmp, dir, name);
                tmp = null;
            } finally {
                if (tmp != null) {
                    try {
                        dir.deleteFile(tmp);
                    } catch (IOException ignored) {
                        // best effort: the temp file name is unique and harmless
                    }
                }
            }
            return WriteResult.WRITTEN;
        } catch (IOException e) {
            throw new GuestSetupException(path + " in " + root + ": cannot write: " + e.getMessage(), e);
        }
    }

    /** Creates a directory and its parents (container root, {@code mode}); refuses symlinks on the way. */
    void mkdirs(String path, int mode) {
        List<String> comps = new ArrayList<>(split(path));
        comps.add(".");
        try (SecureDirectoryStream<Path> dir = walk(comps, true, mode)) {
            if (dir == null) {
                throw new GuestSetupException(path + " in " + root + ": could not be created");
            }
        } catch (IOException e) {
            throw new GuestSetupException(path + " in " + root + ": cannot create: " + e.getMessage(), e);
        }
    }

    /** Sets mode and owner of an existing directory or regular file (not following a symlink). */
    void chownChmod(String path, int mode) {
        List<String> comps = split(path);
        try (SecureDirectoryStream<Path> dir = walk(comps, false, 0)) {
            if (dir == null) {
                throw new GuestSetupException(path + " in " + root + ": missing");
            }
            Path name = Path.of(comps.getLast());
            Optional<BasicFileAttributes> a = lstat(dir, name);
            if (a.isEmpty() || !(a.get().isRegularFile() || a.get().isDirectory())) {
                throw new GuestSetupException(path + " in " + root + ": not a regular file or directory");
            }
            chownChmod(dir, name, uid, gid, mode);
        } catch (IOException e) {
            throw new GuestSetupException(path + " in " + root + ": " + e.getMessage(), e);
        }
    }

    /**
     * Makes {@code path} a symlink to {@code target} (the target is only stored, never resolved). Returns false
     * when it already is exactly that link.
     */
    boolean symlink(String path, String target) {
        List<String> comps = split(path);
        try (SecureDirectoryStream<Path> dir = walk(comps, true, 0755)) {
            Path name = Path.of(comps.getLast());
            Path hostParent = hostPath(comps.subList(0, comps.size() - 1));
            Optional<BasicFileAttributes> old = lstat(dir, name);
            if (old.isPresent() && old.get().isSymbolicLink()
                    && Files.readSymbolicLink(hostParent.resolve(name)).toString().equals(target)) {
                return false;
            }
            if (old.isPresent() && old.get().isDirectory()) {
                throw new GuestSetupException(path + " in " + root + " is a directory; refusing to replace it");
            }
            Path tmp = tempName(comps.getLast());
            try (Fd parent = openDirInRoot(comps.subList(0, comps.size() - 1))) {
                PathCalls.symlinkat(target, parent, tmp.toString());
                try {
                    PathCalls.fchownat(parent, tmp.toString(), uid, gid, PathCalls.AT_SYMLINK_NOFOLLOW);
                    dir.move(tmp, dir, name);
                } catch (IOException | SysException e) {
                    dir.deleteFile(tmp);
                    throw e;
                }
            } catch (SysException e) {
                throw new GuestSetupException(path + " in " + root + ": cannot create symlink: " + e.getMessage(), e);
            }
            return true;
        } catch (IOException e) {
            throw new GuestSetupException(path + " in " + root + ": cannot create symlink: " + e.getMessage(), e);
        }
    }

    /** Removes a file or symlink (never a directory); false when absent. */
    boolean delete(String path) {
        List<String> comps = split(path);
        try (SecureDirectoryStream<Path> dir = walk(comps, false, 0)) {
            if (dir == null) {
                return false;
            }
            Path name = Path.of(comps.getLast());
            Optional<BasicFileAttributes> a = lstat(dir, name);
            if (a.isEmpty()) {
                return false;
            }
            if (a.get().isDirectory()) {
                throw new GuestSetupException(path + " in " + root + " is a directory; refusing to delete it");
            }
            dir.deleteFile(name);
            return true;
        } catch (IOException e) {
            throw new GuestSetupException(path + " in " + root + ": cannot delete: " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- internals

    /**
     * Opens the directory that holds the last component, one component at a time without following symlinks.
     * Returns null when a directory is missing and {@code create} is false.
     */
    private SecureDirectoryStream<Path> walk(List<String> comps, boolean create, int mode) throws IOException {
        if (comps.isEmpty()) {
            throw new GuestSetupException("empty path inside " + root);
        }
        SecureDirectoryStream<Path> cur = rootDir.newDirectoryStream(Path.of("."), LinkOption.NOFOLLOW_LINKS);
        List<String> walked = new ArrayList<>();
        try {
            for (String c : comps.subList(0, comps.size() - 1)) {
                Path name = Path.of(c);
                Optional<BasicFileAttributes> a = lstat(cur, name);
                if (a.isEmpty()) {
                    if (!create) {
                        cur.close();
                        return null;
                    }
                    try (Fd parent = openDirInRoot(walked)) {
                        PathCalls.mkdirat(parent, c, mode);
                        chownChmod(cur, name, uid, gid, mode);
                    } catch (SysException e) {
                        if (!e.is(Errno.EEXIST)) {
                            throw new GuestSetupException("/" + join(walked, c) + " in " + root
                                    + ": cannot create directory: " + e.getMessage(), e);
                        }
                        // created concurrently: the checks below decide whether it is usable
                    }
                    a = lstat(cur, name);
                }
                if (a.isEmpty()) {
                    throw new NoSuchFileException("/" + String.join("/", walked) + "/" + c);
                }
                if (a.get().isSymbolicLink()) {
                    String target = Files.readSymbolicLink(hostPath(walked).resolve(c)).toString();
                    throw new GuestSetupException("/" + join(walked, c) + " in " + root + " is a symlink (-> "
                            + target + "); refusing to follow it (setup never writes through symlinked directories)");
                }
                if (!a.get().isDirectory()) {
                    throw new GuestSetupException("/" + join(walked, c) + " in " + root + " is not a directory ("
                            + kind(a.get()) + ")");
                }
                SecureDirectoryStream<Path> next = cur.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS);
                cur.close();
                cur = next;
                walked.add(c);
            }
            return cur;
        } catch (IOException | RuntimeException e) {
            cur.close();
            throw e;
        }
    }

    private static String join(List<String> walked, String c) {
        return walked.isEmpty() ? c : String.join("/", walked) + "/" + c;
    }

    private static String join(String dir, String name) {
        return dir.endsWith("/") ? dir + name : dir + "/" + name;
    }

    /**
     * An {@code O_PATH} fd of a directory below the rootfs, resolved by {@code openat2} with
     * {@code RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS}: even a directory swapped for a symlink after our checks cannot
     * move the following {@code mkdirat}/{@code symlinkat} out of the rootfs.
     */
    private Fd openDirInRoot(List<String> comps) {
        try (Fd rootFd = PathCalls.openDirectory(root)) {
            return PathCalls.openat2(rootFd, comps.isEmpty() ? "." : String.join("/", comps),
                    PathCalls.O_PATH | PathCalls.O_DIRECTORY | PathCalls.O_CLOEXEC, 0,
                    PathCalls.RESOLVE_IN_ROOT | PathCalls.RESOLVE_NO_SYMLINKS | PathCalls.RESOLVE_NO_MAGICLINKS);
        }
    }

    private Path hostPath(List<String> comps) {
        Path p = root;
        for (String c : comps) {
            p = p.resolve(c);
        }
        return p;
    }

    private static Optional<BasicFileAttributes> lstat(SecureDirectoryStream<Path> dir, Path name) {
        try {
            BasicFileAttributeView v = name == null
                    ? dir.getFileAttributeView(BasicFileAttributeView.class)
                    : dir.getFileAttributeView(name, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
            return Optional.of(v.readAttributes());
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new GuestSetupException("stat " + name + ": " + e.getMessage(), e);
        }
    }

    private void chownChmod(SecureDirectoryStream<Path> dir, Path name, int u, int g, int mode) throws IOException {
        chownChmod(dir, name, owner(u), group(g), mode);
    }

    // A numeric name that is no user's name resolves to that id (NIO's documented fallback).
    private UserPrincipal owner(int u) throws IOException {
        return lookup().lookupPrincipalByName(Integer.toString(u));
    }

    private GroupPrincipal group(int g) throws IOException {
        return lookup().lookupPrincipalByGroupName(Integer.toString(g));
    }

    private UserPrincipalLookupService lookup() {
        return root.getFileSystem().getUserPrincipalLookupService();
    }

    private static void chownChmod(SecureDirectoryStream<Path> dir, Path name, UserPrincipal owner,
            GroupPrincipal group, int mode) throws IOException {
        PosixFileAttributeView v = dir.getFileAttributeView(name, PosixFileAttributeView.class,
                LinkOption.NOFOLLOW_LINKS);
        v.setOwner(owner);
        v.setGroup(group);
        // chown clears set-id bits, so the mode goes last.
        v.setPermissions(fromMode(mode));
    }

    private static Path tempName(String base) {
        return Path.of("." + base + ".berth-tmp-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    }

    private static byte[] readAll(SeekableByteChannel ch, String path) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(8192);
        while (ch.read(buf) > 0) {
            out.write(buf.array(), 0, buf.position());
            buf.clear();
            if (out.size() > MAX_READ) {
                throw new GuestSetupException(path + ": larger than " + MAX_READ + " bytes; refusing to read it");
            }
        }
        return out.toByteArray();
    }

    static List<String> split(String path) {
        List<String> out = new ArrayList<>();
        for (String c : path.split("/")) {
            if (!c.isEmpty()) {
                out.add(c);
            }
        }
        return out;
    }

    private static String kind(BasicFileAttributes a) {
        return a.isDirectory() ? "directory" : a.isSymbolicLink() ? "symlink" : a.isOther() ? "special file"
                : "regular file";
    }

    static int toMode(Set<PosixFilePermission> perms) {
        int m = 0;
        for (PosixFilePermission p : perms) {
            m |= switch (p) {
                case OWNER_READ -> 0400;
                case OWNER_WRITE -> 0200;
                case OWNER_EXECUTE -> 0100;
                case GROUP_READ -> 040;
                case GROUP_WRITE -> 020;
                case GROUP_EXECUTE -> 010;
                case OTHERS_READ -> 04;
                case OTHERS_WRITE -> 02;
                case OTHERS_EXECUTE -> 01;
            };
        }
        return m;
    }

    static Set<PosixFilePermission> fromMode(int mode) {
        Set<PosixFilePermission> s = EnumSet.noneOf(PosixFilePermission.class);
        for (PosixFilePermission p : PosixFilePermission.values()) {
            if ((toMode(EnumSet.of(p)) & mode) != 0) {
                s.add(p);
            }
        }
        return s;
    }
}
