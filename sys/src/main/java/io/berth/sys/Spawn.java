package io.berth.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

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

    private static final MethodHandle FA_INIT = Native.libc("posix_spawn_file_actions_init", JAVA_INT, ADDRESS);
    private static final MethodHandle FA_DESTROY = Native.libc("posix_spawn_file_actions_destroy", JAVA_INT, ADDRESS);
    private static final MethodHandle FA_DUP2 = Native.libc("posix_spawn_file_actions_adddup2", JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT);
    private static final MethodHandle FA_CHDIR = Native.libc("posix_spawn_file_actions_addchdir_np", JAVA_INT, ADDRESS, ADDRESS);
    private static final MethodHandle FA_CLOSEFROM = Native.libc("posix_spawn_file_actions_addclosefrom_np", JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle AT_INIT = Native.libc("posix_spawnattr_init", JAVA_INT, ADDRESS);
    private static final MethodHandle AT_DESTROY = Native.libc("posix_spawnattr_destroy", JAVA_INT, ADDRESS);
    private static final MethodHandle AT_FLAGS = Native.libc("posix_spawnattr_setflags", JAVA_INT, ADDRESS, JAVA_SHORT);
    private static final MethodHandle AT_PGROUP = Native.libc("posix_spawnattr_setpgroup", JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle AT_SIGDEF = Native.libc("posix_spawnattr_setsigdefault", JAVA_INT, ADDRESS, ADDRESS);
    private static final MethodHandle AT_SIGMASK = Native.libc("posix_spawnattr_setsigmask", JAVA_INT, ADDRESS, ADDRESS);
    private static final MethodHandle SIGFILLSET = Native.libc("sigfillset", JAVA_INT, ADDRESS);
    private static final MethodHandle SIGEMPTYSET = Native.libc("sigemptyset", JAVA_INT, ADDRESS);
    private static final MethodHandle SPAWNP = Native.libc("posix_spawnp", JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS);
    private static final MethodHandle WAITID = Native.libc("waitid", JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle KILL = Native.libc("kill", JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle PIPE2 = Native.libc("pipe2", JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle MEMFD_CREATE = Native.libc("memfd_create", JAVA_INT, ADDRESS, JAVA_INT);
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
            check(a, st -> (int) FA_INIT.invokeExact(st, fa), "posix_spawn_file_actions_init");
            check(a, st -> (int) AT_INIT.invokeExact(st, at), "posix_spawnattr_init");
            try {
                for (int i = 0; i < 3; i++) {
                    int from = stdio[i].fd(), to = i;
                    check(a, st -> (int) FA_DUP2.invokeExact(st, fa, from, to), "posix_spawn_file_actions_adddup2(" + from + ", " + to + ")");
                }
                check(a, st -> (int) FA_CLOSEFROM.invokeExact(st, fa, 3), "posix_spawn_file_actions_addclosefrom_np(3)");
                if (cwd != null) {
                    MemorySegment dir = a.allocateFrom(cwd.toString());
                    check(a, st -> (int) FA_CHDIR.invokeExact(st, fa, dir), "posix_spawn_file_actions_addchdir_np(" + cwd + ")");
                }
                check(a, st -> (int) SIGFILLSET.invokeExact(st, all), "sigfillset");
                check(a, st -> (int) SIGEMPTYSET.invokeExact(st, none), "sigemptyset");
                short flags = (short) ((ownProcessGroup ? POSIX_SPAWN_SETPGROUP : 0) | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
                check(a, st -> (int) AT_FLAGS.invokeExact(st, at, flags), "posix_spawnattr_setflags");
                check(a, st -> (int) AT_PGROUP.invokeExact(st, at, 0), "posix_spawnattr_setpgroup");
                check(a, st -> (int) AT_SIGDEF.invokeExact(st, at, all), "posix_spawnattr_setsigdefault");
                check(a, st -> (int) AT_SIGMASK.invokeExact(st, at, none), "posix_spawnattr_setsigmask");
                MemorySegment file = a.allocateFrom(argv.getFirst());
                MemorySegment av = strings(a, argv), ev = strings(a, env);
                check(a, st -> (int) SPAWNP.invokeExact(st, pid, file, fa, at, av, ev), "posix_spawnp(" + Native.q(argv.getFirst()) + ")");
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
                Native.callRaw(a, st -> (int) FA_DESTROY.invokeExact(st, fa));
                Native.callRaw(a, st -> (int) AT_DESTROY.invokeExact(st, at));
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
                long r = Native.callRaw(a, st -> (int) WAITID.invokeExact(st, P_PIDFD, fd, info, WEXITED));
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
            long r = Native.callRaw(a, st -> (int) KILL.invokeExact(st, (int) pid, signal));
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
            Native.call(a, st -> (int) PIPE2.invokeExact(st, fds, PathCalls.O_CLOEXEC), () -> "pipe2(O_CLOEXEC)");
            return new Fd[] {Fd.adopt(fds.getAtIndex(JAVA_INT, 0)), Fd.adopt(fds.getAtIndex(JAVA_INT, 1))};
        }
    }

    /** memfd_create(2) with MFD_CLOEXEC: an anonymous file in memory, for a child's output that no reader must wait on. */
    public static Fd memfd(String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment n = a.allocateFrom(name);
            return Fd.adopt((int) Native.call(a, st -> (int) MEMFD_CREATE.invokeExact(st, n, MFD_CLOEXEC), () -> "memfd_create(" + Native.q(name) + ")"));
        }
    }

    private static MemorySegment strings(Arena a, List<String> list) {
        MemorySegment arr = a.allocate(ADDRESS, list.size() + 1L);
        for (int i = 0; i < list.size(); i++) arr.setAtIndex(ADDRESS, i, a.allocateFrom(list.get(i)));
        arr.setAtIndex(ADDRESS, list.size(), MemorySegment.NULL);
        return arr;
    }

    /** The posix_spawn family returns an error number instead of setting errno. */
    private static void check(Arena a, Native.Invocation inv, String what) {
        long r;
        try {
            r = inv.invoke(a.allocate(Native.STATE));
        } catch (Throwable t) {
            throw new IllegalStateException(what + " failed", t);
        }
        if (r != 0) throw new SysException(what, (int) r);
    }
}
