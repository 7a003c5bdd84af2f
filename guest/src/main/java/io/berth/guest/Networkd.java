package io.berth.guest;

import java.util.ArrayList;
import java.util.List;

/** systemd-networkd's /etc/systemd/network/NAME.network (Ubuntu >= 17.10, Arch, Fedora without NM). */
final class Networkd {
    private Networkd() {}

    static final String DIR = "/etc/systemd/network";

    static String path(GuestNet n) {
        return DIR + "/" + n.name() + ".network";
    }

    static String render(GuestNet n) {
        List<String> out = new ArrayList<>();
        List<String> routes = new ArrayList<>();
        out.add(ManagedSection.OWNED_HEADER);
        out.add("[Match]");
        out.add("Name = " + n.name());
        out.add("");
        out.add("[Network]");
        out.add("Description = Interface " + n.name() + " autoconfigured by Berth");
        boolean dhcp4 = false;
        boolean dhcp6 = false;
        boolean ra = false;
        if (n.ipv4().isPresent()) {
            switch (n.ipv4().get()) {
                case Ipv4Config.Static s -> {
                    out.add("Address = " + s.cidr());
                    s.gateway().ifPresent(gw -> gateway(out, routes, gw, s.gatewayOnLink()));
                }
                case Ipv4Config.Dhcp d -> dhcp4 = true;
                case Ipv4Config.Manual m -> { }
            }
        }
        if (n.ipv6().isPresent()) {
            switch (n.ipv6().get()) {
                case Ipv6Config.Static s -> {
                    out.add("Address = " + s.cidr());
                    s.gateway().ifPresent(gw -> gateway(out, routes, gw, s.gatewayOnLink()));
                }
                case Ipv6Config.Dhcp d -> {
                    dhcp6 = true;
                    ra = true;
                }
                case Ipv6Config.Auto a -> ra = true;
                case Ipv6Config.Manual m -> { }
            }
        }
        out.add("DHCP = " + (dhcp4 && dhcp6 ? "yes" : dhcp4 ? "ipv4" : dhcp6 ? "ipv6" : "no"));
        out.add("IPv6AcceptRA = " + ra);
        out.addAll(routes);
        return String.join("\n", out) + "\n";
    }

    private static void gateway(List<String> out, List<String> routes, String gw, boolean onLink) {
        if (onLink) {
            routes.add("");
            routes.add("[Route]");
            routes.add("Gateway = " + gw);
            routes.add("GatewayOnLink = true");
        } else {
            out.add("Gateway = " + gw);
        }
    }
}
