package io.berth.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ParsersTest {

    @Test
    void ipv4Forms() {
        assertThat(GuestNet.parseIpv4("dhcp", null)).isEqualTo(new Ipv4Config.Dhcp());
        assertThat(GuestNet.parseIpv4("manual", "")).isEqualTo(new Ipv4Config.Manual());
        Ipv4Config.Static s = (Ipv4Config.Static) GuestNet.parseIpv4("10.1.2.3/8", "10.0.0.1");
        assertThat(s.cidr()).isEqualTo("10.1.2.3/8");
        assertThat(s.netmask()).isEqualTo("255.0.0.0");
        assertThat(s.gatewayOnLink()).isFalse();
        assertThat(((Ipv4Config.Static) GuestNet.parseIpv4("10.1.2.3/32", "10.1.2.1")).gatewayOnLink()).isTrue();
    }

    @Test
    void ipv6Forms() {
        assertThat(GuestNet.parseIpv6("auto", null)).isEqualTo(new Ipv6Config.Auto());
        assertThat(GuestNet.parseIpv6("dhcp", null)).isEqualTo(new Ipv6Config.Dhcp());
        assertThat(GuestNet.parseIpv6("manual", null)).isEqualTo(new Ipv6Config.Manual());
        Ipv6Config.Static s = (Ipv6Config.Static) GuestNet.parseIpv6("2001:db8::5/64", "fe80::1");
        assertThat(s.cidr()).isEqualTo("2001:db8::5/64");
        assertThat(s.gatewayOnLink()).isTrue();
        assertThat(((Ipv6Config.Static) GuestNet.parseIpv6("2001:db8::5/64", "2001:db8::1")).gatewayOnLink())
                .isFalse();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "10.0.0.1|''|ip: bad value '10.0.0.1' (allowed: dhcp, manual, or A.B.C.D/N)",
            "10.0.0.1/33|''|ip: bad prefix length 33",
            "10.0.0.256/24|''|ip: bad IPv4 address '10.0.0.256'",
            "fd00::1/64|''|ip: bad IPv4 address 'fd00::1'",
            "dhcp|10.0.0.1|gw: '10.0.0.1' given with ip=dhcp",
            "10.0.0.2/24|nope|gw: bad IPv4 address 'nope'",
            "10.0.0.2/x|''|ip: bad prefix length in '10.0.0.2/x'"})
    void ipv4Errors(String ip, String gw, String message) {
        assertThatThrownBy(() -> GuestNet.parseIpv4(ip, gw)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "fd00::1|''|ip6: bad value 'fd00::1' (allowed: auto, dhcp, manual, or X::/N)",
            "fd00::1/129|''|ip6: bad prefix length 129",
            "10.0.0.1/24|''|ip6: bad IPv6 address '10.0.0.1'",
            "auto|fd00::1|gw6: 'fd00::1' given with ip6=auto",
            "fd00::zz/64|''|ip6: bad IPv6 address 'fd00::zz'"})
    void ipv6Errors(String ip, String gw, String message) {
        assertThatThrownBy(() -> GuestNet.parseIpv6(ip, gw)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void specValidation() {
        assertThatThrownBy(() -> GuestSpec.minimal("bad_name")).hasMessageContaining("hostname: bad value 'bad_name'");
        assertThatThrownBy(() -> GuestNet.of("eth0", null, "10.0.0.1", null, null))
                .hasMessageContaining("gw: '10.0.0.1' given without ip= on eth0");
        assertThatThrownBy(() -> GuestNet.of("../x", "dhcp", null, null, null))
                .hasMessageContaining("name: bad interface name '../x'");
        assertThatThrownBy(() -> new GuestSpec("a", Optional.empty(), List.of(), List.of(),
                Optional.of("../../etc/shadow"), Optional.empty(), List.of(), "", 0, 0))
                .hasMessageContaining("timezone: bad value '../../etc/shadow'");
        assertThatThrownBy(() -> new GuestSpec("a", Optional.empty(), List.of(), List.of(), Optional.empty(),
                Optional.of("$6$x:y"), List.of(), "", 0, 0)).hasMessageContaining("rootPasswordHash");
        assertThatThrownBy(() -> new GuestSpec("a", Optional.empty(), List.of(), List.of(), Optional.empty(),
                Optional.empty(), List.of("ssh-rsa A\nssh-rsa B"), "", 0, 0)).hasMessageContaining("ssh-public-keys");
        assertThat(GuestSpec.minimal("web").fqdn()).isEmpty();
        assertThat(GuestSpec.minimal("web.example.com").shortName()).isEqualTo("web");
    }

    @Property
    void ipv4StaticRoundTrips(@ForAll @IntRange(max = 255) int a, @ForAll @IntRange(max = 255) int b,
            @ForAll @IntRange(max = 255) int c, @ForAll @IntRange(max = 255) int d,
            @ForAll @IntRange(max = 32) int prefix) {
        String addr = a + "." + b + "." + c + "." + d;
        Ipv4Config.Static s = (Ipv4Config.Static) GuestNet.parseIpv4(addr + "/" + prefix, addr);
        assertThat(s.cidr()).isEqualTo(addr + "/" + prefix);
        // An address is always in its own subnet, and the netmask has exactly prefix one-bits.
        assertThat(s.gatewayOnLink()).isFalse();
        int ones = 0;
        for (String part : s.netmask().split("\\.")) {
            ones += Integer.bitCount(Integer.parseInt(part));
        }
        assertThat(ones).isEqualTo(prefix);
    }

    @Provide
    Arbitrary<List<String>> fileLines() {
        Arbitrary<String> line = Arbitraries.oneOf(
                Arbitraries.of("", "   ", "# comment", "nameserver 10.0.0.1", "search x", "options rotate",
                        ManagedSection.BEGIN, ManagedSection.END, "127.0.1.1 old", "127.0.0.1 localhost",
                        "auto eth0", "iface eth0 inet dhcp", "\taddress 1.2.3.4/24", "iface eth1 inet manual",
                        "auto lo eth0 eth1", "allow-hotplug eth0", "# --- BEGIN PVE ---", "# --- END PVE ---"),
                Arbitraries.strings().withChars("abc =#\t").ofMaxLength(12));
        return line.list().ofMaxSize(25);
    }

    @Provide
    Arbitrary<GuestNet> nets() {
        Arbitrary<String> ip = Arbitraries.of(null, "dhcp", "manual", "10.0.0.5/24", "10.0.0.5/32");
        Arbitrary<String> ip6 = Arbitraries.of(null, "dhcp", "auto", "manual", "fd00::5/64");
        return Combinators.combine(Arbitraries.of("eth0", "eth1", "eth2"), ip, ip6).as((n, a, b) -> GuestNet.of(
                n, a, a != null && a.contains("/") ? "10.0.0.1" : null, b, b != null && b.contains("/") ? "fd00::1"
                        : null));
    }

    @Property
    void managedFilesAreIdempotentForAnyPriorContent(@ForAll("fileLines") List<String> lines,
            @ForAll("nets") GuestNet n1) {
        String existing = String.join("\n", lines) + (lines.isEmpty() ? "" : "\n");
        List<GuestNet> nets = new ArrayList<>(List.of(n1));
        GuestSpec spec = new GuestSpec("ct.example.com", Optional.of("example.com"), List.of("192.0.2.1"), nets,
                Optional.empty(), Optional.empty(), List.of(), "", 0, 0);
        ResolvConf.Dns dns = ResolvConf.effective(spec, "");

        String i1 = Interfaces.render(existing, nets);
        assertThat(Interfaces.render(i1, nets)).isEqualTo(i1);
        String h1 = HostsFile.render(existing, spec);
        assertThat(HostsFile.render(h1, spec)).isEqualTo(h1);
        assertThat(h1.lines().filter(l -> l.startsWith("127.0.1.1"))).containsExactly("127.0.1.1 ct.example.com ct");
        String r1 = ResolvConf.render(existing, dns);
        assertThat(ResolvConf.render(r1, dns)).isEqualTo(r1);
        String g1 = Netifrc.render(existing, nets);
        assertThat(Netifrc.render(g1, nets)).isEqualTo(g1);
        // Exactly one managed block, whatever was there before.
        for (String out : List.of(i1, h1, r1)) {
            assertThat(out.lines().filter(ManagedSection.BEGIN::equals)).hasSize(1);
        }
    }

    @Property
    void interfacesKeepUnmanagedStanzas(@ForAll("nets") GuestNet n) {
        String existing = "auto eth7\niface eth7 inet static\n\taddress 10.7.7.7/24\n\nsource /etc/x\n";
        String out = Interfaces.render(existing, List.of(n));
        assertThat(out).contains("iface eth7 inet static\n\taddress 10.7.7.7/24", "source /etc/x");
        boolean managed = n.ipv4().isPresent() || n.ipv6().isPresent();
        assertThat(out.contains("auto " + n.name())).isEqualTo(managed);
    }
}
