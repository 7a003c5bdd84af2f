package io.berth.api.rrd;

import io.berth.ct.ContainerService;
import io.berth.ct.status.ContainerStatus;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The data behind {@code .../rrddata}: every {@code step} seconds the status of each container is sampled (cgroup
 * and /proc reads, no process per container) and kept for a week in memory; byte counters become rates. A time
 * frame is answered with at most 70 averaged points, as Proxmox's RRD does.
 */
public final class RrdSampler implements AutoCloseable {
    record Sample(long time, double cpu, double maxcpu, long mem, long maxmem, long disk, long maxdisk,
                  double netin, double netout, double diskread, double diskwrite) {}

    private record Counters(long time, long netin, long netout, long diskread, long diskwrite) {}

    private static final int KEEP = 7 * 24 * 3600;
    private final ContainerService ct;
    private final LongSupplier clock;
    private final Map<Integer, Deque<Sample>> samples = new ConcurrentHashMap<>();
    private final Map<Integer, Counters> last = new ConcurrentHashMap<>();
    private final int step;
    private ScheduledExecutorService timer;

    /** Sampling starts with the first {@link #rrddata} request (an API nobody graphs costs nothing). */
    public RrdSampler(ContainerService ct, int stepSeconds) {
        this.ct = ct;
        this.step = stepSeconds;
        this.clock = () -> System.currentTimeMillis() / 1000;
    }

    private synchronized void ensureRunning() {
        if (timer != null) return;
        timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("rrd-sampler").factory());
        timer.scheduleWithFixedDelay(this::sampleAll, step, step, TimeUnit.SECONDS);
    }

    void sampleAll() {
        try {
            for (ContainerStatus st : ct.list()) record(st);
        } catch (RuntimeException e) {
            // a container vanishing mid-read: the next round sees the new state
        }
    }

    void record(ContainerStatus st) {
        long now = clock.getAsLong();
        Counters c = new Counters(now, st.netin(), st.netout(), st.diskread(), st.diskwrite());
        Counters prev = last.put(st.vmid(), c);
        double dt = prev == null ? 0 : Math.max(1, now - prev.time());
        double netin = prev == null || !st.running() ? 0 : Math.max(0, (c.netin() - prev.netin()) / dt);
        double netout = prev == null || !st.running() ? 0 : Math.max(0, (c.netout() - prev.netout()) / dt);
        double dr = prev == null || !st.running() ? 0 : Math.max(0, (c.diskread() - prev.diskread()) / dt);
        double dw = prev == null || !st.running() ? 0 : Math.max(0, (c.diskwrite() - prev.diskwrite()) / dt);
        Deque<Sample> q = samples.computeIfAbsent(st.vmid(), k -> new ArrayDeque<>());
        synchronized (q) {
            q.addLast(new Sample(now, st.cpu(), st.cpus(), st.mem(), st.maxmem(), st.disk(), st.maxdisk(), netin, netout, dr, dw));
            while (!q.isEmpty() && q.peekFirst().time() < now - KEEP) q.removeFirst();
        }
    }

    /** Rows for {@code timeframe} (hour, day, week), averaged ({@code cf=AVERAGE}) or maxima ({@code MAX}). */
    public List<Map<String, Object>> rrddata(int vmid, String timeframe, String cf) {
        ensureRunning();
        if (!samples.containsKey(vmid)) record(ct.status(vmid));
        long span = switch (timeframe) {
            case "hour" -> 3600;
            case "day" -> 86400;
            case "week" -> 7 * 86400;
            case "month", "year" -> KEEP;
            default -> throw new IllegalArgumentException("timeframe '" + timeframe + "' is not one of hour, day, week, month, year");
        };
        long now = clock.getAsLong();
        long res = Math.max(1, span / 70);
        List<Sample> in;
        Deque<Sample> q = samples.get(vmid);
        synchronized (q) { in = new ArrayList<>(q); }
        Map<Long, List<Sample>> buckets = new LinkedHashMap<>();
        for (Sample s : in) if (s.time() >= now - span) buckets.computeIfAbsent(s.time() / res * res, k -> new ArrayList<>()).add(s);
        boolean max = "MAX".equalsIgnoreCase(cf);
        List<Map<String, Object>> out = new ArrayList<>();
        for (var e : buckets.entrySet()) {
            List<Sample> b = e.getValue();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("time", e.getKey());
            m.put("cpu", agg(b, Sample::cpu, max));
            m.put("maxcpu", agg(b, Sample::maxcpu, true));
            m.put("mem", agg(b, s -> s.mem(), max));
            m.put("maxmem", agg(b, s -> s.maxmem(), true));
            m.put("disk", agg(b, s -> s.disk(), max));
            m.put("maxdisk", agg(b, s -> s.maxdisk(), true));
            m.put("netin", agg(b, Sample::netin, max));
            m.put("netout", agg(b, Sample::netout, max));
            m.put("diskread", agg(b, Sample::diskread, max));
            m.put("diskwrite", agg(b, Sample::diskwrite, max));
            out.add(m);
        }
        return out;
    }

    private static double agg(List<Sample> b, java.util.function.ToDoubleFunction<Sample> f, boolean max) {
        return max ? b.stream().mapToDouble(f).max().orElse(0) : b.stream().mapToDouble(f).average().orElse(0);
    }

    @Override
    public synchronized void close() { if (timer != null) timer.shutdownNow(); }
}
