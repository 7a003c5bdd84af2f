package io.berth.bench.jmh;

import io.berth.config.ConfigFile;
import io.berth.config.ConfigParser;
import io.berth.config.ConfigPrinter;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** Parsing (with full schema validation) and printing of Proxmox container configs, in configs per second. */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ConfigBench {
    /** 6 lines; 15 lines with net, mp and features; 46 lines with snapshots, pending and raw keys. */
    @Param({"01-minimal", "02-unprivileged-debian", "29-everything"})
    public String config;

    private String text;
    private ConfigFile parsed;

    @Setup
    public void setup() {
        text = Configs.text(config);
        parsed = ConfigParser.parse(config + ".conf", text);
        if (!ConfigPrinter.print(parsed).equals(ConfigPrinter.print(ConfigParser.parse("again", ConfigPrinter.print(parsed))))) {
            throw new IllegalStateException(config + ": print(parse(x)) is not stable, the benchmark would measure a bug");
        }
    }

    @Benchmark
    public ConfigFile parse() {
        return ConfigParser.parse("bench.conf", text);
    }

    @Benchmark
    public String print() {
        return ConfigPrinter.print(parsed);
    }
}
