package io.berth.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * posix_spawn(3) with arbitrary descriptors as the child's stdin/stdout/stderr, which {@link ProcessBuilder} cannot
 * do: berthd's create runs the decompressor and tar on descriptors it set up (pipes, the client's passed
 * terminal), without a helper process per child. The child gets its own process group (signals a terminal would send go to the whole group, as they
 * would in the client's shell), default dispositions and an empty signal mask; it is waited for through a pidfd.
 */
public final class Spawn {
    private Spawn() {}

    private static final int POSIX_SPAWN_SETPGROUP = 0x02, POSIX_SPAWN_SETSIGDEF = 0x04, POSIX_SPAWN_SETSIGMASK = 0x08;
    private static final int P_PIDFD = 3, WEXITED = 4, CLD_EXITED = 1;
    /** Opaque glibc types, allocated with room to spare: posix_spawn_file_actions_t is 80 bytes, posix_spawnattr_t 336, sigset_t 128. */
    private static final long OPAQUE = 1024;

    private static final Native.Fn FA_INIT = Native.fn("posix_spawn_file_actions_init");
    private static final Native.Fn FA_DESTROY = Native.fn("posix_spawn_file_actions_destroy");
    private static final Native.Fn FA_DUP2 = Native.fn("posix_spawn_file_actions_adddup2");
    private static final Native.Fn FA_CHDIR = Native.fn("posix_spawn_file_actions_addchdir_np");
    private static final Native.Fn FA_CLOSEFROM = Native.fn("posix_spawn_file_actions_addclosefrom_np");
    private static final Native.Fn AT_INIT = Native.fn("posix_spawnattr_init");
    private static final Native.Fn AT_DESTROY = Native.fn("posix_spawnattr_destroy");
    private static final Native.Fn AT_FLAGS = Native.fn("posix_spawnattr_setflags");
    private static final Native.Fn AT_PGROUP = Native.fn("posix_spawnattr_setpgroup");
    private static final Native.Fn AT_SIGDEF = Native.fn("posix_spawnattr_setsigdefault");
    private static final Native.Fn AT_SIGMASK = Native.fn("posix_spawnattr_setsigmask");
    private static final Native.Fn SIGFILLSET = Native.fn("sigfillset");
    private static final Native.Fn SIGEMPTYSET = Native.fn("sigemptyset");
    private static final Native.Fn SPAWNP = Native.fn("posix_spawnp");
    private static final Native.Fn WAITID = Native.fn("waitid");
    private static final Native.Fn KILL = Native.fn("kill");
    private static final Native.Fn PIPE2 = Native.fn("pipe2");
    private static final Native.Fn MEMFD_CREATE = Native.fn("memfd_create");
    private static final int MFD_CLOEXEC = 1;

    /** A spawned child: its pid (also its process group id, unless it stayed in the caller's) and a pidfd to wait for it and signal it. */
    public record Child(long pid, Fd pidfd) implements AutoCloseable {
        @Override public void close() {
            pidfd.close();
        }
    }

    /**
     * Spawns {@code argv} (searched in this process's PATH) with {@code env}, working directory {@code cwd} (null: this
     * process's) and {@code stdio[0..2]} as its descriptors 0, 1, 2, in a new process group. The child gets no other
     * descriptor of this process (closefrom 3, as the JDK's launcher does): a pipe end another thread holds, even one the
     * JDK opened without close-on-exec, never keeps a reader elsewhere waiting for an end of file.
     */
    public static Child spawn(List<String> argv, List<String> env, Path cwd, Fd[] stdio) {
        return spawn(argv, env, cwd, stdio, true);
    }

    /**
     * {@link #spawn(List, List, Path, Fd[])}; with {@code ownProcessGroup} false the child stays in the caller's
     * process group, as a {@link ProcessBuilder} child does: a tool a command runs for itself (tar of a create) then gets
     * the terminal's Ctrl-C together with the command instead of running on alone.
     */
    public static Child spawn(List<String> argv, List<String> env, Path cwd, Fd[] stdio, boolean ownProcessGroup) {
        if (argv.isEmpty()) throw new IllegalArgumentException("empty command");
        if (stdio.length != 3) throw new IllegalArgumentException("stdio needs 3 descriptors, got " + stdio.length);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fa = a.allocate(OPAQUE, 16), at = a.allocate(OPAQUE, 16);
            MemorySegment all = a.allocate(OPAQUE, 16), none = a.allocate(OPAQUE, 16);
            MemorySegment pid = a.allocate(JAVA_INT);
            check(a, "posix_spawn_file_actions_init", FA_INIT, fa.address());
            check(a, "posix_spawnattr_init", AT_INIT, at.address());
            try {
                for (int i = 0; i < 3; i++) {
                    int from = stdio[i].fd(), to = i;
                    check(a, "posix_spawn_file_actions_adddup2(" + from + ", " + to + ")", FA_DUP2, fa.address(), from, to);
                }
                check(a, "posix_spawn_file_actions_addclosefrom_np(3)", FA_CLOSEFROM, fa.address(), 3);
                if (cwd != null) {
                    MemorySegment dir = a.allocateFrom(cwd.toString());
                    check(a, "posix_spawn_file_actions_addchdir_np(" + cwd + ")", FA_CHDIR, fa.address(), dir.address());
                }
                check(a, "sigfillset", SIGFILLSET, all.address());
                check(a, "sigemptyset", SIGEMPTYSET, none.address());
                short flags = (short) ((ownProcessGroup ? POSIX_SPAWN_SETPGROUP : 0) | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
                check(a, "posix_spawnattr_setflags", AT_FLAGS, at.address(), flags);
                check(a, "posix_spawnattr_setpgroup", AT_PGROUP, at.address(), 0);
                check(a, "posix_spawnattr_setsigdefault", AT_SIGDEF, at.address(), all.address());
                check(a, "posix_spawnattr_setsigmask", AT_SIGMASK, at.address(), none.address());
                MemorySegment file = a.allocateFrom(argv.getFirst());
                MemorySegment av = strings(a, argv), ev = strings(a, env);
                check(a, "posix_spawnp(" + Native.q(argv.getFirst()) + ")", SPAWNP, pid.address(), file.address(), fa.address(),
                        at.address(), av.address(), ev.address());
                long p = pid.get(JAVA_INT, 0);
                Fd pidfd;
                try {
                    pidfd = Processes.pidfdOpen(p);
                } catch (SysException e) {
                    kill(ownProcessGroup ? -p : p, Processes.SIGKILL);
                    throw e;
                }
                return new Child(p, pidfd);
            } finally {
                Native.callRaw(a, FA_DESTROY, fa.address());
                Native.callRaw(a, AT_DESTROY, at.address());
            }
        }
    }

    /** How a reaped child ended: its exit code, or the signal that killed it (then {@code code} is 128 + signal, as a shell says). */
    public record Exit(int code, int signal) {}

    /** Reaps the exited child behind {@code pidfd}: its exit code, or 128 + signal when a signal killed it. */
    public static int reap(Fd pidfd) {
        return reapExit(pidfd).code();
    }

    /** Reaps the exited child behind {@code pidfd}. */
    public static Exit reapExit(Fd pidfd) {
        int fd = pidfd.fd();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment info = a.allocate(128, 8);
            while (true) {
                long r = Native.callRaw(a, WAITID, P_PIDFD, fd, info.address(), WEXITED);
                if (r == 0) break;
                if (r == -Errno.EINTR.number()) continue;
                throw SysException.of("waitid(P_PIDFD, " + fd + ", WEXITED)", (int) -r);
            }
            int code = info.get(JAVA_INT, 8), status = info.get(JAVA_INT, 24);
            return code == CLD_EXITED ? new Exit(status, 0) : new Exit(128 + status, status);
        }
    }

    /** kill(2); a negative {@code pid} names a process group. A process (group) that is gone already is not an error. */
    public static void kill(long pid, int signal) {
        try (Arena a = Arena.ofConfined()) {
            long r = Native.callRaw(a, KILL, (int) pid, signal);
            if (r < 0 && r != -Errno.ESRCH.number()) throw SysException.of("kill(" + pid + ", " + signal + ")", (int) -r);
        }
    }

    /**
     * pipe2(2) with O_CLOEXEC: {@code [read end, write end]}, to connect spawned children (a child gets an end as one of
     * its stdio descriptors, which posix_spawn's dup2 leaves open across exec; the originals close at exec).
     */
    public static Fd[] pipe() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(JAVA_INT, 2);
            Native.call(a, () -> "pipe2(O_CLOEXEC)", PIPE2, fds.address(), PathCalls.O_CLOEXEC);
            return new Fd[] {Fd.adopt(fds.getAtIndex(JAVA_INT, 0)), Fd.adopt(fds.getAtIndex(JAVA_INT, 1))};
        }
    }

    /** memfd_create(2) with MFD_CLOEXEC: an anonymous file in memory, for a child's output that no reader must wait on. */
    public static Fd memfd(String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment n = a.allocateFrom(name);
            return Fd.adopt((int) Native.call(a, () -> "memfd_create(" + Native.q(name) + ")",
                    MEMFD_CREATE, n.address(), MFD_CLOEXEC));
        }
    }

    private static MemorySegment strings(Arena a, List<String> list) {
        MemorySegment arr = a.allocate(ADDRESS, list.size() + 1L);
        for (int i = 0; i < list.size(); i++) arr.setAtIndex(ADDRESS, i, a.allocateFrom(list.get(i)));
        arr.setAtIndex(ADDRESS, list.size(), MemorySegment.NULL);
        return arr;
    }

    /** The posix_spawn family returns an error number instead of setting errno. */
    /** The posix_spawn family returns an error number instead of setting errno. */
    private static void check(Arena a, String what, Native.Fn f, long... args) {
        long r = Native.callRaw(a, f, args);
        if (r != 0) throw new SysException(what, (int) r);
    }
}
