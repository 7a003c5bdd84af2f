package io.berth.sys;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;


/** pidfds (pidfd_open, pidfd_send_signal) and namespace handles of other processes. */
public final class Processes {
    private Processes() {}

    static final long NR_PIDFD_SEND_SIGNAL = 424, NR_PIDFD_OPEN = 434;
    public static final int SIGKILL = 9, SIGTERM = 15, SIGHUP = 1, SIGINT = 2, SIGSTOP = 19, SIGCONT = 18;
    public static final int PIDFD_NONBLOCK = PathCalls.O_NONBLOCK;

    private static final Native.Fn IOCTL = Native.fnVariadic("ioctl", 2);

    /** pidfd_open(2): a handle that stays bound to this process even if the pid is reused. */
    public static Fd pidfdOpen(long pid) {
        try (Arena a = Arena.ofConfined()) {
            return Fd.adopt((int) Native.syscall(a, () -> "pidfd_open(" + pid + ", 0)", NR_PIDFD_OPEN, pid, 0));
        }
    }

    /** pidfd_send_signal(2); signal 0 only checks that the process still exists (ESRCH when gone). */
    public static void pidfdSendSignal(Fd pidfd, int signal) {
        try (Arena a = Arena.ofConfined()) {
            Native.syscall(a, () -> "pidfd_send_signal(" + pidfd + ", " + signal + ", NULL, 0)",
                    NR_PIDFD_SEND_SIGNAL, pidfd.fd(), signal, MemorySegment.NULL.address(), 0);
        }
    }

    /** Whether the process behind the pidfd has not exited yet (a zombie counts as gone). */
    public static boolean isAlive(Fd pidfd) {
        try (Arena a = Arena.ofConfined()) {
            long r = Native.syscallRaw(a, NR_PIDFD_SEND_SIGNAL, pidfd.fd(), 0, 0, 0);
            if (r == 0) return true;
            if (r == -Errno.ESRCH.number()) return false;
            throw new SysException("pidfd_send_signal(" + pidfd + ", 0, NULL, 0)", (int) -r);
        }
    }

    /** open("/proc/PID/ns/NAME"): racy against pid reuse; pair with a pidfd check or use {@link #nsFd(Fd, NsType)}. */
    public static Fd nsFd(long pid, NsType type) {
        return PathCalls.openat(Fd.CWD, "/proc/" + pid + "/ns/" + type.procName(), PathCalls.O_RDONLY | PathCalls.O_CLOEXEC, 0);
    }

    /**
     * The namespace of the process behind a pidfd via the PIDFD_GET_*_NAMESPACE ioctl (kernel 6.11+),
     * falling back to /proc/PID/ns plus a liveness check of the pidfd on older kernels.
     */
    public static Fd nsFd(Fd pidfd, NsType type) {
        int fd = pidfd.fd();
        try (Arena a = Arena.ofConfined()) {
            long r = Native.callRaw(a, IOCTL, fd, (long) type.pidfdIoctl(), 0L);
            if (r >= 0) return Fd.adopt((int) r);
            if (r != -Errno.ENOTTY.number() && r != -Errno.EINVAL.number()) {
                throw new SysException("ioctl(" + pidfd + ", PIDFD_GET_" + type.name() + "_NAMESPACE)", (int) -r);
            }
        }
        long pid = pidOf(pidfd);
        Fd ns = nsFd(pid, type);
        if (!isAlive(pidfd)) {
            ns.close();
            throw new SysException("open(/proc/" + pid + "/ns/" + type.procName() + ") for " + pidfd, Errno.ESRCH.number());
        }
        return ns;
    }

    /** The pid of the process behind a pidfd, from /proc/self/fdinfo ("Pid:" line; -1 once it has been reaped). */
    public static long pidOf(Fd pidfd) {
        for (String line : readLines(Path.of("/proc/thread-self/fdinfo/" + pidfd.fd()))) {
            if (line.startsWith("Pid:")) return Long.parseLong(line.substring(4).strip());
        }
        throw new IllegalArgumentException("fd " + pidfd + " is not a pidfd");
    }

    /** The parent pid of {@code pid} (PPid in /proc/PID/status). */
    public static long parentPid(long pid) {
        for (String line : readLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("PPid:")) return Long.parseLong(line.substring(5).strip());
        }
        throw new IllegalStateException("/proc/" + pid + "/status has no PPid line");
    }

    private static java.util.List<String> readLines(Path p) {
        try {
            return Files.readAllLines(p);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new SysException("open(" + Native.q(p.toString()) + ")", Errno.ENOENT.number());
        } catch (IOException e) {
            throw new SysException("read(" + Native.q(p.toString()) + ")", Errno.EIO.number(), e.getMessage());
        }
    }
}
