package io.berth.guest;

import java.util.Optional;

/**
 * One container network interface as the guest sees it.
 *
 * @param name interface name inside the container, e.g. {@code eth0}
 * @param ipv4 empty when the config has no {@code ip=}: the family is then not configured at all
 * @param ipv6 empty when the config has no {@code ip6=}
 */
public record GuestNet(String name, Optional<Ipv4Config> ipv4, Optional<Ipv6Config> ipv6) {
    public GuestNet {
        if (!name.matches("[A-Za-z0-9_.-]{1,15}") || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("name: bad interface name '" + name
                    + "' (allowed: 1-15 of A-Z a-z 0-9 _ . -)");
        }
    }

    /**
     * Builds from Proxmox's strings; null or blank means "not set".
     *
     * @param ip {@code dhcp|manual|A.B.C.D/N}
     * @param gw IPv4 gateway
     * @param ip6 {@code auto|dhcp|manual|X::/N}
     * @param gw6 IPv6 gateway
     */
    public static GuestNet of(String name, String ip, String gw, String ip6, String gw6) {
        Optional<Ipv4Config> v4 = blank(ip) ? Optional.empty() : Optional.of(Ipv4Config.parse(ip.strip(), gw));
        Optional<Ipv6Config> v6 = blank(ip6) ? Optional.empty() : Optional.of(Ipv6Config.parse(ip6.strip(), gw6));
        if (blank(ip) && !blank(gw)) {
            throw new IllegalArgumentException("gw: '" + gw + "' given without ip= on " + name
                    + " (a gateway needs a static address A.B.C.D/N)");
        }
        if (blank(ip6) && !blank(gw6)) {
            throw new IllegalArgumentException("gw6: '" + gw6 + "' given without ip6= on " + name
                    + " (a gateway needs a static address X::/N)");
        }
        return new GuestNet(name, v4, v6);
    }

    /** Parses Proxmox's {@code ip=} and {@code gw=}; exposed for callers that validate early. */
    public static Ipv4Config parseIpv4(String ip, String gw) {
        return Ipv4Config.parse(ip, gw);
    }

    /** Parses Proxmox's {@code ip6=} and {@code gw6=}. */
    public static Ipv6Config parseIpv6(String ip6, String gw6) {
        return Ipv6Config.parse(ip6, gw6);
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
