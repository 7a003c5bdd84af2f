package io.berth.mount;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The mounts {@link MountEngine#mountAll} made, in mount order. {@link #close()} unmounts them in
 * reverse (symlink-safe, lazily), continuing past failures and reporting them all at the end.
 */
public final class MountedSet implements AutoCloseable {
    /** One mount made: the request's key and normalized target. */
    public record Mounted(String key, String target) {}

    private final MountEngine engine;
    private final Path rootfsDir;
    private final List<Mounted> mounted = new ArrayList<>();
    private boolean closed;

    MountedSet(MountEngine engine, Path rootfsDir) {
        this.engine = engine;
        this.rootfsDir = rootfsDir;
    }

    void add(Mounted m) {
        mounted.add(m);
    }

    public Path rootfsDir() { return rootfsDir; }

    /** The mounts made, in mount order. */
    public List<Mounted> mounts() { return Collections.unmodifiableList(mounted); }

    /** Unmounts everything in reverse order. Idempotent. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        MountException first = null;
        for (Mounted m : mounted.reversed()) {
            try {
                engine.unmountTarget(rootfsDir, m.target());
            } catch (RuntimeException e) {
                MountException me = new MountException("unmount of " + m.key() + " at " + m.target() + " failed: " + e.getMessage(), e);
                if (first == null) first = me; else first.addSuppressed(me);
            }
        }
        if (first != null) throw first;
    }
}
