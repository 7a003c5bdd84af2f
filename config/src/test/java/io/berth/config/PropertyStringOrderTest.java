package io.berth.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * What {@code pct set} stores for a mount point: Proxmox's print_property_string order (volume, the required mp, then
 * the options by name) and every option that was given, even at its default ({@code backup=0}, {@code ro=0}).
 */
class PropertyStringOrderTest {
    @Test void explicitDefaultsStayAndOptionsAreInProxmoxOrder() {
        assertThat(MountPoint.parse("mp0", "/srv,ro=1,mp=/data,backup=0").format()).isEqualTo("/srv,mp=/data,backup=0,ro=1");
        assertThat(MountPoint.parse("mp0", "local:100/vm-100-disk-1.raw,size=8G,replicate=1,quota=0,mp=/d,shared=0,ro=0,backup=1")
                .format()).isEqualTo("local:100/vm-100-disk-1.raw,mp=/d,backup=1,quota=0,replicate=1,ro=0,shared=0,size=8G");
        // not given: not printed
        assertThat(MountPoint.parse("mp1", "/srv,mp=/x").format()).isEqualTo("/srv,mp=/x");
        assertThat(MountPoint.parse("rootfs", "local:100/vm-100-disk-0.raw,size=4G,ro=0").format())
                .isEqualTo("local:100/vm-100-disk-0.raw,ro=0,size=4G");
        // a resize keeps what was given
        assertThat(MountPoint.parse("mp0", "/srv,mp=/data,backup=0").withSize(java.util.OptionalLong.of(1L << 30)).format())
                .isEqualTo("/srv,mp=/data,backup=0,size=1G");
    }
}
