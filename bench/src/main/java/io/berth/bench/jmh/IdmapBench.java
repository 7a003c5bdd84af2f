package io.berth.bench.jmh;

import io.berth.idmap.IdMap;
import io.berth.idmap.IdMapEntry;
import io.berth.idmap.MountIdMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** A mount point's {@code idmap=} converted to the disk->host map, in conversions per second. */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class IdmapBench {
    private IdMap chunked;
    private IdMap unprivileged;
    private MountIdMap split;
    private MountIdMap single;

    @Setup
    public void setup() {
        // the container map of golden 06-custom-idmap: uid/gid 1005 passed through between two shifted chunks
        chunked = IdMap.parseLxcIdmaps(List.of("u 0 100000 1005", "g 0 100000 1005", "u 1005 1005 1", "g 1005 1005 1",
                "u 1006 101006 64530", "g 1006 101006 64530"));
        unprivileged = IdMap.unprivilegedDefault();
        // ranges that fall across all three chunks, so each is split at the chunk boundaries
        split = MountIdMap.parse("u:1000:5000:10 g:1000:5000:10 u:0:0:1 g:0:0:1");
        single = MountIdMap.parse("u:1005:1005:1 g:1005:1005:1");
        if (MountIdMap.diskToHost(split, chunked).size() < 4) throw new IllegalStateException("idmap conversion did not split the ranges");
    }

    @Benchmark
    public List<IdMapEntry> acrossChunks() {
        return MountIdMap.diskToHost(split, chunked);
    }

    @Benchmark
    public List<IdMapEntry> singleIdOnDefaultMap() {
        return MountIdMap.diskToHost(single, unprivileged);
    }
}
