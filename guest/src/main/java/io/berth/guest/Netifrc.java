package io.berth.guest;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Gentoo's OpenRC netifrc /etc/conf.d/net: {@code config_NAME} and {@code routes_NAME} in the managed block. */
final class Netifrc {
    private Netifrc() {}

    static final String PATH = "/etc/conf.d/net";

    static String render(String existing, List<GuestNet> nets) {
        Set<String> managed = new HashSet<>();
        for (GuestNet n : nets) {
            if (n.ipv4().isPresent() || n.ipv6().isPresent()) {
                managed.add(n.name());
            }
        }
        // Single-line assignments for managed names would override ours; multi-line ones are left to the admin.
        List<String> kept = ManagedSection.outside(existing, l -> {
            String t = l.strip();
            for (String m : managed) {
                if (t.startsWith("config_" + m + "=") || t.startsWith("routes_" + m + "=")) {
                    return true;
                }
            }
            return false;
        });
        List<String> body = new ArrayList<>();
        for (GuestNet n : nets) {
            if (!managed.contains(n.name())) {
                continue;
            }
            List<String> config = new ArrayList<>();
            List<String> routes = new ArrayList<>();
            n.ipv4().ifPresent(c -> {
                switch (c) {
                    case Ipv4Config.Static s -> {
                        config.add(s.cidr());
                        s.gateway().ifPresent(g -> {
                            if (s.gatewayOnLink()) {
                                routes.add(g + " dev " + n.name());
                            }
                            routes.add("default via " + g);
                        });
                    }
                    case Ipv4Config.Dhcp d -> config.add("dhcp");
                    case Ipv4Config.Manual m -> { }
                }
            });
            n.ipv6().ifPresent(c -> {
                switch (c) {
                    case Ipv6Config.Static s -> {
                        config.add(s.cidr());
                        s.gateway().ifPresent(g -> {
                            if (s.gatewayOnLink()) {
                                routes.add(g + " dev " + n.name());
                            }
                            routes.add("default via " + g);
                        });
                    }
                    // netifrc runs dhcpcd for "dhcp", which also does DHCPv6 and SLAAC.
                    case Ipv6Config.Dhcp d -> {
                        if (!config.contains("dhcp")) {
                            config.add("dhcp");
                        }
                    }
                    case Ipv6Config.Auto a -> { }
                    case Ipv6Config.Manual m -> { }
                }
            });
            body.add("config_" + n.name() + "=\"" + (config.isEmpty() ? "null" : String.join("\n", config)) + "\"");
            if (!routes.isEmpty()) {
                body.add("routes_" + n.name() + "=\"" + String.join("\n", routes) + "\"");
            }
        }
        return ManagedSection.place(kept, body, false);
    }
}
