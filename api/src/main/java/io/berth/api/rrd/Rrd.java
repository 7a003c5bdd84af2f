package io.berth.api.rrd;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One container's round-robin archives: for every {@link Timeframe} a ring of {@value Timeframe#ROWS} rows with the
 * average and the maximum of each data source over the row's interval, plus the row being filled. Fixed size
 * (about 60 KB whatever the uptime), so memory and the file on disk never grow. Not thread-safe: {@link RrdSampler}
 * serializes access per container.
 */
final class Rrd {
    /** Data sources, in Proxmox's order for a guest; the byte counters are stored as rates per second. */
    static final List<String> SOURCES = List.of("cpu", "maxcpu", "mem", "maxmem", "disk", "maxdisk", "netin", "netout",
            "diskread", "diskwrite");
    static final int N = SOURCES.size();
    private static final int MAGIC = 0x42525244; // "BRRD"
    private static final int VERSION = 1;

    private final long step;
    private final Archive[] archives = new Archive[Timeframe.values().length];
    /** The last raw counters (netin, netout, diskread, diskwrite) and their time, to turn the next ones into rates. */
    long counterTime;
    final long[] counters = new long[4];

    private static final class Archive {
        final long[] rowTime = new long[Timeframe.ROWS];
        final double[][] avg = new double[Timeframe.ROWS][N];
        final double[][] max = new double[Timeframe.ROWS][N];
        long bucket = -1;
        int count;
        final double[] sum = new double[N];
        final double[] peak = new double[N];
    }

    Rrd(long stepSeconds) {
        if (stepSeconds < 1) throw new IllegalArgumentException("rrd step must be at least 1 s, got " + stepSeconds);
        this.step = stepSeconds;
        for (int i = 0; i < archives.length; i++) archives[i] = new Archive();
    }

    long step() { return step; }

    private long width(Timeframe tf) { return step * tf.steps; }

    /** Adds a sample taken at {@code time} (epoch seconds); a row is closed when a sample falls into the next one. */
    void update(long time, double[] values) {
        if (values.length != N) throw new IllegalArgumentException("expected " + N + " values, got " + values.length);
        for (Timeframe tf : Timeframe.values()) {
            Archive a = archives[tf.ordinal()];
            long w = width(tf);
            long bucket = Math.floorDiv(time, w) * w;
            if (bucket < a.bucket) continue; // a clock that went back: keep what is there
            if (bucket != a.bucket) {
                close(a, w);
                a.bucket = bucket;
                a.count = 0;
                java.util.Arrays.fill(a.sum, 0);
                java.util.Arrays.fill(a.peak, Double.NEGATIVE_INFINITY);
            }
            for (int i = 0; i < N; i++) {
                a.sum[i] += values[i];
                a.peak[i] = Math.max(a.peak[i], values[i]);
            }
            a.count++;
        }
    }

    private static void close(Archive a, long w) {
        if (a.bucket < 0 || a.count == 0) return;
        int slot = (int) Math.floorMod(a.bucket / w, (long) Timeframe.ROWS);
        a.rowTime[slot] = a.bucket;
        for (int i = 0; i < N; i++) {
            a.avg[slot][i] = a.sum[i] / a.count;
            a.max[slot][i] = a.peak[i];
        }
    }

    /**
     * The {@value Timeframe#ROWS} rows of {@code tf} that end with the last complete one before {@code now}, oldest
     * first, as Proxmox answers: each row has {@code time}; rows with data also have every source.
     */
    List<Map<String, Object>> fetch(Timeframe tf, boolean max, long now) {
        Archive a = archives[tf.ordinal()];
        long w = width(tf);
        long end = Math.floorDiv(now, w) * w;
        // the open row counts once its interval is over (no sample has come since to close it)
        if (a.count > 0 && a.bucket < end) close(a, w);
        List<Map<String, Object>> out = new ArrayList<>(Timeframe.ROWS);
        for (long t = end - Timeframe.ROWS * w; t < end; t += w) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("time", t);
            int slot = (int) Math.floorMod(t / w, (long) Timeframe.ROWS);
            if (a.rowTime[slot] == t && t > 0) {
                double[] v = max ? a.max[slot] : a.avg[slot];
                for (int i = 0; i < N; i++) row.put(SOURCES.get(i), v[i]);
            }
            out.add(row);
        }
        return out;
    }

    void write(DataOutputStream out) throws IOException {
        out.writeInt(MAGIC);
        out.writeInt(VERSION);
        out.writeLong(step);
        out.writeLong(counterTime);
        for (long c : counters) out.writeLong(c);
        for (Archive a : archives) {
            out.writeLong(a.bucket);
            out.writeInt(a.count);
            for (int i = 0; i < N; i++) {
                out.writeDouble(a.sum[i]);
                out.writeDouble(a.peak[i]);
            }
            for (int r = 0; r < Timeframe.ROWS; r++) {
                out.writeLong(a.rowTime[r]);
                for (int i = 0; i < N; i++) {
                    out.writeDouble(a.avg[r][i]);
                    out.writeDouble(a.max[r][i]);
                }
            }
        }
    }

    /** Reads what {@link #write} wrote; throws on a file of another format or step (the caller starts afresh). */
    static Rrd read(DataInputStream in, long expectedStep) throws IOException {
        if (in.readInt() != MAGIC) throw new IOException("not a Berth RRD file");
        int v = in.readInt();
        if (v != VERSION) throw new IOException("RRD file version " + v + ", expected " + VERSION);
        long step = in.readLong();
        if (step != expectedStep) throw new IOException("RRD file has step " + step + " s, expected " + expectedStep);
        Rrd r = new Rrd(step);
        r.counterTime = in.readLong();
        for (int i = 0; i < r.counters.length; i++) r.counters[i] = in.readLong();
        for (Archive a : r.archives) {
            a.bucket = in.readLong();
            a.count = in.readInt();
            for (int i = 0; i < N; i++) {
                a.sum[i] = in.readDouble();
                a.peak[i] = in.readDouble();
            }
            for (int row = 0; row < Timeframe.ROWS; row++) {
                a.rowTime[row] = in.readLong();
                for (int i = 0; i < N; i++) {
                    a.avg[row][i] = in.readDouble();
                    a.max[row][i] = in.readDouble();
                }
            }
        }
        return r;
    }
}
