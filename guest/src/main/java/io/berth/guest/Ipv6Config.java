package io.berth.guest;

import java.net.Inet6Address;
import java.util.Optional;

/** How an interface gets its IPv6 address: Proxmox's {@code ip6=auto|dhcp|manual|X::/N} plus {@code gw6=}. */
public sealed interface Ipv6Config {

    /** A fixed address with prefix length and an optional default gateway. */
    record Static(String address, int prefix, Optional<String> gateway) implements Ipv6Config {
        public Static {
            requireIpv6("ip6", address);
            if (prefix < 0 || prefix > 128) {
                throw new IllegalArgumentException("ip6: bad prefix length " + prefix + " in '" + address + "/"
                        + prefix + "' (allowed: 0..128)");
            }
            gateway.ifPresent(g -> requireIpv6("gw6", g));
        }

        public String cidr() {
            return address + "/" + prefix;
        }

        public boolean gatewayOnLink() {
            return gateway.map(g -> !IpMath.sameSubnet(address, g, prefix)).orElse(false);
        }
    }

    /** Stateful DHCPv6. */
    record Dhcp() implements Ipv6Config {}

    /** Stateless autoconfiguration (SLAAC) from router advertisements. */
    record Auto() implements Ipv6Config {}

    /** Left to the admin. */
    record Manual() implements Ipv6Config {}

    /**
     * Parses Proxmox's {@code ip6=} value together with {@code gw6=}.
     *
     * @param ip6 {@code auto}, {@code dhcp}, {@code manual} or {@code X::/N}
     * @param gw6 gateway address or null/blank; only allowed with a static address
     */
    static Ipv6Config parse(String ip6, String gw6) {
        boolean hasGw = gw6 != null && !gw6.isBlank();
        switch (ip6) {
            case "auto", "dhcp", "manual" -> {
                if (hasGw) {
                    throw new IllegalArgumentException("gw6: '" + gw6 + "' given with ip6=" + ip6
                            + " (a gateway is allowed only with a static address X::/N)");
                }
                return switch (ip6) {
                    case "auto" -> new Auto();
                    case "dhcp" -> new Dhcp();
                    default -> new Manual();
                };
            }
            default -> {
                int slash = ip6.indexOf('/');
                if (slash < 0) {
                    throw new IllegalArgumentException("ip6: bad value '" + ip6
                            + "' (allowed: auto, dhcp, manual, or X::/N)");
                }
                int prefix;
                try {
                    prefix = Integer.parseInt(ip6.substring(slash + 1));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("ip6: bad prefix length in '" + ip6 + "' (allowed: 0..128)");
                }
                return new Static(ip6.substring(0, slash), prefix,
                        hasGw ? Optional.of(gw6.strip()) : Optional.empty());
            }
        }
    }

    private static void requireIpv6(String key, String value) {
        // ofLiteral also takes IPv4 literals and returns an Inet4Address; reject those here.
        boolean ok = value.indexOf(':') >= 0 && !value.contains("%");
        if (ok) {
            try {
                Inet6Address.ofLiteral(value);
            } catch (IllegalArgumentException e) {
                ok = false;
            }
        }
        if (!ok) {
            throw new IllegalArgumentException(key + ": bad IPv6 address '" + value + "' (allowed: X:X::X)");
        }
    }
}
