package io.berth.bench.jmh;

import io.berth.config.ConfigParser;
import io.berth.config.ContainerConfig;
import io.berth.lxc.host.CgroupMode;
import io.berth.lxc.host.HostFacts;
import io.berth.lxc.render.LxcConfigRenderer;
import io.berth.lxc.render.RenderInput;
import io.berth.lxc.render.Rendered;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * LXC config rendering for a fixed host (this machine's hybrid cgroup layout, so results do not depend on what
 * the host looks like today), in configs per second.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RenderBench {
    static final HostFacts HOST = new HostFacts("5.0.2", CgroupMode.HYBRID,
            Set.of("blkio", "cpu", "cpuacct", "cpuset", "devices", "freezer", "memory", "pids"),
            Optional.of(Path.of("/sys/fs/cgroup/unified")), Set.of(), List.of(0, 1),
            Map.of("vmbr0", 1500, "vmbr1", 9000), true, false, "6.18.0", true);

    /** Unprivileged debian with cores, memory, swap, one veth (generated seccomp, idmap); privileged with 3 nics. */
    @Param({"render-unpriv-debian", "render-multi-net"})
    public String config;

    private RenderInput input;

    @Setup
    public void setup() {
        ContainerConfig c = ConfigParser.parse(config + ".conf", Configs.text(config)).main();
        input = new RenderInput(101, c, HOST, Path.of("/var/lib/lxc"), "/usr/bin/berth hook", Path.of("/var/lib/lxc/101/rootfs"));
    }

    @Benchmark
    public Rendered renderLxcConfig() {
        return LxcConfigRenderer.render(input);
    }
}
