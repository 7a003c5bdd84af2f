package io.berth.api.rrd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.config.BerthRoots;
import io.berth.ct.ContainerService;
import io.berth.ct.status.ContainerStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The round-robin archives behind rrddata: Proxmox's time frames and consolidation, and persistence across restarts. */
class RrdTest {
    private static final long T0 = 1_700_000_000L / 604_800 * 604_800; // a week boundary: every frame's row starts here

    private static double[] values(double cpu, double mem, double netin) {
        return new double[]{cpu, 2, mem, 1024, 10, 100, netin, 0, 0, 0};
    }

    @Test
    void everyFrameHasSeventyRowsAtProxmoxResolutions() {
        Rrd r = new Rrd(60);
        r.update(T0, values(0.5, 100, 1));
        long now = T0 + 604_800 * 2;
        for (Timeframe tf : Timeframe.values()) {
            List<Map<String, Object>> rows = r.fetch(tf, false, now);
            assertThat(rows).as(tf.name()).hasSize(70);
            long w = 60L * tf.steps;
            assertThat((long) rows.get(1).get("time") - (long) rows.get(0).get("time")).as(tf + " resolution").isEqualTo(w);
            assertThat((long) rows.getLast().get("time")).as(tf + " last row: the last complete one").isEqualTo(now / w * w - w);
        }
    }

    @Test
    void averageAndMaxConsolidateARow() {
        Rrd r = new Rrd(60);
        // 30 one-minute samples fill one 30-minute row of the day frame: cpu 0.0 .. 0.29, mem 100 .. 390
        for (int i = 0; i < 30; i++) r.update(T0 + 60L * i, values(i / 100.0, 100 + 10 * i, 0));
        long now = T0 + 1800;
        Map<String, Object> avg = r.fetch(Timeframe.DAY, false, now).getLast();
        Map<String, Object> max = r.fetch(Timeframe.DAY, true, now).getLast();
        assertThat(avg.get("time")).isEqualTo(T0);
        assertThat((double) avg.get("cpu")).isCloseTo(0.145, org.assertj.core.data.Offset.offset(1e-9));
        assertThat((double) avg.get("mem")).isCloseTo(245, org.assertj.core.data.Offset.offset(1e-9));
        assertThat((double) max.get("cpu")).isCloseTo(0.29, org.assertj.core.data.Offset.offset(1e-9));
        assertThat((double) max.get("mem")).isEqualTo(390);
        // the hour frame keeps each minute: the last complete minute is sample 29
        Map<String, Object> lastMinute = r.fetch(Timeframe.HOUR, false, now).getLast();
        assertThat(lastMinute.get("time")).isEqualTo(T0 + 29 * 60);
        assertThat((double) lastMinute.get("cpu")).isCloseTo(0.29, org.assertj.core.data.Offset.offset(1e-9));
        // rows without samples carry only their time, as Proxmox leaves unknown values out
        assertThat(r.fetch(Timeframe.HOUR, false, now).getFirst()).containsOnlyKeys("time");
    }

    @Test
    void ringOverwritesRowsOlderThanTheFrame() {
        Rrd r = new Rrd(60);
        for (int i = 0; i < 200; i++) r.update(T0 + 60L * i, values(i, 0, 0));
        List<Map<String, Object>> rows = r.fetch(Timeframe.HOUR, false, T0 + 60L * 200);
        assertThat(rows).hasSize(70);
        assertThat(rows.getFirst().get("cpu")).isEqualTo(130.0);
        assertThat(rows.getLast().get("cpu")).isEqualTo(199.0);
    }

    private static ContainerStatus running(int vmid, double cpu, long mem, long netin) {
        return new ContainerStatus(vmid, "ct" + vmid, ContainerStatus.State.RUNNING, Optional.of(1), 10, cpu, 2, mem, 1 << 30,
                0, 0, 5, 10, 0, 0, netin, 0, Optional.empty(), false);
    }

    @Test
    void samplesSurviveARestartAndCountersBecomeRates(@TempDir Path tmp) throws Exception {
        ContainerService ct = new ContainerService(new BerthRoots(tmp.resolve("etc"), tmp.resolve("var")));
        AtomicLong clock = new AtomicLong(T0);
        RrdSampler a = new RrdSampler(ct, 60, clock::get);
        a.record(running(8801, 0.25, 1000, 0));
        clock.addAndGet(60);
        a.record(running(8801, 0.75, 3000, 6000));
        a.close();
        assertThat(tmp.resolve("var/rrd/lxc/8801.rrd")).exists();
        assertThat(Files.size(tmp.resolve("var/rrd/lxc/8801.rrd"))).as("fixed size").isLessThan(70_000);

        // a new server process: a new sampler reading the same state dir
        clock.addAndGet(60);
        RrdSampler b = new RrdSampler(ct, 60, clock::get);
        b.record(running(8801, 0.5, 2000, 12000));
        clock.addAndGet(60);
        List<Map<String, Object>> rows = b.rrddata(8801, "hour", "AVERAGE");
        b.close();
        assertThat(rows).hasSize(70);
        Map<String, Object> first = rows.get(67), second = rows.get(68), third = rows.get(69);
        assertThat(first.get("time")).isEqualTo(T0);
        assertThat(first.get("cpu")).isEqualTo(0.25);
        assertThat(second.get("mem")).isEqualTo(3000.0);
        assertThat(second.get("netin")).as("6000 bytes in 60 s").isEqualTo(100.0);
        assertThat(third.get("netin")).as("rate across the restart, from the persisted counter").isEqualTo(100.0);
        assertThat(rows.get(66)).containsOnlyKeys("time");
    }

    @Test
    void badTimeframeOrCfNamesTheAllowedValues(@TempDir Path tmp) {
        RrdSampler s = new RrdSampler(new ContainerService(new BerthRoots(tmp.resolve("etc"), tmp.resolve("var"))), 60, () -> T0);
        assertThatThrownBy(() -> s.rrddata(100, "decade", "AVERAGE")).hasMessageContaining("hour, day, week, month, year");
        assertThatThrownBy(() -> s.rrddata(100, "hour", "MIN")).hasMessageContaining("AVERAGE, MAX");
        s.close();
    }
}
