package io.berth.ct.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.ct.CtFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 10.18: onboot/startup act (startall/stopall in order with delays, a systemd unit), firewall=1 warns. */
@Tag("root")
class BootOrderTest {
    @TempDir Path tmp;

    @Test
    void startallAndStopallFollowStartupOrderDelaysAndOnboot() throws Exception {
        Path root = tmp.resolve("root");
        try (CtFixture f = new CtFixture(root)) {
            f.create(4014, Map.of("rootfs", "local:0", "onboot", "1", "startup", "order=2"));
            f.create(4015, Map.of("rootfs", "local:0", "onboot", "1", "startup", "order=1,up=2,down=5"));
            f.create(4016, Map.of("rootfs", "local:0", "onboot", "0"));
            f.create(4017, Map.of("rootfs", "local:0", "onboot", "1", "net0", "name=eth0,firewall=1"));
            List<String> log = Collections.synchronizedList(new ArrayList<>());
            List<Long> at = Collections.synchronizedList(new ArrayList<>());
            List<Integer> failed = f.svc.startAll(false, List.of(), l -> {
                log.add(l);
                at.add(System.nanoTime());
            });
            assertThat(failed).isEmpty();
            List<String> starts = log.stream().filter(l -> l.endsWith("starting") || l.contains(": starting (")).toList();
            assertThat(starts).extracting(l -> l.substring(3, 7)).containsExactly("4015", "4014", "4017");
            assertThat(f.monitorRunning(4015) && f.monitorRunning(4014) && f.monitorRunning(4017)).isTrue();
            assertThat(f.monitorRunning(4016)).as("onboot 0 stays off").isFalse();
            // up=2 after 4015: 4014 starts at least 2 s later
            long t15 = at.get(log.indexOf(starts.get(0))), t14 = at.get(log.indexOf(starts.get(1)));
            assertThat((t14 - t15) / 1_000_000L).isGreaterThanOrEqualTo(2000);
            assertThat(log).anySatisfy(l -> assertThat(l).startsWith("CT 4017: WARN: net0: firewall=1 has no effect"));

            log.clear();
            assertThat(f.svc.stopAll(30, true, List.of(), log::add)).isEmpty();
            assertThat(log.stream().filter(l -> l.contains("shutting down")).map(l -> l.substring(3, 7)).toList())
                    .containsExactly("4017", "4014", "4015");
            assertThat(log).anySatisfy(l -> assertThat(l).isEqualTo("CT 4015: shutting down (timeout 5 s)"));
            for (int id : List.of(4014, 4015, 4016, 4017)) assertThat(f.monitorRunning(id)).isFalse();

            // --force starts also what has no onboot; --vms limits to the given ids
            assertThat(f.svc.startAll(false, List.of(4016), l -> {})).isEmpty();
            assertThat(f.monitorRunning(4016)).isTrue();
            assertThat(f.monitorRunning(4014)).isFalse();
        }
    }

    @Test
    void theSystemdUnitRunsStartallAtBootAndStopallAtShutdown() throws Exception {
        Path root = tmp.resolve("root");
        BerthCli cli = BerthCli.forRoot(root, tmp);
        Path units = tmp.resolve("units");
        cli.run("startall", "--install-unit", "--unit-dir", units.toString()).check();
        String unit = Files.readString(units.resolve("berth-guests.service"));
        assertThat(unit).contains("Type=oneshot").contains("RemainAfterExit=yes").contains("WantedBy=multi-user.target")
                .containsPattern("ExecStart=\\S+/bin/berth --root " + root + " startall")
                .containsPattern("ExecStop=\\S+/bin/berth --root " + root + " stopall");
    }
}
