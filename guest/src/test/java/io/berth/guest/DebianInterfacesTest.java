package io.berth.guest;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.config.ConfigParser;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DebianInterfacesTest {
    @Test void routesSetupWroteBeforeTheMarkersExistedAreReplacedOthersKept() {
        String old = """
                auto eth0
                iface eth0 inet static
                \taddress 10.0.0.2
                \tnetmask 255.255.255.0
                \tpost-up ip route add 192.168.1.1 dev eth0
                \tpost-up ip route add default via 192.168.1.1 dev eth0
                \tpre-down ip route del default via 192.168.1.1 dev eth0
                \tpre-down ip route del 192.168.1.1 dev eth0
                \tpost-up ip route add 10.99.0.0/16 via 10.0.0.254
                """;
        var nets = ConfigParser.parse("t", "net0: name=eth0,bridge=vmbr0,gw=10.0.0.1,ip=10.0.0.2/24\n").main().nets();
        assertThat(DebianInterfaces.render(Optional.of(old), nets, "debian", "9")).hasValue("""
                auto lo
                iface lo inet loopback
                iface lo inet6 loopback

                auto eth0
                iface eth0 inet static
                \taddress 10.0.0.2
                \tnetmask 255.255.255.0
                \tgateway 10.0.0.1
                \tpost-up ip route add 10.99.0.0/16 via 10.0.0.254

                """);
        assertThat(DebianInterfaces.render(Optional.of(old), ConfigParser.parse("t", "memory: 64\n").main().nets(), "debian", "12"))
                .isEmpty();
    }

    @Test void versionComparisonAsProxmox() {
        assertThat(DebianInterfaces.atLeast("3.13.0", 3, 13)).isTrue();
        assertThat(DebianInterfaces.atLeast("3.9.2", 3, 13)).isFalse();
        assertThat(DebianInterfaces.atLeast("10", 10, 0)).isTrue();
        assertThat(DebianInterfaces.atLeast("9", 10, 0)).isFalse();
        assertThat(DebianInterfaces.atLeast(null, 10, 0)).isFalse();
    }
}
