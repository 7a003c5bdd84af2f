package io.berth.ct.backup;

import static io.berth.ct.backup.BackupRestoreTest.restore;
import static io.berth.ct.backup.BackupRestoreTest.storageCfg;
import static io.berth.ct.backup.BackupRestoreTest.vmid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.error.BerthException;
import io.berth.error.ExistsException;
import io.berth.error.InvalidInputException;
import io.berth.ct.CtFixture;
import io.berth.storage.HostCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restores of archives laid out as Proxmox writes them, and of bad archives: truncated, corrupt, with escaping
 * member paths, with unknown config keys, onto an existing container. A failed restore leaves no config, no volume
 * and no staging directory behind.
 */
@Tag("root")
class RestoreInputTest {
    @TempDir Path tmp;

    static final String PVE_CONF = """
            #Imported from Proxmox
            #second line
            arch: amd64
            cores: 2
            features: nesting=1
            hostname: pve-ct
            memory: 1024
            mp0: local-lvm:vm-100-disk-1,mp=/data,backup=1,size=64M
            mp1: /srv/host-share,mp=/host
            net0: name=eth0,bridge=vmbr0,firewall=1,hwaddr=BC:24:11:AA:BB:CC,ip=dhcp,type=veth
            ostype: unmanaged
            rootfs: local-lvm:vm-100-disk-0,size=200M
            swap: 512
            unprivileged: 1
            """;

    private static void assertNothingLeft(CtFixture f, int vmid) throws Exception {
        assertThat(f.svc.vmids()).doesNotContain(vmid);
        assertThat(f.svc.storages().listOwned(vmid)).isEmpty();
        assertThat(f.svc.roots().runDir().resolve("restore-" + vmid)).doesNotExist();
        assertThat(f.mountsUnderRoot()).isEmpty();
    }

    @Test
    void proxmoxLayoutArchiveRestores() throws Exception {
        int t = vmid();
        try (CtFixture f = new CtFixture(tmp.resolve("root")); AutoCloseable d = () -> BackupRestoreTest.destroy(f, t)) {
            storageCfg(f, "");
            Path archive = ArchiveFixtures.build(tmp.resolve("pve"), "vzdump-lxc-100-2024_03_04-05_06_07.tar.zst", PVE_CONF, """
                    mkdir -p data/sub srv/t
                    echo data > data/sub/f
                    chown 1000:1000 data/sub/f
                    setfacl -m u:1234:r data/sub/f
                    echo x > srv/t/x
                    setfattr -n user.k -v v srv/t/x
                    """, List.of("./", "./data"), List.of());
            // the first members are the config files, as vzdump writes them
            assertThat(BackupRestoreTest.members(archive).subList(0, 3)).containsExactly("./etc/vzdump/pct.conf", "./etc/vzdump/pct.fw", "./");
            RestoreService.Restored r = restore(f, new RestoreRequest(t, archive.toString(), Optional.of("local"), Optional.empty(),
                    Optional.empty(), false, false, Map.of("net0", "name=eth0,bridge=vmbr0,hwaddr=BC:24:11:00:00:01,ip=dhcp")));
            var c = f.svc.config(t).main();
            assertThat(r.volumes()).hasSize(2);
            assertThat(c.get("rootfs").orElseThrow()).startsWith("local:").endsWith(",size=200M");
            assertThat(c.get("mp0").orElseThrow()).startsWith("local:").contains("mp=/data").contains("backup=1").endsWith("size=64M");
            assertThat(c.get("mp1")).contains("/srv/host-share,mp=/host");
            assertThat(c.get("net0").orElseThrow()).contains("hwaddr=BC:24:11:00:00:01");
            assertThat(c.hostname()).contains("pve-ct");
            assertThat(c.memory()).hasValue(1024);
            assertThat(c.unprivileged()).isTrue();
            assertThat(c.description()).contains("Imported from Proxmox\nsecond line");
            // unprivileged: the archive's ids land as the container's host ids (100000 + id), no chown pass
            assertThat(BackupRestoreTest.hostOwner(f, t, "bin/busybox")).isEqualTo("100000:100000");
            String inside = CtVolumes.sh(f.svc, t, "stat -c '%u:%g' data/sub/f; getfacl -n -p data/sub/f | grep user:1234; getfattr -n user.k --only-values srv/t/x; test ! -e etc/vzdump/pct.conf && echo noconf");
            assertThat(inside.lines().toList()).containsExactly("1000:1000", "user:1234:r--", "vnoconf");
        }
    }

    @Test
    void badArchivesFailCleanly() throws Exception {
        int t = vmid();
        try (CtFixture f = new CtFixture(tmp.resolve("root"))) {
            storageCfg(f, "");
            String conf = "arch: amd64\nhostname: bad\nostype: unmanaged\nrootfs: local:vm-100-disk-0,size=64M\n";
            Path good = ArchiveFixtures.build(tmp.resolve("good"), "vzdump-lxc-100-2024_01_01-00_00_00.tar.zst", conf,
                    "head -c 4000000 /dev/urandom > srv.bin", List.of("./"), List.of());

            // truncated: the config (first member) reads, extraction hits the end: the new volume is freed again
            Path truncated = tmp.resolve("vzdump-lxc-100-2024_01_01-00_00_01.tar.zst");
            byte[] bytes = Files.readAllBytes(good);
            Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length / 2));
            assertThatThrownBy(() -> restore(f, RestoreRequest.of(t, truncated.toString()))).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("unable to restore CT " + t);
            assertNothingLeft(f, t);
            // --ignore-unpack-errors does not make a truncated archive restore
            assertThatThrownBy(() -> restore(f, new RestoreRequest(t, truncated.toString(), Optional.empty(), Optional.empty(),
                    Optional.empty(), false, true, Map.of()))).isInstanceOf(BerthException.class);
            assertNothingLeft(f, t);

            // corrupt: not a zstd stream at all
            Path corrupt = tmp.resolve("vzdump-lxc-100-2024_01_01-00_00_02.tar.zst");
            Files.write(corrupt, java.util.Arrays.copyOfRange(bytes, 1000, 50_000));
            assertThatThrownBy(() -> restore(f, RestoreRequest.of(t, corrupt.toString()))).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("not readable");
            assertNothingLeft(f, t);

            // unknown config key: refused before anything is allocated
            Path unknown = ArchiveFixtures.build(tmp.resolve("unknown"), "vzdump-lxc-100-2024_01_01-00_00_03.tar.zst",
                    conf + "frobnicate: 1\n", "true", List.of("./"), List.of());
            assertThatThrownBy(() -> restore(f, RestoreRequest.of(t, unknown.toString()))).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("frobnicate");
            assertNothingLeft(f, t);

            // escaping members: an absolute path and a ../ path (stored with tar -P)
            Path outside = Files.writeString(tmp.resolve("outside.txt"), "outside\n");
            Path abs = ArchiveFixtures.build(tmp.resolve("abs"), "vzdump-lxc-100-2024_01_01-00_00_04.tar.zst", conf, "true",
                    List.of("./"), List.of(outside.toString()));
            assertThat(BackupRestoreTest.members(abs)).contains(outside.toString());
            assertThatThrownBy(() -> restore(f, RestoreRequest.of(t, abs.toString()))).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("escape");
            assertNothingLeft(f, t);
            Path dotdot = ArchiveFixtures.build(tmp.resolve("dotdot"), "vzdump-lxc-100-2024_01_01-00_00_05.tar", conf, "true",
                    List.of("./", "--transform=s,^\\./etc/passwd$,../../escaped,", "./etc/passwd"), List.of());
            assertThat(BackupRestoreTest.members(dotdot)).contains("../../escaped");
            assertThatThrownBy(() -> restore(f, RestoreRequest.of(t, dotdot.toString()))).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("escape");
            assertNothingLeft(f, t);
            assertThat(f.svc.roots().runDir().resolve("../escaped")).doesNotExist();

            // no vzdump config at all
            Path plain = tmp.resolve("vzdump-lxc-100-2024_01_01-00_00_06.tar");
            HostCommand.of("tar", "cf", plain.toString(), "-C", tmp.resolve("good/root").toString(), "./bin").run();
            assertThatThrownBy(() -> restore(f, RestoreRequest.of(t, plain.toString()))).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("pct.conf");
            assertNothingLeft(f, t);

            // an existing target needs --force; with it, the old volumes are replaced
            try (AutoCloseable d = () -> BackupRestoreTest.destroy(f, t)) {
                restore(f, RestoreRequest.of(t, good.toString()));
                List<String> first = f.svc.storages().listOwned(t).stream().map(v -> v.volid().toString()).toList();
                assertThatThrownBy(() -> restore(f, RestoreRequest.of(t, good.toString()))).isInstanceOf(ExistsException.class)
                        .hasMessageContaining("already exists").hasMessageContaining("--force");
                assertThat(f.svc.storages().listOwned(t).stream().map(v -> v.volid().toString()).toList()).isEqualTo(first);
                // a failing forced restore leaves the old container as it was
                assertThatThrownBy(() -> restore(f, new RestoreRequest(t, truncated.toString(), Optional.empty(), Optional.empty(),
                        Optional.empty(), true, false, Map.of()))).isInstanceOf(BerthException.class);
                assertThat(f.svc.storages().listOwned(t).stream().map(v -> v.volid().toString()).toList()).isEqualTo(first);
                assertThat(f.svc.config(t).main().hostname()).contains("bad");
                restore(f, new RestoreRequest(t, good.toString(), Optional.empty(), Optional.empty(), Optional.empty(), true, false,
                        Map.of("hostname", "forced")));
                List<String> second = f.svc.storages().listOwned(t).stream().map(v -> v.volid().toString()).toList();
                assertThat(second).hasSize(1).doesNotContainAnyElementsOf(first);
                assertThat(f.svc.config(t).main().hostname()).contains("forced");
            }
        }
    }

    static Stream<Path> files(Path dir) throws Exception { return Files.list(dir); }

    static OptionalInt none() { return OptionalInt.empty(); }
}
