package io.berth.api.rrd;

import io.berth.ct.ContainerService;
import io.berth.ct.status.ContainerStatus;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The data behind {@code .../rrddata}: every {@code step} seconds (60, as Proxmox's status daemon) the status of each
 * container is sampled (cgroup and /proc reads, no process per container) into its {@link Rrd}, and the archives are
 * written to {@code <state>/rrd/lxc/<vmid>.rrd} (atomically, by rename), so graphs survive a restart of the server.
 * Byte counters become rates per second. Sampling starts with the first {@code rrddata} request, or at once when
 * archives from an earlier run exist (an API nobody graphs costs nothing).
 */
public final class RrdSampler implements AutoCloseable {
    private final ContainerService ct;
    private final LongSupplier clock;
    private final Path dir;
    private final long step;
    private final Map<Integer, Rrd> rrds = new ConcurrentHashMap<>();
    private ScheduledExecutorService timer;

    public RrdSampler(ContainerService ct, long stepSeconds) {
        this(ct, stepSeconds, () -> System.currentTimeMillis() / 1000);
    }

    RrdSampler(ContainerService ct, long stepSeconds, LongSupplier clock) {
        this.ct = ct;
        this.step = stepSeconds;
        this.clock = clock;
        this.dir = ct.roots().stateDir().resolve("rrd/lxc");
    }

    /** Starts sampling now if an earlier run left archives (their graphs should not get a gap until someone looks). */
    public RrdSampler resumeIfArchived() {
        try (var s = Files.list(dir)) {
            if (s.anyMatch(p -> p.getFileName().toString().endsWith(".rrd"))) ensureRunning();
        } catch (IOException none) {
            // no archives yet
        }
        return this;
    }

    private synchronized void ensureRunning() {
        if (timer != null) return;
        timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("rrd-sampler").factory());
        timer.scheduleWithFixedDelay(this::sampleAll, 0, step, TimeUnit.SECONDS);
    }

    void sampleAll() {
        List<ContainerStatus> all;
        try {
            all = ct.list();
        } catch (RuntimeException e) {
            return; // the config dir vanished (a test root removed): the next round tries again
        }
        for (ContainerStatus st : all) {
            try {
                record(st);
            } catch (RuntimeException e) {
                System.getLogger("berth.rrd").log(System.Logger.Level.WARNING, "rrd sample of " + st.vmid() + " failed: " + e.getMessage());
            }
        }
    }

    /** Adds one sample of {@code st} at the clock's time and writes the container's archive. */
    void record(ContainerStatus st) {
        Rrd r = rrd(st.vmid());
        synchronized (r) {
            long now = clock.getAsLong();
            long[] c = {st.netin(), st.netout(), st.diskread(), st.diskwrite()};
            double[] rates = new double[4];
            if (r.counterTime > 0 && now > r.counterTime && st.running()) {
                for (int i = 0; i < 4; i++) rates[i] = Math.max(0, (double) (c[i] - r.counters[i]) / (now - r.counterTime));
            }
            r.counterTime = now;
            System.arraycopy(c, 0, r.counters, 0, 4);
            r.update(now, new double[]{st.cpu(), st.cpus(), st.mem(), st.maxmem(), st.disk(), st.maxdisk(),
                    rates[0], rates[1], rates[2], rates[3]});
            save(st.vmid(), r);
        }
    }

    /** Rows of {@code timeframe} (hour, day, week, month, year), averaged ({@code AVERAGE}) or maxima ({@code MAX}). */
    public List<Map<String, Object>> rrddata(int vmid, String timeframe, String cf) {
        Timeframe tf = Timeframe.parse(timeframe);
        boolean max = switch (cf) {
            case "AVERAGE" -> false;
            case "MAX" -> true;
            default -> throw new io.berth.error.InvalidInputException("cf", "value '" + cf + "' is not one of AVERAGE, MAX");
        };
        ensureRunning();
        Rrd r = rrd(vmid);
        synchronized (r) {
            return r.fetch(tf, max, clock.getAsLong());
        }
    }

    private Rrd rrd(int vmid) { return rrds.computeIfAbsent(vmid, this::load); }

    private Path file(int vmid) { return dir.resolve(vmid + ".rrd"); }

    private Rrd load(int vmid) {
        Path f = file(vmid);
        if (Files.exists(f)) {
            try (var in = new DataInputStream(new BufferedInputStream(Files.newInputStream(f)))) {
                return Rrd.read(in, step);
            } catch (IOException e) {
                System.getLogger("berth.rrd").log(System.Logger.Level.WARNING, "ignoring " + f + ": " + e.getMessage());
            }
        }
        return new Rrd(step);
    }

    private void save(int vmid, Rrd r) {
        Path f = file(vmid);
        Path tmp = dir.resolve("." + vmid + ".rrd.tmp");
        try {
            Files.createDirectories(dir);
            try (var out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
                r.write(out);
            }
            Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + f, e);
        }
    }

    @Override
    public synchronized void close() {
        if (timer != null) timer.shutdownNow();
        timer = null;
    }
}
