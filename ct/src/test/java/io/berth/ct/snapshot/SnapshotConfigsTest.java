package io.berth.ct.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.config.ConfigFile;
import io.berth.config.ConfigParser;
import io.berth.config.ConfigPrinter;
import io.berth.config.ContainerConfig;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The config side of snapshots on Proxmox-written files, byte for byte: what a snapshot section copies (not lock,
 * description, unusedN), sections printed sorted by name with keys in Perl's sort order (mp10 before mp2), a
 * rollback keeping description and unusedN and dropping pending changes.
 */
class SnapshotConfigsTest {
    private static final String CURRENT = """
            #web server
            arch: amd64
            hostname: web
            lock: backup
            memory: 512
            mp10: local:100/vm-100-disk-2.raw,mp=/b,size=1G
            mp2: local:100/vm-100-disk-1.raw,mp=/a,size=1G
            net0: name=eth0,bridge=vmbr0,hwaddr=BC:24:11:AA:BB:CC,ip=dhcp,type=veth
            ostype: debian
            rootfs: local:100/vm-100-disk-0.raw,size=8G
            unused0: local:100/vm-100-disk-3.raw
            lxc.apparmor.profile: unconfined

            [pve:pending]
            memory: 1024
            """;

    @Test
    void snapshotSectionsAndRollbackAsProxmoxWritesThem() {
        ConfigFile f = ConfigParser.parse("100.conf", CURRENT);
        ContainerConfig zeta = SnapshotConfigs.copy(f.main()).with("snaptime", "1700000100").withDescription(Optional.of("second"));
        ContainerConfig alpha = SnapshotConfigs.copy(f.main()).with("snaptime", "1700000000").with("snapstate", "prepare");
        ConfigFile withSnaps = f.withSnapshot("zeta", zeta).withSnapshot("alpha", alpha);
        String section = """
                arch: amd64
                hostname: web
                memory: 512
                mp10: local:100/vm-100-disk-2.raw,mp=/b,size=1G
                mp2: local:100/vm-100-disk-1.raw,mp=/a,size=1G
                net0: name=eth0,bridge=vmbr0,hwaddr=BC:24:11:AA:BB:CC,ip=dhcp,type=veth
                ostype: debian
                rootfs: local:100/vm-100-disk-0.raw,size=8G
                """;
        assertThat(ConfigPrinter.print(withSnaps)).isEqualTo(CURRENT + "\n[alpha]\n" + section + "snapstate: prepare\nsnaptime: 1700000000\n"
                + "lxc.apparmor.profile: unconfined\n\n[zeta]\n#second\n" + section + "snaptime: 1700000100\nlxc.apparmor.profile: unconfined\n");

        ContainerConfig changed = withSnaps.main().with("memory", "2048").without("mp2").withDescription(Optional.of("changed"));
        ConfigFile rolledBack = SnapshotConfigs.applySnapshot(withSnaps.withMain(changed), withSnaps.snapshots().get("zeta"));
        rolledBack = rolledBack.withMain(rolledBack.main().with("parent", "zeta"));
        assertThat(ConfigPrinter.print(rolledBack)).startsWith("""
                #changed
                arch: amd64
                hostname: web
                memory: 512
                mp10: local:100/vm-100-disk-2.raw,mp=/b,size=1G
                mp2: local:100/vm-100-disk-1.raw,mp=/a,size=1G
                net0: name=eth0,bridge=vmbr0,hwaddr=BC:24:11:AA:BB:CC,ip=dhcp,type=veth
                ostype: debian
                parent: zeta
                rootfs: local:100/vm-100-disk-0.raw,size=8G
                unused0: local:100/vm-100-disk-3.raw
                lxc.apparmor.profile: unconfined

                [alpha]
                """);
    }

    @Test
    void unusedAndParentBookkeeping() {
        ContainerConfig c = ConfigParser.parse("100.conf", CURRENT).main();
        ContainerConfig one = SnapshotConfigs.addUnused(c, "local:100/vm-100-disk-9.raw");
        assertThat(one.get("unused1")).contains("local:100/vm-100-disk-9.raw");
        assertThat(SnapshotConfigs.addUnused(one, "local:100/vm-100-disk-3.raw")).isEqualTo(one); // no duplicates
        ContainerConfig child = c.with("parent", "s2");
        assertThat(SnapshotConfigs.unlinkParent(child, "s2", Optional.of("s1")).parent()).contains("s1");
        assertThat(SnapshotConfigs.unlinkParent(child, "s2", Optional.empty()).parent()).isEmpty();
        assertThat(SnapshotConfigs.unlinkParent(child, "other", Optional.empty()).parent()).contains("s2");
        assertThat(SnapshotConfigs.volumes(c)).containsExactly("local:100/vm-100-disk-0.raw", "local:100/vm-100-disk-1.raw",
                "local:100/vm-100-disk-2.raw");
    }
}
