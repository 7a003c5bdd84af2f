package io.berth.sys;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * User namespaces carrying a given id map, for MOUNT_ATTR_IDMAP (NOTES.md item 3): a tiny child
 * ({@code unshare --user}) creates the namespace, we write its uid_map/gid_map, open
 * /proc/PID/ns/user and end the child. The namespace lives on through our fd. Cached per distinct
 * map (the canonical map text is the key), as creating one costs a process.
 */
public final class UserNamespaces {
    private UserNamespaces() {}

    /**
     * One range of a map: ids {@code inside .. inside+count-1} in the namespace are
     * {@code outside ..} in the parent. For an idmapped mount, "inside" is the id stored on disk and
     * "outside" the id the host sees. {@code kind} is 'u' or 'g'.
     */
    public record Range(char kind, long inside, long outside, long count) {
        public Range {
            if (kind != 'u' && kind != 'g') {
                throw new IllegalArgumentException("id map range kind '" + kind + "' is invalid: allowed are 'u' and 'g'");
            }
            if (inside < 0 || outside < 0 || count < 1 || inside + count > 4294967295L || outside + count > 4294967295L) {
                throw new IllegalArgumentException("id map range " + kind + " " + inside + " " + outside + " " + count
                        + " is invalid: ids must lie in 0..4294967294 and count be >= 1");
            }
        }

        /** The /proc/PID/uid_map line form. */
        public String mapLine() { return inside + " " + outside + " " + count; }
    }

    private static final ConcurrentHashMap<String, Fd> CACHE = new ConcurrentHashMap<>();

    /**
     * An fd of a user namespace with exactly this map (owned by the caller: close it; the cached one
     * stays open). Ranges of one kind must not overlap (the kernel refuses such a map with EINVAL).
     */
    public static Fd forMap(List<Range> ranges) {
        String key = canonical(ranges);
        Fd fd = CACHE.computeIfAbsent(key, k -> create(ranges));
        return fd.dup();
    }

    /** The cache key: u lines then g lines, each sorted by inside id. */
    public static String canonical(List<Range> ranges) {
        if (ranges.isEmpty()) throw new IllegalArgumentException("id map is empty");
        List<Range> sorted = new ArrayList<>(ranges);
        sorted.sort(Comparator.comparing(Range::kind).reversed().thenComparingLong(Range::inside));
        StringBuilder sb = new StringBuilder();
        for (Range r : sorted) sb.append(r.kind()).append(' ').append(r.mapLine()).append('\n');
        return sb.toString();
    }

    /** Number of cached namespaces (for tests and diagnostics). */
    public static int cachedCount() {
        return CACHE.size();
    }

    /**
     * Through {@link ProcessRunner}, not {@link ProcessBuilder}: the JDK waits for a ProcessBuilder child on a "process
     * reaper" thread that the calling thread creates when none is idle, and that thread inherits the caller's mount
     * namespace and lives on for a minute or more; a caller in a private namespace (a start's or create's, a hook's in
     * the monitor's) would have that namespace and every mount in it kept alive by it. ProcessRunner's watcher ends
     * with the child.
     */
    private static Fd create(List<Range> ranges) {
        ProcessRunner.Running child;
        try {
            child = ProcessRunner.pipeline(List.of(List.of("unshare", "--user", "--", "/bin/sh", "-c", "echo ready; exec sleep 3600")))
                    .stdoutToCaller().stderrToStdout().start();
        } catch (io.berth.error.HostFailureException e) {
            throw new SysException("spawn(unshare --user)", Errno.ENOENT.number(), e.getMessage());
        }
        try {
            // the child reports readiness only after unshare(CLONE_NEWUSER) happened in it
            InputStream out = child.stdout();
            byte[] buf = new byte[6];
            int n = out.readNBytes(buf, 0, 6);
            if (n != 6 || !new String(buf, StandardCharsets.US_ASCII).equals("ready\n")) {
                throw new SysException("unshare --user (pid " + child.pid(0) + ")", Errno.ECHILD.number(),
                        "child did not report ready: " + new String(buf, 0, Math.max(n, 0), StandardCharsets.UTF_8));
            }
            long pid = child.pid(0);
            writeMap(pid, "uid_map", ranges, 'u');
            writeMap(pid, "gid_map", ranges, 'g');
            return Processes.nsFd(pid, NsType.USER);
        } catch (IOException e) {
            throw new SysException("read(unshare --user child)", Errno.EIO.number(), e.getMessage());
        } finally {
            child.close();
            try {
                child.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                // killed: its exit code means nothing here
            }
        }
    }

    private static void writeMap(long pid, String file, List<Range> ranges, char kind) {
        StringBuilder sb = new StringBuilder();
        for (Range r : ranges) if (r.kind() == kind) sb.append(r.mapLine()).append('\n');
        if (sb.isEmpty()) return;
        Path p = Path.of("/proc/" + pid + "/" + file);
        // the kernel accepts exactly one write per map file
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.US_ASCII));
            int w = ch.write(b);
            if (b.hasRemaining()) throw new IOException("short write " + w);
        } catch (IOException e) {
            throw new SysException("write(" + Native.q(p.toString()) + ", " + Native.q(sb.toString().strip().replace("\n", "\\n")) + ")",
                    Errno.EINVAL.number(), String.valueOf(e.getMessage()));
        }
    }
}
