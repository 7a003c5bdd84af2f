package io.berth.config;

import java.net.Inet6Address;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code netN}: {@code name=eth0[,bridge=vmbr0][,hwaddr=MAC][,ip=CIDR|dhcp|manual][,gw=IP][,ip6=CIDR|auto|dhcp|manual]
 * [,gw6=IP][,mtu=N][,rate=MB/s][,tag=VLAN][,trunks=V;V][,firewall=0|1][,link_down=0|1][,type=veth][,host-managed=0|1]}.
 * {@code host-managed}: the host, not the guest, configures the interface's addresses (Proxmox's OCI-style containers).
 */
public record NetConfig(String name, Optional<String> bridge, Optional<String> hwaddr, Optional<String> ip,
                        Optional<String> gw, Optional<String> ip6, Optional<String> gw6, OptionalInt mtu,
                        OptionalDouble rate, OptionalInt tag, List<Integer> trunks, boolean firewall,
                        boolean linkDown, Optional<String> type, boolean hostManaged) {
    private static final Set<String> OPTS = Set.of("name", "bridge", "hwaddr", "ip", "gw", "ip6", "gw6", "mtu", "rate",
            "tag", "trunks", "firewall", "link_down", "type", "host-managed");
    private static final Pattern IFNAME = Pattern.compile("[a-zA-Z0-9_.\\-]{1,15}");
    private static final Pattern MAC = Pattern.compile("[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}");
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern RATE = Pattern.compile("\\d{1,9}(?:\\.\\d{1,9})?");

    public NetConfig {
        trunks = List.copyOf(trunks);
    }

    public static NetConfig parse(String value) {
        Map<String, String> o = PropertyString.parse(value, null, OPTS);
        String name = o.get("name");
        if (name == null) throw new ConfigValueException("missing option 'name' (the interface name in the container, e.g. name=eth0)");
        check(IFNAME.matcher(name).matches(), "name", name, "an interface name of 1-15 characters [a-zA-Z0-9_.-]");
        opt(o, "bridge").ifPresent(b -> check(IFNAME.matcher(b).matches(), "bridge", b, "a bridge name of 1-15 characters [a-zA-Z0-9_.-]"));
        opt(o, "hwaddr").ifPresent(h -> check(MAC.matcher(h).matches() && (Integer.parseInt(h.substring(0, 2), 16) & 1) == 0,
                "hwaddr", h, "a unicast MAC address XX:XX:XX:XX:XX:XX (first octet even)"));
        opt(o, "ip").ifPresent(v -> check(v.equals("dhcp") || v.equals("manual") || isIpv4Cidr(v), "ip", v,
                "dhcp, manual or an IPv4 address with prefix length, e.g. 192.168.1.10/24"));
        opt(o, "gw").ifPresent(v -> check(isIpv4(v), "gw", v, "an IPv4 address"));
        opt(o, "ip6").ifPresent(v -> check(v.equals("auto") || v.equals("dhcp") || v.equals("manual") || isIpv6Cidr(v), "ip6", v,
                "auto, dhcp, manual or an IPv6 address with prefix length, e.g. fd00::10/64"));
        opt(o, "gw6").ifPresent(v -> check(isIpv6(v), "gw6", v, "an IPv6 address"));
        OptionalInt mtu = o.containsKey("mtu") ? OptionalInt.of((int) PropertyString.integer("mtu", o.get("mtu"), 64, 65535)) : OptionalInt.empty();
        OptionalDouble rate = OptionalDouble.empty();
        if (o.containsKey("rate")) {
            String r = o.get("rate");
            check(RATE.matcher(r).matches(), "rate", r, "a rate limit in MB/s, a number >= 0");
            rate = OptionalDouble.of(Double.parseDouble(r));
        }
        OptionalInt tag = o.containsKey("tag") ? OptionalInt.of((int) PropertyString.integer("tag", o.get("tag"), 1, 4094)) : OptionalInt.empty();
        List<Integer> trunks = new ArrayList<>();
        if (o.containsKey("trunks")) {
            for (String t : o.get("trunks").split(";", -1)) trunks.add((int) PropertyString.integer("trunks", t, 1, 4094));
        }
        opt(o, "type").ifPresent(t -> check(t.equals("veth"), "type", t, "veth"));
        return new NetConfig(name, opt(o, "bridge"), opt(o, "hwaddr"), opt(o, "ip"), opt(o, "gw"), opt(o, "ip6"), opt(o, "gw6"),
                mtu, rate, tag, trunks, o.containsKey("firewall") && PropertyString.bool("firewall", o.get("firewall")),
                o.containsKey("link_down") && PropertyString.bool("link_down", o.get("link_down")), opt(o, "type"),
                o.containsKey("host-managed") && PropertyString.bool("host-managed", o.get("host-managed")));
    }

    private static Optional<String> opt(Map<String, String> o, String k) { return Optional.ofNullable(o.get(k)); }

    private static void check(boolean ok, String k, String v, String allowed) {
        if (!ok) throw new ConfigValueException("option '" + k + "' value '" + v + "' is invalid; allowed: " + allowed);
    }

    static boolean isIpv4(String s) {
        Matcher m = IPV4.matcher(s);
        if (!m.matches()) return false;
        for (int i = 1; i <= 4; i++) if (Integer.parseInt(m.group(i)) > 255) return false;
        return true;
    }

    static boolean isIpv4Cidr(String s) {
        int slash = s.indexOf('/');
        return slash > 0 && isIpv4(s.substring(0, slash)) && s.substring(slash + 1).matches("\\d{1,2}")
                && Integer.parseInt(s.substring(slash + 1)) <= 32;
    }

    static boolean isIpv6(String s) {
        if (!s.contains(":") || !s.matches("[0-9a-fA-F:.]{2,45}")) return false;
        try {
            Inet6Address.ofLiteral(s);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    static boolean isIpv6Cidr(String s) {
        int slash = s.indexOf('/');
        return slash > 0 && isIpv6(s.substring(0, slash)) && s.substring(slash + 1).matches("\\d{1,3}")
                && Integer.parseInt(s.substring(slash + 1)) <= 128;
    }

    /** Name first, then the set options alphabetically, as pve prints it. */
    public String format() {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("name", name);
        bridge.ifPresent(v -> o.put("bridge", v));
        if (firewall) o.put("firewall", "1");
        gw.ifPresent(v -> o.put("gw", v));
        gw6.ifPresent(v -> o.put("gw6", v));
        if (hostManaged) o.put("host-managed", "1");
        hwaddr.ifPresent(v -> o.put("hwaddr", v));
        ip.ifPresent(v -> o.put("ip", v));
        ip6.ifPresent(v -> o.put("ip6", v));
        if (linkDown) o.put("link_down", "1");
        mtu.ifPresent(v -> o.put("mtu", Integer.toString(v)));
        rate.ifPresent(v -> o.put("rate", v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v)));
        tag.ifPresent(v -> o.put("tag", Integer.toString(v)));
        if (!trunks.isEmpty()) o.put("trunks", String.join(";", trunks.stream().map(String::valueOf).toList()));
        type.ifPresent(v -> o.put("type", v));
        StringBuilder sb = new StringBuilder();
        o.forEach((k, v) -> sb.append(sb.isEmpty() ? "" : ",").append(k).append('=').append(v));
        return sb.toString();
    }
}
