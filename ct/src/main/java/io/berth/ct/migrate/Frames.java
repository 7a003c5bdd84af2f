package io.berth.ct.migrate;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Length-prefixed frames around a volume stream, ended by an empty frame only when the sender completed: a sender
 * that fails half-way (or a connection cut) leaves the receiver with an EOF before the end frame, which it reports
 * as a failure instead of keeping a truncated volume (tar would accept a stream cut at a member boundary).
 */
final class Frames {
    private Frames() {}

    static final int MAX_FRAME = 1 << 20;

    /** Writes frames; {@link #finish()} marks the stream complete, {@link #close()} alone does not. */
    static final class Out extends OutputStream {
        private final DataOutputStream out;

        Out(OutputStream out) { this.out = new DataOutputStream(out); }

        @Override public void write(int b) throws IOException { write(new byte[] {(byte) b}, 0, 1); }

        @Override public void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                int n = Math.min(len, MAX_FRAME);
                out.writeInt(n);
                out.write(b, off, n);
                off += n;
                len -= n;
            }
        }

        void finish() throws IOException {
            out.writeInt(0);
            out.flush();
        }

        @Override public void flush() throws IOException { out.flush(); }

        @Override public void close() throws IOException { out.close(); }
    }

    /** Reads frames; EOF before the end frame is an {@link IOException} naming the truncation. */
    static final class In extends InputStream {
        private final DataInputStream in;
        private int left;
        private boolean done;

        In(InputStream in) { this.in = new DataInputStream(in); }

        @Override public int read() throws IOException {
            byte[] b = new byte[1];
            return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
        }

        @Override public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            while (left == 0) {
                if (done) return -1;
                int n;
                try {
                    n = in.readInt();
                } catch (EOFException e) {
                    throw new IOException("the volume stream ended before the sender finished (sender failed or connection lost)");
                }
                if (n < 0 || n > MAX_FRAME) throw new IOException("corrupt volume stream: frame length " + n);
                if (n == 0) done = true;
                left = n;
            }
            int r = in.read(b, off, Math.min(len, left));
            if (r < 0) throw new IOException("the volume stream ended before the sender finished (sender failed or connection lost)");
            left -= r;
            return r;
        }

        @Override public void close() throws IOException { in.close(); }
    }
}
