package io.berth.guest;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * NetworkManager keyfile /etc/NetworkManager/system-connections/NAME.nmconnection (RHEL-family >= 9, Fedora and
 * openSUSE with NetworkManager). NM ignores keyfiles that are not mode 0600.
 */
final class NmKeyfile {
    private NmKeyfile() {}

    static final String DIR = "/etc/NetworkManager/system-connections";

    static String path(GuestNet n) {
        return DIR + "/" + n.name() + ".nmconnection";
    }

    static String render(GuestNet n) {
        List<String> out = new ArrayList<>();
        out.add(ManagedSection.OWNED_HEADER);
        out.add("[connection]");
        out.add("id=" + n.name());
        // Stable across runs so NM sees the same connection, not a new one at every start.
        out.add("uuid=" + UUID.nameUUIDFromBytes(("berth:" + n.name()).getBytes(StandardCharsets.UTF_8)));
        out.add("type=ethernet");
        out.add("interface-name=" + n.name());
        out.add("autoconnect=true");
        out.add("");
        out.add("[ethernet]");
        out.add("");
        out.add("[ipv4]");
        if (n.ipv4().isEmpty()) {
            out.add("method=disabled");
        } else {
            switch (n.ipv4().get()) {
                case Ipv4Config.Static s -> {
                    out.add("method=manual");
                    out.add("address1=" + s.cidr() + s.gateway().map(g -> "," + g).orElse(""));
                    if (s.gatewayOnLink()) {
                        out.add("route1=0.0.0.0/0," + s.gateway().orElseThrow());
                        out.add("route1_options=onlink=true");
                    }
                }
                case Ipv4Config.Dhcp d -> out.add("method=auto");
                case Ipv4Config.Manual m -> out.add("method=disabled");
            }
        }
        out.add("");
        out.add("[ipv6]");
        out.add("addr-gen-mode=eui64");
        if (n.ipv6().isEmpty()) {
            out.add("method=ignore");
        } else {
            switch (n.ipv6().get()) {
                case Ipv6Config.Static s -> {
                    out.add("method=manual");
                    out.add("address1=" + s.cidr() + s.gateway().map(g -> "," + g).orElse(""));
                    if (s.gatewayOnLink()) {
                        out.add("route1=::/0," + s.gateway().orElseThrow());
                        out.add("route1_options=onlink=true");
                    }
                }
                case Ipv6Config.Dhcp d -> out.add("method=dhcp");
                case Ipv6Config.Auto a -> out.add("method=auto");
                case Ipv6Config.Manual m -> out.add("method=ignore");
            }
        }
        return String.join("\n", out) + "\n";
    }
}
