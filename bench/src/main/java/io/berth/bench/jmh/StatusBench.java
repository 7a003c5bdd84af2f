package io.berth.bench.jmh;

import io.berth.lxc.cgroup.CgroupReader;
import io.berth.lxc.cgroup.CgroupStats;
import io.berth.lxc.socket.LxcCommandClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The status fast path of one running container, as {@code berth status} does it per container: the init pid
 * through LXC's command socket, then cgroup and /proc figures, with no process spawned. Needs root and LXC; the
 * setup makes a raw busybox container in a temp lxcpath and removes it afterwards.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class StatusBench {
    private Path lxcpath;
    private final String name = "jmh" + ProcessHandle.current().pid();
    private boolean created;
    private LxcCommandClient client;
    private CgroupReader reader;

    @Setup(Level.Trial)
    public void setup() throws Exception {
        lxcpath = Files.createTempDirectory("berth-jmh-lxc-");
        run("lxc-create", "-P", lxcpath.toString(), "-n", name, "-t", "busybox");
        created = true;
        Path conf = lxcpath.resolve(name).resolve("config");
        String c = Files.readString(conf).replaceAll("(?m)^lxc\\.net\\.0\\..*\\n", "");
        Files.writeString(conf, c + "lxc.net.0.type = empty\nlxc.apparmor.profile = unconfined\n");
        run("lxc-start", "-P", lxcpath.toString(), "-n", name, "-d");
        run("lxc-wait", "-P", lxcpath.toString(), "-n", name, "-s", "RUNNING", "-t", "30");
        client = new LxcCommandClient(lxcpath.toString(), name);
        reader = new CgroupReader();
        if (client.initPid().isEmpty()) throw new IllegalStateException("container " + name + " runs but has no init pid");
    }

    @Benchmark
    public CgroupStats initPidAndCgroups() throws IOException {
        OptionalInt pid = client.initPid();
        if (pid.isEmpty()) throw new IllegalStateException("container " + name + " stopped during the benchmark");
        return reader.read(name, pid.getAsInt());
    }

    @TearDown(Level.Trial)
    public void teardown() throws Exception {
        if (created) {
            quiet("lxc-stop", "-P", lxcpath.toString(), "-n", name, "-k");
            quiet("lxc-destroy", "-P", lxcpath.toString(), "-n", name);
        }
        quiet("rm", "-rf", "--one-file-system", lxcpath.toString());
    }

    private static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) throw new IllegalStateException(String.join(" ", cmd) + " failed:\n" + out);
    }

    private static void quiet(String... cmd) {
        try {
            new ProcessBuilder(List.of(cmd)).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        } catch (IOException | InterruptedException e) {
            // best effort clean-up
        }
    }
}
