package io.berth.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report side of the benchmark: sections in docs/PERFORMANCE.md, JMH CSV, targets. */
class ReportTest {
    @TempDir Path dir;

    @Test void writeSectionReplacesOnlyItsOwnMarkersAndKeepsTheProse() throws Exception {
        Path doc = dir.resolve("PERFORMANCE.md");
        Files.writeString(doc, "# Perf\nprose before\n<!-- BEGIN BENCH -->\nold table\n<!-- END BENCH -->\nprose between\n"
                + "<!-- BEGIN JMH -->\nold jmh\n<!-- END JMH -->\nprose after\n");
        BenchMain.writeSection(doc, "BENCH", "new table");
        BenchMain.writeSection(doc, "JMH", "new jmh\n");
        BenchMain.writeSection(doc, "STARTUP", "startup");
        String text = Files.readString(doc);
        assertThat(text).contains("prose before\n<!-- BEGIN BENCH -->\nnew table\n<!-- END BENCH -->\nprose between\n")
                .contains("<!-- BEGIN JMH -->\nnew jmh\n<!-- END JMH -->\nprose after\n")
                .endsWith("<!-- BEGIN STARTUP -->\nstartup\n<!-- END STARTUP -->\n")
                .doesNotContain("old table").doesNotContain("old jmh");
    }

    @Test void jmhCsvBecomesOneRowPerBenchmarkAndSample() {
        List<String> csv = List.of(
                "\"Benchmark\",\"Mode\",\"Threads\",\"Samples\",\"Score\",\"Score Error (99.9%)\",\"Unit\",\"Param: command\",\"Param: config\"",
                "\"io.berth.bench.jmh.CliBench.leanTree\",\"thrpt\",1,3,5000,100,\"ops/s\",set,",
                "\"io.berth.bench.jmh.ConfigBench.parse\",\"thrpt\",1,3,12500.5,310.25,\"ops/s\",,01-minimal",
                "\"io.berth.bench.jmh.IdmapBench.acrossChunks\",\"thrpt\",1,3,20000.0,NaN,\"ops/s\",,");
        List<JmhReport.Result> rs = JmhReport.parse(csv);
        assertThat(rs).containsExactly(
                new JmhReport.Result("io.berth.bench.jmh.CliBench.leanTree", "set", 5000, 100, "ops/s"),
                new JmhReport.Result("io.berth.bench.jmh.ConfigBench.parse", "01-minimal", 12500.5, 310.25, "ops/s"),
                new JmhReport.Result("io.berth.bench.jmh.IdmapBench.acrossChunks", "", 20000.0, Double.NaN, "ops/s"));
        String table = JmhReport.render(rs);
        assertThat(table).contains("| ConfigBench.parse | 01-minimal | 12,501 | 310 | 80.00 |")
                .contains("| IdmapBench.acrossChunks | - | 20,000 |");
    }

    @Test void targetsCompareColdAndDaemonFiguresWithTheLimits() {
        List<BenchMain.Row> rows = List.of(
                new BenchMain.Row("CLI start-up (`--version`)", "lxc-start --version", 2, "berth --version", 160, 4, ""),
                new BenchMain.Row("start to RUNNING", "lxc-start", 20, "berth start 1", 700, 59, ""),
                new BenchMain.Row("mount-point hotplug (bind)", "", Double.NaN, "berth set", 300, 19.9, ""),
                new BenchMain.Row("status of all (100 defined, 20 running)", "lxc-ls -f", 30, "berth status", 400, Double.NaN, "FAILED"));
        List<BenchMain.Target> t = BenchMain.targets(rows, 20);
        assertThat(t).extracting(BenchMain.Target::coldMet).containsExactly(false, false, false, false);
        // start's daemon figure is 2.95x raw lxc-start: over the 2x target
        assertThat(t).extracting(BenchMain.Target::daemonMet).containsExactly(true, false, true, false);
        assertThat(t.get(1).daemon()).isEqualTo("3.0x");
        String md = BenchMain.renderTargets(t);
        assertThat(md).contains("| status of 20 running containers (LXD list: 138 ms) | < 50 ms | 400.0 | **no** | - | not measured |");
        assertThat(rows.get(2).ratio(rows.get(2).coldMs())).isEqualTo("-");
    }
}
