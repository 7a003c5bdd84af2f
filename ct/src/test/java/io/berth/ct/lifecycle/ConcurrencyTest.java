package io.berth.ct.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.config.ConfigDigest;
import io.berth.config.ContainerConfig;
import io.berth.ct.CreateRequest;
import io.berth.ct.CreateResult;
import io.berth.ct.CtFixture;
import io.berth.ct.TestTemplates;
import io.berth.ct.Progress;
import io.berth.error.DigestMismatchException;
import io.berth.error.ExistsException;
import io.berth.error.LockedException;
import io.berth.storage.VolumeId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service core under concurrent callers, on real containers and storage (busybox template, dir storage with raw
 * images and subvolume dirs): concurrent creates of one id, concurrent creates on one storage, concurrent sets.
 * All callers are released at once by a latch; threads of one JVM share the service as berthd's requests do.
 */
class ConcurrencyTest {
    @TempDir Path tmp;

    /** Runs the {@code n} calls at the same moment and returns their outcomes in order. */
    private static <T> List<Future<T>> race(int n, java.util.function.IntFunction<Callable<T>> call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<T>> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Callable<T> c = call.apply(i);
                out.add(pool.submit(() -> {
                    go.await();
                    return c.call();
                }));
            }
            go.countDown();
            pool.shutdown();
            assertThat(pool.awaitTermination(15, TimeUnit.MINUTES)).as("all %d calls ended", n).isTrue();
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    private static Set<String> configVolumes(ContainerConfig c) {
        Set<String> out = new HashSet<>();
        for (VolumeId v : CtMounts.volumes(c)) out.add(v.toString());
        return out;
    }

    private static Set<String> owned(CtFixture f, int vmid) {
        Set<String> out = new HashSet<>();
        for (var info : f.svc.storages().listOwned(vmid)) out.add(info.volid().toString());
        return out;
    }

    @Test void twentyConcurrentCreatesOfOneIdLeaveOneContainerAndNoLeakedVolume() throws Exception {
        int vmid = 2500;
        try (CtFixture f = new CtFixture(tmp.resolve("root"))) {
            f.adopt(vmid);
            String template = TestTemplates.busybox().toString();
            List<Future<CreateResult>> results = race(20, i -> () -> f.svc.create(new CreateRequest(vmid, template,
                    Map.of("rootfs", "local:1", "mp0", "local:0,mp=/data", "hostname", "racer" + i), Optional.empty()), Progress.NONE));
            List<CreateResult> won = new ArrayList<>();
            List<Throwable> refused = new ArrayList<>();
            for (Future<CreateResult> r : results) {
                try {
                    won.add(r.get());
                } catch (ExecutionException e) {
                    refused.add(e.getCause());
                }
            }
            assertThat(won).as("creates that succeeded; refusals: %s", refused).hasSize(1);
            // a clear refusal each: it exists (or, on a very slow host, the lock wait ran out), naming the id
            assertThat(refused).hasSize(19).allSatisfy(e -> {
                assertThat(e).isInstanceOfAny(ExistsException.class, LockedException.class);
                assertThat(e.getMessage()).contains(Integer.toString(vmid));
            });
            ContainerConfig c = f.svc.config(vmid).main();
            assertThat(c.lock()).isEmpty();
            assertThat(configVolumes(c)).hasSize(2).containsExactlyInAnyOrderElementsOf(won.getFirst().volumes());
            // every volume the id owns on the storage is one the config names: nothing leaked by the 19 losers
            assertThat(owned(f, vmid)).isEqualTo(configVolumes(c));
            // and it is a container that runs
            f.svc.start(vmid, false, false);
            assertThat(f.exec(vmid, "hostname").stdout().strip()).isEqualTo(c.hostname().orElseThrow());
            f.svc.stop(vmid, false);
        }
    }

    @Test void twentyConcurrentCreatesOnOneStorageGetDistinctVolumes() throws Exception {
        try (CtFixture f = new CtFixture(tmp.resolve("root"))) {
            List<Integer> ids = IntStream.rangeClosed(2501, 2520).boxed().toList();
            ids.forEach(f::adopt);
            String template = TestTemplates.busybox().toString();
            // every other one asks for a storage that does not exist: refused with a clear error, leaving nothing
            List<Future<CreateResult>> results = race(ids.size(), i -> () -> f.svc.create(new CreateRequest(ids.get(i), template,
                    Map.of("rootfs", "local:0", "mp0", (i % 2 == 0 ? "local" : "nosuch") + ":0,mp=/data"), Optional.empty()), Progress.NONE));
            Set<String> all = new HashSet<>();
            for (int i = 0; i < ids.size(); i++) {
                int vmid = ids.get(i);
                if (i % 2 == 0) {
                    CreateResult r = results.get(i).get();
                    ContainerConfig c = f.svc.config(vmid).main();
                    assertThat(configVolumes(c)).as("CT %d", vmid).hasSize(2).containsExactlyInAnyOrderElementsOf(r.volumes());
                    assertThat(owned(f, vmid)).as("CT %d", vmid).isEqualTo(configVolumes(c));
                    all.addAll(r.volumes());
                } else {
                    int n = i;
                    assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> results.get(n).get()).getCause())
                            .as("CT %d", vmid).hasMessageContaining("nosuch");
                    assertThat(f.svc.vmids()).doesNotContain(vmid);
                    assertThat(owned(f, vmid)).as("CT %d leaked", vmid).isEmpty();
                }
            }
            assertThat(all).hasSize(20);
            assertThat(f.svc.vmids()).containsExactlyElementsOf(IntStream.range(0, 20).filter(i -> i % 2 == 0).mapToObj(ids::get).toList());
        }
    }

    @Test void fiftyConcurrentSetsOfDifferentKeysLoseNoUpdate() throws Exception {
        int vmid = 2530;
        try (CtFixture f = new CtFixture(tmp.resolve("root"))) {
            f.create(vmid, Map.of("rootfs", "local:0"));
            List<Path> dirs = new ArrayList<>();
            for (int i = 0; i < 50; i++) dirs.add(Files.createDirectories(tmp.resolve("binds/d" + i)));
            race(50, i -> () -> f.svc.set(vmid, Map.of("mp" + i, dirs.get(i) + ",mp=/mnt/d" + i), List.of(), false))
                    .forEach(r -> assertThat(r).succeedsWithin(java.time.Duration.ZERO));
            ContainerConfig c = f.svc.config(vmid).main();
            for (int i = 0; i < 50; i++) assertThat(c.get("mp" + i)).as("mp%d", i).hasValue(dirs.get(i) + ",mp=/mnt/d" + i);

            // with --digest (read, then write if unchanged): every writer but one per round is refused, retries on
            // the fresh digest and gets through; no update is lost and none is applied over a stale read
            AtomicInteger mismatches = new AtomicInteger();
            race(50, i -> () -> {
                for (int attempt = 0; ; attempt++) {
                    ConfigDigest d = f.svc.repository().read(vmid).digest();
                    try {
                        return f.svc.set(vmid, Map.of("mp" + i, dirs.get(i) + ",mp=/srv/d" + i + ",ro=1"), List.of(), false, Optional.of(d));
                    } catch (DigestMismatchException e) {
                        mismatches.incrementAndGet();
                        if (attempt > 500) throw e;
                    }
                }
            }).forEach(r -> assertThat(r).succeedsWithin(java.time.Duration.ZERO));
            c = f.svc.config(vmid).main();
            for (int i = 0; i < 50; i++) assertThat(c.get("mp" + i)).as("mp%d", i).hasValue(dirs.get(i) + ",mp=/srv/d" + i + ",ro=1");
            assertThat(mismatches.get()).as("stale digests refused").isPositive();
        }
    }
}
