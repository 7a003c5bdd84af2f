package io.berth.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class GoldenTest {
    static final Path DIR = Path.of("src/test/resources/golden");

    static Stream<Path> configs() throws IOException {
        return Files.list(DIR).filter(p -> p.toString().endsWith(".conf")).sorted();
    }

    @Test void thereAreAtLeastThirtyGoldenConfigs() throws IOException {
        assertThat(configs().count()).isGreaterThanOrEqualTo(30);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void printOfParseIsExpectedAndStable(Path conf) throws IOException {
        String input = Files.readString(conf);
        Path exp = conf.resolveSibling(conf.getFileName().toString().replace(".conf", ".expected"));
        String expected = Files.exists(exp) ? Files.readString(exp) : input;

        ConfigFile parsed = ConfigParser.parse(conf.toString(), input);
        String printed = ConfigPrinter.print(parsed);
        assertThat(printed).isEqualTo(expected);
        ConfigFile reparsed = ConfigParser.parse("printed", printed);
        assertThat(reparsed).isEqualTo(parsed);
        assertThat(ConfigPrinter.print(reparsed)).isEqualTo(printed);
    }

    @Test void typedAccessOfTheKitchenSink() throws IOException {
        ConfigFile f = ConfigParser.parse("29", Files.readString(DIR.resolve("29-everything.conf")));
        ContainerConfig c = f.main();
        assertThat(c.memory()).hasValue(8192);
        assertThat(c.cores()).hasValue(4);
        assertThat(c.cpulimit()).hasValue(3.0);
        assertThat(c.unprivileged()).isTrue();
        assertThat(c.tty()).isEqualTo(6);
        assertThat(c.features().keyctl()).isTrue();
        assertThat(c.features().fuse()).isFalse();
        assertThat(c.startup().orElseThrow().order()).hasValue(5);
        assertThat(c.description()).hasValue("kitchen sink");
        assertThat(c.idmap().rootUid()).isEqualTo(100000);
        assertThat(c.rootfs().orElseThrow().mountOptions()).containsExactly("lazytime", "noexec", "nosuid");
        assertThat(c.rootfs().orElseThrow().sizeBytes()).hasValue(32L << 30);
        MountPoint mp1 = c.mountPoints().get(1);
        assertThat(mp1.source()).isEqualTo(new MountSource.Bind(Path.of("/srv/host")));
        assertThat(mp1.ro()).isTrue();
        assertThat(mp1.keepattrs()).isTrue();
        assertThat(mp1.idmap().orElseThrow().format()).isEqualTo("u:1000:1000:10 g:1000:1000:10");
        assertThat(c.mountPoints().get(0).source()).isEqualTo(new MountSource.Volume("local-lvm", "vm-128-disk-1"));
        assertThat(c.nets()).containsOnlyKeys(0, 1);
        assertThat(c.nets().get(0).ip()).hasValue("10.1.1.5/24");
        assertThat(c.nets().get(0).firewall()).isTrue();
        assertThat(c.devices().get(0).mode()).hasValue("0666");
        assertThat(c.unused()).containsEntry(0, "local-lvm:vm-128-disk-9");
        assertThat(c.lxcRaw()).containsExactly(new RawLxc("lxc.apparmor.profile", "generated"),
                new RawLxc("lxc.mount.entry", "/dev/net dev/net none bind,create=dir 0 0"));
        assertThat(f.pending().orElseThrow().deletes()).containsExactly("tags");
        assertThat(f.withPendingApplied().cores()).hasValue(6);
        assertThat(f.withPendingApplied().tags()).isEmpty();
        assertThat(f.snapshots()).containsOnlyKeys("pre");
    }

    @Test void classifiesMountSources() throws IOException {
        ContainerConfig c = ConfigParser.parse("07", Files.readString(DIR.resolve("07-many-mps.conf"))).main();
        assertThat(c.mountPoints().keySet()).containsExactly(0, 1, 2, 10, 11, 255);
        assertThat(c.mountPoints().get(10).source()).isEqualTo(new MountSource.Device(Path.of("/dev/sdb1")));
        assertThat(c.mountPoints().get(1).source()).isInstanceOf(MountSource.Bind.class);
        ContainerConfig n = ConfigParser.parse("20", Files.readString(DIR.resolve("20-new-volume-syntax.conf"))).main();
        assertThat(n.rootfs().orElseThrow().source()).isEqualTo(new MountSource.NewVolume("local", 8));
        assertThat(n.mountPoints().get(1).source()).isEqualTo(new MountSource.NewVolume("local-lvm", 0.5));
        assertThat(n.allMountPoints()).extracting(MountPoint::key).containsExactly("rootfs", "mp0", "mp1");
    }

    @Test void idmapFromRawKeys() throws IOException {
        ContainerConfig c = ConfigParser.parse("06", Files.readString(DIR.resolve("06-custom-idmap.conf"))).main();
        assertThat(c.idmap().entries()).hasSize(6);
        assertThat(c.idmap().toHost(io.berth.idmap.IdKind.UID, 1005)).hasValue(1005);
        ContainerConfig legacy = ConfigParser.parse("28", Files.readString(DIR.resolve("28-raw-id_map-legacy.conf"))).main();
        assertThat(legacy.idmap().rootGid()).isEqualTo(200000);
        ContainerConfig priv = ConfigParser.parse("30", Files.readString(DIR.resolve("30-privileged-ubuntu.conf"))).main();
        assertThat(priv.idmap().isEmpty()).isTrue();
        assertThat(List.of(priv.idmap().rootUid(), priv.idmap().rootGid())).containsExactly(0L, 0L);
    }
}
