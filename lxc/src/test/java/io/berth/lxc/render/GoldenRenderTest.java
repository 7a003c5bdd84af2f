package io.berth.lxc.render;

import io.berth.config.ConfigParser;
import io.berth.config.ContainerConfig;
import io.berth.lxc.host.CgroupMode;
import io.berth.lxc.host.DeviceNumber;
import io.berth.lxc.host.HostFacts;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code golden/<vmid>-<name>.conf} rendered for a hybrid (this machine's kind) and a pure cgroup v2 host must equal
 * {@code <vmid>-<name>.<host>.lxc} (and {@code .seccomp} when a profile is generated). Run with
 * {@code -Dberth.updateGolden=true} to rewrite the expected files after a deliberate change, then review the diff.
 */
class GoldenRenderTest {
    static final Path GOLDEN = Path.of(System.getProperty("berth.source.root", "..")).resolve("lxc/src/test/resources/golden");

    static final HostFacts HYBRID = new HostFacts("5.0.2", CgroupMode.HYBRID,
            Set.of("blkio", "cpu", "cpuacct", "cpuset", "devices", "freezer", "memory", "pids"),
            Optional.of(Path.of("/sys/fs/cgroup/unified")), Set.of("hugetlb"), List.of(0, 1),
            Map.of("vmbr0", 1500, "vmbr1", 9000), true, false, "6.18.44", true);

    static final HostFacts V2 = new HostFacts("6.0.0", CgroupMode.UNIFIED, Set.of(), Optional.of(Path.of("/sys/fs/cgroup")),
            Set.of("cpu", "cpuset", "io", "memory", "pids", "hugetlb"), List.of(0, 1, 2, 3, 4, 5, 6, 7),
            Map.of("vmbr0", 1500, "vmbr1", 9000), true, true, "6.8.12-4-pve", true);

    static final Map<String, DeviceNumber> DEVICES = Map.of(
            "/dev/net/tun", new DeviceNumber(DeviceNumber.Type.CHAR, 10, 200),
            "/dev/sdb", new DeviceNumber(DeviceNumber.Type.BLOCK, 8, 16),
            "/dev/ttyUSB0", new DeviceNumber(DeviceNumber.Type.CHAR, 188, 0));

    static final Path LXC_PATH = Path.of("/var/lib/berth/lxc");
    static final String HOOK = "/usr/lib/berth/bin/berth --root /srv/berth hook";

    static RenderInput input(Path confFile, HostFacts host) throws IOException {
        String file = confFile.getFileName().toString();
        int vmid = Integer.parseInt(file.substring(0, file.indexOf('-')));
        ContainerConfig conf = ConfigParser.parse(file, Files.readString(confFile)).main();
        return new RenderInput(vmid, conf, host, LXC_PATH, HOOK, LXC_PATH.resolve(vmid + "/rootfs"), DEVICES);
    }

    @TestFactory
    Stream<DynamicTest> everyGoldenConfigRendersAsExpectedOnBothCgroupVersions() throws IOException {
        List<Path> inputs;
        try (Stream<Path> s = Files.list(GOLDEN)) {
            inputs = s.filter(p -> p.toString().endsWith(".conf")).sorted().toList();
        }
        assertThat(inputs).hasSizeGreaterThanOrEqualTo(12);
        boolean update = Boolean.getBoolean("berth.updateGolden");
        List<DynamicTest> tests = new ArrayList<>();
        for (Path in : inputs) {
            String base = in.getFileName().toString().replaceFirst("\\.conf$", "");
            for (var host : Map.of("hybrid", HYBRID, "v2", V2).entrySet()) {
                tests.add(DynamicTest.dynamicTest(base + " on " + host.getKey(), () -> {
                    Rendered r = LxcConfigRenderer.render(input(in, host.getValue()));
                    Path expConf = GOLDEN.resolve(base + "." + host.getKey() + ".lxc");
                    Path expSeccomp = GOLDEN.resolve(base + "." + host.getKey() + ".seccomp");
                    if (update) {
                        Files.writeString(expConf, r.config());
                        if (r.seccompProfile().isPresent()) Files.writeString(expSeccomp, r.seccompProfile().get());
                        else Files.deleteIfExists(expSeccomp);
                    }
                    assertThat(r.config()).isEqualTo(Files.readString(expConf));
                    if (Files.exists(expSeccomp)) assertThat(r.seccompProfile()).contains(Files.readString(expSeccomp));
                    else assertThat(r.seccompProfile()).isEmpty();
                    // pure: rendering twice gives the same text
                    assertThat(LxcConfigRenderer.render(input(in, host.getValue()))).isEqualTo(r);
                }));
            }
        }
        return tests.stream();
    }
}
