package io.berth.bench.jmh;

import io.berth.cli.Main;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import picocli.CommandLine;

/**
 * The picocli command tree berthd builds per request: the full tree of every command, or the lean tree with only
 * the named command under the root ({@code Main.commandLine(args)}), in trees per second on a warm JVM.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class CliBench {
    /** {@code status}: a small command; {@code set}: every config key is one of its options. */
    @Param({"status", "set"})
    public String command;

    @Benchmark
    public CommandLine fullTree() {
        return Main.commandLine();
    }

    @Benchmark
    public CommandLine leanTree() {
        return Main.commandLine(new String[] {"--root", "/nonexistent", command, "100"});
    }
}
