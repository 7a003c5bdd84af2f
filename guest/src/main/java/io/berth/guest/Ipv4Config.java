package io.berth.guest;

import java.net.Inet4Address;
import java.util.Optional;

/** How an interface gets its IPv4 address: Proxmox's {@code ip=dhcp|manual|A.B.C.D/N} plus {@code gw=}. */
public sealed interface Ipv4Config {

    /** A fixed address with prefix length and an optional default gateway. */
    record Static(String address, int prefix, Optional<String> gateway) implements Ipv4Config {
        public Static {
            requireIpv4("ip", address);
            if (prefix < 0 || prefix > 32) {
                throw new IllegalArgumentException("ip: bad prefix length " + prefix + " in '" + address + "/"
                        + prefix + "' (allowed: 0..32)");
            }
            gateway.ifPresent(g -> requireIpv4("gw", g));
        }

        /** {@code A.B.C.D/N}. */
        public String cidr() {
            return address + "/" + prefix;
        }

        /** Dotted netmask for formats that want one (ifcfg). */
        public String netmask() {
            long mask = prefix == 0 ? 0 : (0xffffffffL << (32 - prefix)) & 0xffffffffL;
            return (mask >> 24 & 255) + "." + (mask >> 16 & 255) + "." + (mask >> 8 & 255) + "." + (mask & 255);
        }

        /** True when the gateway lies outside the address's subnet and needs an on-link route. */
        public boolean gatewayOnLink() {
            return gateway.map(g -> !IpMath.sameSubnet(address, g, prefix)).orElse(false);
        }
    }

    /** DHCPv4. */
    record Dhcp() implements Ipv4Config {}

    /** The interface is brought up but its IPv4 configuration is left to the admin. */
    record Manual() implements Ipv4Config {}

    /**
     * Parses Proxmox's {@code ip=} value together with {@code gw=}.
     *
     * @param ip {@code dhcp}, {@code manual} or {@code A.B.C.D/N}
     * @param gw gateway address or null/blank; only allowed with a static address
     */
    static Ipv4Config parse(String ip, String gw) {
        boolean hasGw = gw != null && !gw.isBlank();
        switch (ip) {
            case "dhcp", "manual" -> {
                if (hasGw) {
                    throw new IllegalArgumentException("gw: '" + gw + "' given with ip=" + ip
                            + " (a gateway is allowed only with a static address A.B.C.D/N)");
                }
                return ip.equals("dhcp") ? new Dhcp() : new Manual();
            }
            default -> {
                int slash = ip.indexOf('/');
                if (slash < 0) {
                    throw new IllegalArgumentException("ip: bad value '" + ip
                            + "' (allowed: dhcp, manual, or A.B.C.D/N)");
                }
                int prefix;
                try {
                    prefix = Integer.parseInt(ip.substring(slash + 1));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("ip: bad prefix length in '" + ip + "' (allowed: 0..32)");
                }
                return new Static(ip.substring(0, slash), prefix, hasGw ? Optional.of(gw.strip()) : Optional.empty());
            }
        }
    }

    private static void requireIpv4(String key, String value) {
        if (!value.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            throw new IllegalArgumentException(key + ": bad IPv4 address '" + value + "' (allowed: A.B.C.D)");
        }
        try {
            Inet4Address.ofLiteral(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + ": bad IPv4 address '" + value + "' (allowed: A.B.C.D)");
        }
    }
}
