package io.berth.sys;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * Writing to a raw descriptor that the JDK's streams cannot wrap (one received over a socket with SCM_RIGHTS), and
 * asking whether it is a terminal.
 */
public final class FdStreams {
    private FdStreams() {}

    private static final Native.Fn WRITE = Native.fnLong("write");
    private static final Native.Fn READ = Native.fnLong("read");
    private static final Native.Fn ISATTY = Native.fn("isatty");

    /** isatty(3). */
    public static boolean isTerminal(Fd fd) {
        int n = fd.fd();
        try (Arena a = Arena.ofConfined()) {
            return Native.callRaw(a, ISATTY, n) == 1;
        }
    }

    /**
     * An unbuffered stream writing to {@code fd} (which stays owned by the caller). A write error (e.g. EPIPE: the
     * reader went away) is an {@link IOException}.
     */
    public static OutputStream output(Fd fd) {
        return new OutputStream() {
            @Override public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override public void write(byte[] b, int off, int len) throws IOException {
                if (len == 0) return;
                int n = fd.fd();
                try (Arena a = Arena.ofConfined()) {
                    MemorySegment buf = a.allocate(len);
                    MemorySegment.copy(b, off, buf, JAVA_BYTE, 0, len);
                    long done = 0;
                    while (done < len) {
                        MemorySegment at = buf.asSlice(done);
                        long want = len - done;
                        long r = Native.callRaw(a, WRITE, n, at.address(), want);
                        if (r == -Errno.EINTR.number()) continue;
                        if (r < 0) throw new IOException(SysException.of("write(" + n + ", " + want + " bytes)", (int) -r).getMessage());
                        done += r;
                    }
                }
            }
        };
    }

    /**
     * An unbuffered stream reading from {@code fd} (which stays owned by the caller): a client's standard input passed
     * to berthd (e.g. the archive of {@code berth restore VMID -}). A read error is an {@link IOException}.
     */
    public static InputStream input(Fd fd) {
        return new InputStream() {
            @Override public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override public int read(byte[] b, int off, int len) throws IOException {
                java.util.Objects.checkFromIndexSize(off, len, b.length);
                if (len == 0) return 0;
                int n = fd.fd();
                try (Arena a = Arena.ofConfined()) {
                    MemorySegment buf = a.allocate(len);
                    while (true) {
                        long r = Native.callRaw(a, READ, n, buf.address(), len);
                        if (r == -Errno.EINTR.number()) continue;
                        if (r < 0) throw new IOException(SysException.of("read(" + n + ", " + len + " bytes)", (int) -r).getMessage());
                        if (r == 0) return -1;
                        MemorySegment.copy(buf, JAVA_BYTE, 0, b, off, (int) r);
                        return (int) r;
                    }
                }
            }
        };
    }
}
