package io.berth.lxc.render;

import io.berth.config.ConfigParser;
import io.berth.config.ContainerConfig;
import io.berth.lxc.host.HostFacts;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LxcConfigRendererTest {
    private static ContainerConfig conf(String text) {
        return ConfigParser.parse("t.conf", text).main();
    }

    private static Rendered render(String text, HostFacts host) {
        return LxcConfigRenderer.render(new RenderInput(200, conf(text), host, Path.of("/l"), "/bin/berth hook", Path.of("/l/200/rootfs")));
    }

    /** Issue 10.14: LXC binds an unprivileged container's staged mount points (parents first), so they stay unlockable. */
    @Test
    void unprivilegedMountPointsAreBoundFromTheStageParentsFirst() {
        String cfg = render("ostype: debian\nunprivileged: 1\nmp0: /srv/a b,mp=/data/in ner\nmp1: local:200/vm-200-disk-1.raw,mp=/data\n",
                GoldenRenderTest.HYBRID).config();
        assertThat(cfg).containsSubsequence("lxc.mount.entry = /l/200/mpstage/mp1 data none bind 0 0",
                "lxc.mount.entry = /l/200/mpstage/mp0 data/in\\040ner none bind 0 0");
        assertThat(cfg).doesNotContain("lxc.hook.autodev");
        // privileged: pre-start mounts them in place, nothing to bind
        assertThat(render("ostype: debian\nmp0: /srv,mp=/data\n", GoldenRenderTest.HYBRID).config()).doesNotContain("mpstage");
    }

    @Test
    void anMtuAboveTheBridgesIsRefusedNamingKeyValueAndLimit() {
        assertThatThrownBy(() -> render("ostype: debian\nnet0: name=eth0,bridge=vmbr0,mtu=9000\n", GoldenRenderTest.HYBRID))
                .isInstanceOfSatisfying(RenderException.class, e -> assertThat(e.key()).isEqualTo("net0"))
                .hasMessageContaining("9000").hasMessageContaining("1500").hasMessageContaining("vmbr0");
    }

    @Test
    void aMissingBridgeOrDeviceIsRefused() {
        assertThatThrownBy(() -> render("ostype: debian\nnet2: name=eth2,bridge=vmbr7\n", GoldenRenderTest.HYBRID))
                .hasMessageStartingWith("net2: bridge 'vmbr7' does not exist").hasMessageContaining("vmbr0, vmbr1");
        assertThatThrownBy(() -> render("ostype: debian\ndev0: /dev/kvm\n", GoldenRenderTest.HYBRID))
                .hasMessageStartingWith("dev0: device '/dev/kvm' was not found");
    }

    @Test
    void lxcfsHooksAreClearedWhenLxcfsDoesNotRun() {
        HostFacts h = GoldenRenderTest.HYBRID;
        HostFacts noLxcfs = new HostFacts(h.lxcVersion(), h.cgroupMode(), h.v1Controllers(), h.unifiedMount(),
                h.v2Controllers(), h.cpus(), h.bridgeMtus(), h.seccompNotify(), h.apparmor(), h.kernelRelease(), false);
        String without = render("ostype: debian\n", noLxcfs).config();
        // cleared after the include that brings them in, before our own post-stop hook
        assertThat(without).contains("lxc.include = /usr/share/lxc/config/debian.common.conf\nlxc.hook.mount = \nlxc.hook.post-stop = \n");
        assertThat(without.indexOf("lxc.hook.post-stop = \n")).isLessThan(without.indexOf("hook post-stop"));
        assertThat(render("ostype: debian\n", h).config()).doesNotContain("lxc.hook.mount = \n");
    }

    @Test
    void mknodWithoutSeccompNotifyIsRefused() {
        HostFacts old = new HostFacts("5.0.2", GoldenRenderTest.HYBRID.cgroupMode(), GoldenRenderTest.HYBRID.v1Controllers(),
                GoldenRenderTest.HYBRID.unifiedMount(), GoldenRenderTest.HYBRID.v2Controllers(), List.of(0), Map.of(), false, false, "5.2.0", true);
        assertThatThrownBy(() -> render("ostype: debian\nunprivileged: 1\nfeatures: mknod=1\n", old))
                .hasMessageStartingWith("features: mknod=1 needs seccomp user notification").hasMessageContaining("5.2.0");
        // privileged containers keep LXC's default profile: nothing to refuse
        assertThat(render("ostype: debian\nfeatures: mknod=1\n", old).seccompProfile()).isEmpty();
    }

    @Test
    void explicitProfilesWinWithAWarning() {
        Rendered r = render("ostype: debian\nunprivileged: 1\nfeatures: keyctl=1,mknod=1\nlxc.seccomp.profile: /x.seccomp\n",
                GoldenRenderTest.V2);
        assertThat(r.seccompProfile()).isEmpty();
        assertThat(r.config()).doesNotContain("rules.seccomp").contains("lxc.seccomp.profile = /x.seccomp\n");
        assertThat(r.warnings()).singleElement().asString().contains("keyctl, mknod");
    }

    @Test
    void hookCommandsWithShellMetacharactersAreRefused() {
        assertThatThrownBy(() -> new RenderInput(1, ContainerConfig.empty(), GoldenRenderTest.HYBRID, Path.of("/l"),
                "/bin/berth; rm -rf /", Path.of("/r")))
                .hasMessageContaining("hook command '/bin/berth; rm -rf /' is invalid");
    }

    @Test
    void everyOstypeIncludeTheRendererNamesExistsInTheInstalledLxc() {
        for (String os : List.of("debian", "devuan", "ubuntu", "centos", "fedora", "opensuse", "archlinux", "alpine", "gentoo",
                "nixos", "unmanaged")) {
            String cfg = render("ostype: " + os + "\nunprivileged: 1\n", GoldenRenderTest.HYBRID).config();
            cfg.lines().filter(l -> l.startsWith("lxc.include = ")).forEach(l -> {
                Path inc = Path.of(l.substring("lxc.include = ".length()));
                assertThat(inc).as("ostype " + os).exists();
                String fn = inc.getFileName().toString();
                if (LxcConfigRenderer.OSTYPES_WITH_INCLUDES.contains(os)) assertThat(fn).startsWith(os + ".");
                else assertThat(fn).isIn("common.conf", "userns.conf");
            });
        }
        // and the known list is exactly the distributions that have both files
        for (String os : LxcConfigRenderer.OSTYPES_WITH_INCLUDES) {
            assertThat(Files.exists(Path.of(LxcConfigRenderer.LXC_CONFIG_DIR, os + ".common.conf"))).isTrue();
            assertThat(Files.exists(Path.of(LxcConfigRenderer.LXC_CONFIG_DIR, os + ".userns.conf"))).isTrue();
        }
        assertThat(Path.of(LxcConfigRenderer.LXC_CONFIG_DIR, "nixos.common.conf")).doesNotExist();
    }

    @Test
    void theEmbeddedCommonSeccompIsTheInstalledOne() throws Exception {
        assertThat(LxcConfigRenderer.COMMON_SECCOMP).isEqualTo(Files.readString(Path.of(LxcConfigRenderer.LXC_CONFIG_DIR, "common.seccomp")));
    }

    @Test
    void cpuListsAreShort() {
        assertThat(LxcConfigRenderer.cpuList(List.of(0, 1, 2, 5, 7, 8))).isEqualTo("0-2,5,7-8");
        assertThat(LxcConfigRenderer.cpuList(List.of(3))).isEqualTo("3");
    }

    @Property
    void pickedCpusAreDistinctAvailableAndAsManyAsAsked(@ForAll @IntRange(min = 100, max = 999999) int vmid,
                                                       @ForAll @IntRange(min = 1, max = 16) int cores,
                                                       @ForAll @IntRange(min = 1, max = 12) int n) {
        List<Integer> available = IntStream.range(0, n).map(i -> i * 2).boxed().toList();
        List<Integer> picked = LxcConfigRenderer.pickCpus(vmid, cores, available);
        assertThat(picked).hasSize(Math.min(cores, n)).isSorted();
        assertThat(new HashSet<>(picked)).hasSize(picked.size());
        assertThat(available).containsAll(picked);
        assertThat(LxcConfigRenderer.pickCpus(vmid, cores, available)).isEqualTo(picked);
    }

    @Test
    void memoryHighFollowsProxmox() {
        assertThat(LxcConfigRenderer.memoryHigh(512)).isEqualTo(512L * 1024 * 1016);
        assertThat(LxcConfigRenderer.memoryHigh(16384)).isEqualTo((16384L - 128) * 1024 * 1024);
    }
}
