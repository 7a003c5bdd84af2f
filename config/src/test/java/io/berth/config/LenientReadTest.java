package io.berth.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class LenientReadTest {
    static final String FILE = "/etc/pve/lxc/100.conf";

    @Test void badValueUnknownKeyAndRefusedRawKeyAreKeptWithWarningsAndPrintedBack() {
        String text = """
                arch: amd64
                frobnicate: yes
                hostname: old
                memory: 512
                ostype: redhat
                rootfs: local:100/vm-100-disk-0.raw,size=8G
                lxc.rootfs.path: /var/lib/lxc/100/rootfs
                """;
        ParsedConfig p = ConfigParser.read(FILE, text);
        assertThat(p.warnings()).extracting(ConfigError::line, ConfigError::key, ConfigError::value).containsExactly(
                org.assertj.core.groups.Tuple.tuple(2, "frobnicate", "yes"),
                org.assertj.core.groups.Tuple.tuple(5, "ostype", "redhat"),
                org.assertj.core.groups.Tuple.tuple(7, "lxc.rootfs.path", "/var/lib/lxc/100/rootfs"));
        assertThat(p.warnings().get(1).toString())
                .isEqualTo(FILE + ":5: 'ostype' value 'redhat': not allowed; allowed: debian | devuan | ubuntu | centos | fedora "
                        + "| opensuse | archlinux | alpine | gentoo | nixos | unmanaged");
        assertThat(ConfigPrinter.print(p.config())).isEqualTo(text);

        ContainerConfig c = p.config().main();
        assertThat(c.memory()).hasValue(512);
        assertThat(c.hostname()).hasValue("old");
        assertThatThrownBy(c::ostype).isInstanceOf(ConfigException.class).hasMessage(p.warnings().get(1).toString());
        assertThatThrownBy(c::lxcRaw).isInstanceOf(ConfigException.class)
                .hasMessageContaining(FILE + ":7: 'lxc.rootfs.path'").hasMessageContaining("generated from the 'rootfs' key");

        ContainerConfig edited = c.with("hostname", "new").with("ostype", "centos");
        assertThat(edited.ostype()).hasValue("centos");
        assertThat(edited.problems()).extracting(ConfigError::key).containsExactly("frobnicate", "lxc.rootfs.path");
        assertThatThrownBy(() -> c.with("memory", "1")).isInstanceOf(ConfigException.class).hasMessageContaining("'memory' value '1'");
        assertThatThrownBy(() -> ConfigParser.parse(FILE, text)).isInstanceOf(ConfigException.class);
    }

    @Test void linesThatAreNoEntryAreSkippedWithAWarning() {
        ParsedConfig p = ConfigParser.read(FILE, "arch: amd64\nthis is junk\nmemory:\ndelete: swap\n");
        assertThat(p.warnings()).extracting(ConfigError::line).containsExactly(2, 3, 4);
        assertThat(p.warnings().get(2).message()).contains("only allowed in [pve:pending]");
        assertThat(ConfigPrinter.print(p.config())).isEqualTo("arch: amd64\n");
    }

    @Test void booleansAndIntegersAreStoredAsProxmoxStoresThem() {
        ParsedConfig p = ConfigParser.read(FILE, "onboot: Yes\nmemory: 0512\nprotection: off\n");
        assertThat(p.warnings()).isEmpty();
        assertThat(ConfigPrinter.print(p.config())).isEqualTo("memory: 512\nonboot: 1\nprotection: 0\n");
    }

    @Test void digestIsSha1OfTheRawBytes() {
        assertThat(ConfigParser.read(FILE, "abc").digest()).isEqualTo("a9993e364706816aba3e25717850c26c9cd0d89d");
        assertThat(ConfigParser.digest(new byte[0])).isEqualTo("da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assertThat(ConfigParser.digest("abc".getBytes())).isEqualTo("a9993e364706816aba3e25717850c26c9cd0d89d");
    }

    @Test void legacyPendingHeaderIsReadAndPrintedAsProxmoxDoes() {
        ConfigFile f = ConfigParser.parse(FILE, "memory: 512\n\n[PENDING]\nmemory: 1024\ndelete: swap,!cores\n");
        assertThat(f.pending().orElseThrow().deletes()).containsExactly("swap", "!cores");
        assertThat(ConfigPrinter.print(f)).isEqualTo("memory: 512\n\n[pve:pending]\ndelete: swap,!cores\nmemory: 1024\n");
    }

    @Test void snapshotKeysAndSnapstateAsProxmoxHandlesThem() {
        ConfigFile f = ConfigParser.parse(FILE, """
                memory: 512
                snapstate: prepare

                [zeta]
                snaptime: 2
                vmstate: local:100/vm-100-state-zeta.raw
                snapstate: delete
                parent: alpha

                [alpha]
                snaptime: 1
                """);
        assertThat(f.main().snapstate()).isEmpty();
        assertThat(f.snapshots().get("zeta").snapstate()).hasValue("delete");
        assertThat(f.snapshots().get("zeta").vmstate()).hasValue("local:100/vm-100-state-zeta.raw");
        assertThat(f.snapshots().get("zeta").parent()).hasValue("alpha");
        assertThat(ConfigPrinter.print(f)).isEqualTo("""
                memory: 512

                [alpha]
                snaptime: 1

                [zeta]
                parent: alpha
                snapstate: delete
                snaptime: 2
                vmstate: local:100/vm-100-state-zeta.raw
                """);
    }

    @Test void envComesFromAndGoesToEnvironmentRuntimeLines() {
        ConfigFile f = ConfigParser.parse(FILE, "lxc.apparmor.profile: unconfined\nlxc.environment.runtime: A=1\nmemory: 64\n"
                + "lxc.environment.runtime: B=x y\n");
        assertThat(f.main().env()).containsExactly("A=1", "B=x y");
        assertThat(f.main().lxcRaw()).containsExactly(new RawLxc("lxc.apparmor.profile", "unconfined"));
        assertThat(ConfigPrinter.print(f)).isEqualTo("memory: 64\nlxc.environment.runtime: A=1\nlxc.environment.runtime: B=x y\n"
                + "lxc.apparmor.profile: unconfined\n");
        assertThat(f.main().with("env", "C=3\0D=4").env()).containsExactly("C=3", "D=4");
        assertThatThrownBy(() -> f.main().with("env", "no equals sign")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("NAME=VALUE");
    }

    @Test void descriptionIsPercentEncodedAsProxmoxDoes() {
        assertThat(DescriptionText.encode("a: b\tc 100% é")).isEqualTo("a%3A b%09c 100% %C3%A9");
        assertThat(DescriptionText.decode("a%3a b%09c 100% %C3%A9 %zz %")).isEqualTo("a: b\tc 100% é %zz %");
        assertThat(DescriptionText.decode("%FF")).isEqualTo("\uFFFD");
        ConfigFile f = ConfigParser.parse(FILE, "#\n#line one%3A x\n#\n#last\n#\n#\nmemory: 64\n");
        assertThat(f.main().description()).hasValue("\nline one: x\n\nlast");
        assertThat(ConfigPrinter.print(f)).isEqualTo("#\n#line one%3A x\n#\n#last\nmemory: 64\n");
        ContainerConfig c = ContainerConfig.empty().withDescription(java.util.Optional.of("port: 80\nnon-ASCII: ü"));
        assertThat(ConfigPrinter.printSection(c)).isEqualTo("#port%3A 80\n#non-ASCII%3A %C3%BC\n");
        assertThat(ConfigParser.parse(FILE, "description: key%3A form\n").main().description()).hasValue("key: form");
        assertThat(ConfigParser.parse(FILE, "#a\ndescription: b\n").main().description()).hasValue("a\nb");
    }

    @Test void anUnusedEntryForAVolumeStillMountedIsDroppedOnWriteAsProxmoxDoes() {
        ConfigFile f = ConfigParser.parse(FILE, """
                mp0: local:100/vm-100-disk-1.raw,mp=/data
                rootfs: local:100/vm-100-disk-0.raw,size=8G
                unused0: local:100/vm-100-disk-1.raw
                unused1: local:100/vm-100-disk-2.raw

                [snap]
                unused0: local:100/vm-100-disk-0.raw
                rootfs: local:100/vm-100-disk-0.raw,size=8G
                """);
        assertThat(ConfigPrinter.print(f)).isEqualTo("""
                mp0: local:100/vm-100-disk-1.raw,mp=/data
                rootfs: local:100/vm-100-disk-0.raw,size=8G
                unused1: local:100/vm-100-disk-2.raw

                [snap]
                rootfs: local:100/vm-100-disk-0.raw,size=8G
                unused0: local:100/vm-100-disk-0.raw
                """);
    }

    @Test void refusedAndDeprecatedRawKeys() {
        assertThat(LxcKeys.check("lxc.cgroup2.memory.max")).isEqualTo(new LxcKeys.Allowed(java.util.Optional.empty()));
        assertThat(LxcKeys.check("lxc.id_map")).isInstanceOf(LxcKeys.Allowed.class);
        assertThat(LxcKeys.check("lxc.rootfs.options")).isInstanceOf(LxcKeys.Refused.class);
        assertThat(LxcKeys.check("lxc.bogus")).isInstanceOf(LxcKeys.Refused.class);
        ParsedConfig p = ConfigParser.read(FILE, "lxc.aa_profile: unconfined\n");
        assertThat(p.warnings()).isEmpty();
        assertThat(p.notes()).containsExactly(FILE + ":1: lxc.aa_profile is deprecated and was renamed to lxc.apparmor.profile");
        assertThat(List.of(p.config().main().lxcRaw().getFirst().key())).containsExactly("lxc.aa_profile");
    }

    /**
     * Which rule takes a line, for the lines whose start decides it (the parser tries a pattern only when the line can
     * match it): indented section headers and lines, a snapstate after another key, a comment, lxc.* keys.
     */
    @Test void eachKindOfLineIsTakenByItsRuleWhateverItsStart() {
        String text = "#my ct\narch: amd64\n arch: i386\nhostname: x snapstate: delete\nlxc.cap.drop: sys_time\n"
                + "delete: memory\n  [PENDING]\nmemory: 256\ndelete: swap\n\t[snap1]\n[snap2]\nsnapstate: prepare\nhostname: s2\n";
        ParsedConfig p = ConfigParser.read(FILE, text);
        ConfigFile f = p.config();
        assertThat(f.main().description()).hasValue("my ct");
        assertThat(f.main().arch()).isEqualTo("amd64");
        assertThat(f.main().hostname()).isEmpty(); // "x snapstate: delete" is a snapstate line: not kept in the main section
        assertThat(f.main().lxcRaw()).extracting(RawLxc::key).containsExactly("lxc.cap.drop");
        assertThat(p.warnings()).extracting(ConfigError::line).containsExactly(3, 6, 10);
        assertThat(f.pending()).hasValueSatisfying(pc -> {
            assertThat(pc.memory()).hasValue(256);
            assertThat(pc.deletes()).containsExactly("swap");
        });
        assertThat(f.snapshots()).containsOnlyKeys("snap2");
        assertThat(f.snapshots().get("snap2").hostname()).hasValue("s2");
        assertThat(f.snapshots().get("snap2").get("snapstate")).hasValue("prepare");
    }
}
