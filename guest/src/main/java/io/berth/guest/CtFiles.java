package io.berth.guest;

import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The file operations guest setup uses, with the semantics Proxmox's setup code relies on (a test inside the
 * container follows symlinks, creating a symlink never replaces an existing entry, removing is best effort, a
 * {@code .pve-ignore.NAME} file protects NAME), implemented on {@link RootFs} so no write ever leaves the rootfs:
 * parent directories are resolved inside the rootfs first, then written without following any symlink.
 * Records what changed for the {@link SetupReport}.
 */
final class CtFiles {
    static final String BEGIN = "# --- BEGIN PVE ---";
    static final String END = "# --- END PVE ---";

    private final RootFs fs;
    private final Set<String> changed = new LinkedHashSet<>();
    private final List<String> skipped = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();

    CtFiles(RootFs fs) {
        this.fs = fs;
    }

    RootFs rootFs() {
        return fs;
    }

    List<String> changed() {
        return List.copyOf(changed);
    }

    List<String> skipped() {
        return skipped;
    }

    List<String> warnings() {
        List<String> w = new ArrayList<>(fs.warnings());
        w.addAll(warnings);
        return w;
    }

    void warn(String message) {
        warnings.add(message);
    }

    // ---------------------------------------------------------------- tests (follow symlinks inside the rootfs)

    /** {@code -f}: a regular file, symlinks followed. */
    boolean fileExists(String path) {
        return fs.statInRoot(path).filter(PosixFileAttributes::isRegularFile).isPresent();
    }

    /** {@code -e}: anything, symlinks followed. */
    boolean exists(String path) {
        return fs.existsInRoot(path);
    }

    boolean isDirectory(String path) {
        return fs.statInRoot(path).filter(PosixFileAttributes::isDirectory).isPresent();
    }

    boolean isSymlink(String path) {
        return canonicalParent(path).flatMap(fs::lstat).filter(a -> a.isSymbolicLink()).isPresent();
    }

    boolean isExecutable(String path) {
        return fs.statInRoot(path).filter(a -> !a.isDirectory() && a.permissions().stream().anyMatch(
                p -> p == PosixFilePermission.OWNER_EXECUTE || p == PosixFilePermission.GROUP_EXECUTE
                        || p == PosixFilePermission.OTHERS_EXECUTE)).isPresent();
    }

    boolean ignored(String path) {
        return canonicalParent(path).map(fs::ignored).orElse(false);
    }

    Optional<String> readlink(String path) {
        return fs.readlink(path);
    }

    /** Follows a chain of symlinks (at most 10, as Proxmox) and returns the final path. */
    String readlinkRecursive(String path) {
        String res = path;
        for (int i = 0; isSymlink(res); i++) {
            if (i >= 10) {
                throw new GuestSetupException("maximal link depth of 10 for resolving '" + path + "' reached");
            }
            res = fs.canonicalInRoot(res).orElse(res);
        }
        return res;
    }

    // ---------------------------------------------------------------- reads

    Optional<String> read(String path) {
        return fs.readTextInRoot(path);
    }

    /** The file's content; a missing file is an error, as in Proxmox's setup code. */
    String get(String path) {
        return read(path).orElseThrow(() -> new GuestSetupException(path + " in " + fs.root()
                + ": cannot read (missing or not a regular file), but setup for this distribution needs it"));
    }

    /** The first line without its newline; empty when the file is missing. */
    Optional<String> firstLine(String path) {
        return read(path).map(t -> {
            int nl = t.indexOf('\n');
            return nl < 0 ? t : t.substring(0, nl);
        });
    }

    List<String> list(String dir) {
        return fs.canonicalInRoot(dir).map(fs::list).orElse(List.of());
    }

    // ---------------------------------------------------------------- writes

    /** Replaces the file's content (mode for a new file; an existing file keeps its mode and owner). */
    void set(String path, String data, int mode) {
        if (ignored(path)) {
            skipped.add(path + ": ignore file present");
            return;
        }
        String p = canonicalParent(path).orElse(path);
        switch (fs.write(p, data, mode)) {
            case WRITTEN -> changed.add(path);
            case IGNORED -> skipped.add(path + ": ignore file present");
            case UNCHANGED -> { }
        }
    }

    void set(String path, String data) {
        set(path, data, 0644);
    }

    /** Creates a symlink unless {@code path} exists (even as a dangling link) or its directory is missing. */
    void symlink(String target, String path) {
        if (ignored(path)) {
            return;
        }
        Optional<String> p = canonicalParent(path);
        if (p.isEmpty() || fs.lstat(p.get()).isPresent()) {
            return;
        }
        if (fs.symlink(p.get(), target)) {
            changed.add(path);
        }
    }

    /** Makes {@code path} a symlink to {@code target}, replacing a file or another link there. */
    void replaceWithSymlink(String target, String path) {
        if (ignored(path)) {
            return;
        }
        String p = canonicalParent(path).orElse(path);
        if (fs.symlink(p, target)) {
            changed.add(path);
        }
    }

    /** Removes a file or symlink; a directory or a missing entry is left alone. */
    void unlink(String path) {
        if (ignored(path)) {
            return;
        }
        Optional<String> p = canonicalParent(path);
        if (p.isEmpty() || fs.lstat(p.get()).map(a -> a.isDirectory()).orElse(true)) {
            return;
        }
        if (fs.delete(p.get())) {
            changed.add(path + " (removed)");
        }
    }

    /** {@code mkdir}: only when the parent exists and the entry does not. */
    void mkdir(String path, int mode) {
        Optional<String> p = canonicalParent(path);
        if (p.isEmpty() || fs.lstat(p.get()).isPresent()) {
            return;
        }
        fs.mkdirs(p.get(), mode);
        changed.add(path + "/");
    }

    /** {@code mkdir -p}. */
    void makePath(String path) {
        if (isDirectory(path)) {
            return;
        }
        fs.mkdirs(fs.canonicalInRoot(path).orElse(path), 0755);
        changed.add(path + "/");
    }

    /**
     * Replaces the marked block ({@code # --- BEGIN PVE ---} .. {@code # --- END PVE ---}) in a file with
     * {@code data}, or adds one (appended, prepended, or replacing the whole file), exactly as Proxmox's
     * {@code ct_modify_file}: a missing file is only created when there is data; an empty block that is the
     * whole file is deleted with {@code delete}.
     */
    void modify(String path, String data, ModifyMode mode, boolean delete, int perms) {
        if (ignored(path)) {
            skipped.add(path + ": ignore file present");
            return;
        }
        String head = BEGIN + "\n";
        String tail = END + "\n";
        if (!data.isEmpty() && !data.endsWith("\n")) {
            data += "\n";
        }
        if (!fileExists(path)) {
            if (!data.isEmpty()) {
                set(path, head + data + tail, perms);
            }
            return;
        }
        List<String> lines = new ArrayList<>(PerlText.lines(get(path)));
        int beg = -1;
        int end = -1;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (beg < 0 && line.matches("#\\s*---\\s*BEGIN\\s*PVE\\s*.*")) {
                beg = i;
            }
            if (end < 0 && beg >= 0 && line.matches("(?i)#\\s*---\\s*END\\s*PVE\\s*.*")) {
                end = i;
            }
            if (beg >= 0 && end >= 0) {
                break;
            }
        }
        if (beg >= 0 && end >= 0) {
            String block;
            if (!data.isEmpty()) {
                block = head + data + END;
            } else {
                if (beg == 0 && end == lines.size() - 1) {
                    if (delete) {
                        unlink(path);
                    }
                    return;
                }
                block = head + tail;
            }
            List<String> out = new ArrayList<>(lines.subList(0, beg));
            out.add(block);
            out.addAll(lines.subList(end + 1, lines.size()));
            set(path, String.join("\n", out) + "\n", perms);
        } else if (!data.isEmpty()) {
            String content = PerlText.chomp(String.join("\n", lines)) + "\n";
            String block = head + data + tail;
            switch (mode) {
                case REPLACE -> set(path, block, perms);
                case PREPEND -> set(path, block + content, perms);
                case APPEND -> set(path, content + block, perms);
            }
        }
    }

    void modify(String path, String data) {
        modify(path, data, ModifyMode.APPEND, false, 0644);
    }

    enum ModifyMode { APPEND, PREPEND, REPLACE }

    /** The container path with the parent directory's symlinks resolved inside the rootfs; empty if it is missing. */
    private Optional<String> canonicalParent(String path) {
        List<String> comps = RootFs.split(path);
        if (comps.isEmpty()) {
            return Optional.of("/");
        }
        String parent = "/" + String.join("/", comps.subList(0, comps.size() - 1));
        return fs.canonicalInRoot(parent).filter(p -> isDirectoryCanonical(p))
                .map(p -> (p.endsWith("/") ? p : p + "/") + comps.getLast());
    }

    private boolean isDirectoryCanonical(String p) {
        return fs.lstat(p).map(a -> a.isDirectory()).orElse(p.equals("/"));
    }
}
