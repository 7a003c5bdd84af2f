package io.berth.guest;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The sysconfig ifcfg formats: Red Hat's network-scripts and SUSE's wicked. */
final class Ifcfg {
    private Ifcfg() {}

    static final String REDHAT_DIR = "/etc/sysconfig/network-scripts";
    static final String SUSE_DIR = "/etc/sysconfig/network";

    static String redhat(GuestNet n) {
        List<String> out = new ArrayList<>();
        out.add(ManagedSection.OWNED_HEADER);
        out.add("DEVICE=" + n.name());
        out.add("ONBOOT=yes");
        String proto = "none";
        List<String> v4 = new ArrayList<>();
        if (n.ipv4().isPresent()) {
            switch (n.ipv4().get()) {
                case Ipv4Config.Static s -> {
                    v4.add("IPADDR=" + s.address());
                    v4.add("NETMASK=" + s.netmask());
                    v4.add("PREFIX=" + s.prefix());
                    // An on-link gateway goes into route-NAME instead.
                    s.gateway().filter(g -> !s.gatewayOnLink()).ifPresent(g -> v4.add("GATEWAY=" + g));
                }
                case Ipv4Config.Dhcp d -> proto = "dhcp";
                case Ipv4Config.Manual m -> { }
            }
        }
        out.add("BOOTPROTO=" + proto);
        out.addAll(v4);
        if (n.ipv6().isEmpty()) {
            out.add("IPV6INIT=no");
        } else {
            out.add("IPV6INIT=yes");
            switch (n.ipv6().get()) {
                case Ipv6Config.Static s -> {
                    out.add("IPV6_AUTOCONF=no");
                    out.add("IPV6ADDR=" + s.cidr());
                    s.gateway().ifPresent(g -> out.add("IPV6_DEFAULTGW=" + g));
                }
                case Ipv6Config.Dhcp d -> {
                    out.add("IPV6_AUTOCONF=no");
                    out.add("DHCPV6C=yes");
                }
                case Ipv6Config.Auto a -> out.add("IPV6_AUTOCONF=yes");
                case Ipv6Config.Manual m -> out.add("IPV6_AUTOCONF=no");
            }
        }
        return String.join("\n", out) + "\n";
    }

    /** Red Hat route-NAME for an IPv4 gateway outside the subnet; empty when none is needed. */
    static Optional<String> redhatRoutes(GuestNet n) {
        return n.ipv4().flatMap(c -> c instanceof Ipv4Config.Static s && s.gatewayOnLink()
                ? Optional.of(ManagedSection.OWNED_HEADER + "\n" + s.gateway().orElseThrow() + " dev " + n.name()
                        + "\ndefault via " + s.gateway().orElseThrow() + " dev " + n.name() + "\n")
                : Optional.empty());
    }

    static String suse(GuestNet n) {
        List<String> out = new ArrayList<>();
        out.add(ManagedSection.OWNED_HEADER);
        out.add("STARTMODE='auto'");
        boolean d4 = n.ipv4().filter(c -> c instanceof Ipv4Config.Dhcp).isPresent();
        boolean d6 = n.ipv6().filter(c -> c instanceof Ipv6Config.Dhcp).isPresent();
        boolean static4 = n.ipv4().filter(c -> c instanceof Ipv4Config.Static).isPresent();
        boolean static6 = n.ipv6().filter(c -> c instanceof Ipv6Config.Static).isPresent();
        String proto = d4 && d6 ? "dhcp" : d4 ? "dhcp4" : d6 ? "dhcp6" : static4 || static6 ? "static" : "none";
        out.add("BOOTPROTO='" + proto + "'");
        n.ipv4().ifPresent(c -> {
            if (c instanceof Ipv4Config.Static s) {
                out.add("IPADDR='" + s.cidr() + "'");
            }
        });
        n.ipv6().ifPresent(c -> {
            if (c instanceof Ipv6Config.Static s) {
                out.add("IPADDR_V6='" + s.cidr() + "'");
            }
        });
        return String.join("\n", out) + "\n";
    }

    /** SUSE ifroute-NAME with the default routes; empty when there is no gateway. */
    static Optional<String> suseRoutes(GuestNet n) {
        List<String> out = new ArrayList<>();
        n.ipv4().ifPresent(c -> {
            if (c instanceof Ipv4Config.Static s && s.gateway().isPresent()) {
                out.add("default " + s.gateway().get() + " - " + n.name());
            }
        });
        n.ipv6().ifPresent(c -> {
            if (c instanceof Ipv6Config.Static s && s.gateway().isPresent()) {
                out.add("default " + s.gateway().get() + " - " + n.name());
            }
        });
        return out.isEmpty() ? Optional.empty()
                : Optional.of(ManagedSection.OWNED_HEADER + "\n" + String.join("\n", out) + "\n");
    }
}
