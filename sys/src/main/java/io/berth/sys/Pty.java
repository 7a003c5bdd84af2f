package io.berth.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A pseudo-terminal pair: the master side stays here, the slave is named by {@link #slavePath()} for a child
 * process to open after {@code setsid} (so the pty becomes its controlling terminal). Reads and writes go
 * through read(2)/write(2) because a master fd cannot be wrapped in a Java stream without reopening
 * {@code /dev/ptmx} (which would make a new pty).
 */
public final class Pty implements AutoCloseable {
    private static final int O_RDWR = 2, O_NOCTTY = 0400, O_CLOEXEC = 02000000;
    private static final long TIOCSWINSZ = 0x5414;
    private static final int EIO = 5, EINTR = 4;

    private static final Native.Fn POSIX_OPENPT = Native.fn("posix_openpt");
    private static final Native.Fn GRANTPT = Native.fn("grantpt");
    private static final Native.Fn UNLOCKPT = Native.fn("unlockpt");
    private static final Native.Fn PTSNAME_R = Native.fn("ptsname_r");
    private static final Native.Fn IOCTL_PTR = Native.fnVariadic("ioctl", 2);
    private static final Native.Fn READ = Native.fnLong("read");
    private static final Native.Fn WRITE = Native.fnLong("write");

    private final Fd master;
    private final String slavePath;

    private Pty(Fd master, String slavePath) {
        this.master = master;
        this.slavePath = slavePath;
    }

    /** Allocates a new pty with the given window size. */
    public static Pty open(int cols, int rows) {
        try (Arena a = Arena.ofConfined()) {
            int flags = O_RDWR | O_NOCTTY | O_CLOEXEC;
            int fd = (int) Native.call(a, () -> "posix_openpt(O_RDWR|O_NOCTTY|O_CLOEXEC)", POSIX_OPENPT, flags);
            Fd master = Fd.adopt(fd);
            try {
                Native.call(a, () -> "grantpt(" + fd + ")", GRANTPT, fd);
                Native.call(a, () -> "unlockpt(" + fd + ")", UNLOCKPT, fd);
                MemorySegment buf = a.allocate(128);
                MemorySegment.copy(new byte[128], 0, buf, JAVA_BYTE, 0, 128);
                long r = Native.callRaw(a, PTSNAME_R, fd, buf.address(), 128L);
                if (r != 0) throw SysException.of("ptsname_r(" + fd + ")", (int) (r < 0 ? -r : r));
                Pty pty = new Pty(master, buf.getString(0));
                pty.resize(cols, rows);
                return pty;
            } catch (RuntimeException e) {
                master.close();
                throw e;
            }
        }
    }

    /** e.g. {@code /dev/pts/7}. */
    public String slavePath() { return slavePath; }

    /** TIOCSWINSZ on the master: the kernel sends SIGWINCH to the slave's foreground process group. */
    public void resize(int cols, int rows) {
        if (cols < 1 || rows < 1 || cols > 0xffff || rows > 0xffff)
            throw new IllegalArgumentException("terminal size " + cols + "x" + rows + " out of range 1..65535");
        int fd = master.fd();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ws = a.allocate(8);
            ws.set(JAVA_SHORT, 0, (short) rows);
            ws.set(JAVA_SHORT, 2, (short) cols);
            ws.set(JAVA_SHORT, 4, (short) 0);
            ws.set(JAVA_SHORT, 6, (short) 0);
            Native.call(a, () -> "ioctl(" + fd + ", TIOCSWINSZ, " + cols + "x" + rows + ")",
                    IOCTL_PTR, fd, TIOCSWINSZ, ws.address());
        }
    }

    /**
     * Blocking read of what the child wrote; -1 when every slave fd is closed (the master reads EIO then).
     * Call from one platform thread per pty: the native read blocks its carrier.
     */
    public int read(byte[] dst) {
        int fd = master.fd();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(dst.length);
            while (true) {
                long n = Native.callRaw(a, READ, fd, buf.address(), (long) dst.length);
                if (n == -EINTR) continue;
                if (n == -EIO || n == 0) return -1;
                if (n < 0) throw SysException.of("read(pty master " + fd + ")", (int) -n);
                MemorySegment.copy(buf, JAVA_BYTE, 0, dst, 0, (int) n);
                return (int) n;
            }
        }
    }

    /** Writes all of {@code src[off, off+len)} to the master (the child reads it as keyboard input). */
    public void write(byte[] src, int off, int len) {
        int fd = master.fd();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(Math.max(1, len));
            MemorySegment.copy(src, off, buf, JAVA_BYTE, 0, len);
            long done = 0;
            while (done < len) {
                long at = done;
                long n = Native.callRaw(a, WRITE, fd, buf.address() + at, len - at);
                if (n == -EINTR) continue;
                if (n < 0) throw SysException.of("write(pty master " + fd + ", " + len + " bytes)", (int) -n);
                done += n;
            }
        }
    }

    public boolean isOpen() { return master.isOpen(); }

    /** Closes the master: the child's session gets SIGHUP. */
    @Override
    public void close() { master.close(); }
}
