package io.berth.guest;

import io.berth.config.NetConfig;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * /etc/network/interfaces (Debian, Ubuntu before 17.10, Devuan, Alpine) rewritten as Proxmox does: stanzas of
 * configured interfaces are regenerated in place, options an admin added to a static stanza ({@code post-up},
 * routes, bridge options) are kept, everything else (comments, other interfaces, {@code source} lines) stays as
 * it was; gateways outside the subnet get on-link routes in a {@code # --- BEGIN PVE ---} block. Pure.
 */
final class DebianInterfaces {
    private DebianInterfaces() {}

    private static final Pattern IPV6_CIDR = Pattern.compile("([0-9a-fA-F:.]+)/(\\d+)");
    private static final Pattern MARKER = Pattern.compile("# --- (?:BEGIN|END) PVE ---.*");
    private static final Pattern IFACE4 = Pattern.compile("\\s*iface\\s+(\\S+)\\s+inet\\s+(\\S+)\\s*");
    private static final Pattern IFACE6 = Pattern.compile("\\s*iface\\s+(\\S+)\\s+inet6\\s+(\\S+)\\s*");
    private static final Pattern AUTO = Pattern.compile("\\s*auto\\s*(.*)");
    private static final Pattern OTHER_SECTION = Pattern.compile("\\s*(?:mapping\\s|allow-|source\\s|source-directory\\s).*");
    private static final Pattern ATTR = Pattern.compile("\\s*((\\S+)\\s(.*))");

    /** What one interface gets; null fields are unset. */
    private static final class Net {
        String address;
        String netmask;
        String cidr;
        String gateway;
        boolean needsroute;
        String address6;
        String netmask6;
        String cidr6;
        String gateway6;
        boolean needsroute6;

        boolean empty() {
            return address == null && gateway == null && address6 == null && gateway6 == null;
        }
    }

    private record Section(boolean v4, String ifname, List<String> attr) {}

    /**
     * The new file, or empty when no interface has anything to configure (the file is then left alone).
     *
     * @param existing the current file, if any
     * @param os the ostype ({@code debian}, {@code alpine}, ...): Debian 10+ and Alpine 3.13+ get
     *     {@code address A/N}, the others {@code address} and {@code netmask}
     * @param version the distribution version as read from the rootfs
     */
    static Optional<String> render(Optional<String> existing, Map<Integer, NetConfig> nets, String os, String version) {
        TreeMap<String, Net> networks = new TreeMap<>();
        for (NetConfig d : nets.values()) {
            Net net = new Net();
            String cidr = null;
            if (d.ip().isPresent()) {
                String ip = d.ip().get();
                if (ip.equals("dhcp") || ip.equals("manual")) {
                    net.address = ip;
                } else {
                    PveNet.Ipv4Cidr c = PveNet.parseIpv4Cidr(ip);
                    net.address = c.address();
                    net.netmask = c.netmask();
                    net.cidr = ip;
                    cidr = ip;
                }
            }
            if (d.gw().isPresent()) {
                net.gateway = d.gw().get();
                if (cidr != null && !PveNet.inCidr(d.gw().get(), cidr, 4)) {
                    net.needsroute = true;
                }
            }
            cidr = null;
            if (d.ip6().isPresent()) {
                String ip6 = d.ip6().get();
                if (ip6.equals("auto") || ip6.equals("dhcp") || ip6.equals("manual")) {
                    net.address6 = ip6;
                } else {
                    Matcher m = IPV6_CIDR.matcher(ip6);
                    if (!m.matches()) {
                        throw new GuestSetupException("unable to parse ipv6 address/prefix '" + ip6 + "' of " + d.name());
                    }
                    net.address6 = m.group(1);
                    net.netmask6 = m.group(2);
                    net.cidr6 = ip6;
                    cidr = ip6;
                }
            }
            if (d.gw6().isPresent()) {
                net.gateway6 = d.gw6().get();
                if (cidr != null && !PveNet.inCidr(d.gw6().get(), cidr, 6) && !PveNet.inCidr(d.gw6().get(), "fe80::/10", 6)) {
                    net.needsroute6 = true;
                }
            }
            if (!net.empty()) {
                networks.put(d.name(), net);
            }
        }
        if (networks.isEmpty()) {
            return Optional.empty();
        }
        boolean cidrForm = os.equals("debian") && atLeast(version, 10, 0) || os.equals("alpine") && atLeast(version, 3, 13);
        Writer w = new Writer(networks, cidrForm);
        if (existing.isPresent()) {
            for (String line : lines(existing.get())) {
                w.line(line);
            }
            w.printSection();
        }
        boolean needSeparator = !w.out.isEmpty() && !w.out.toString().endsWith("\n\n");
        for (Map.Entry<String, Net> e : networks.entrySet()) {
            String ifname = e.getKey();
            if (!w.doneV4.contains(ifname) && e.getValue().address != null) {
                if (needSeparator) {
                    w.out.append('\n');
                    needSeparator = false;
                }
                w.section = new Section(true, ifname, new ArrayList<>());
                w.printSection();
            }
            if (!w.doneV6.contains(ifname) && e.getValue().address6 != null) {
                if (needSeparator) {
                    w.out.append('\n');
                    needSeparator = false;
                }
                w.section = new Section(false, ifname, new ArrayList<>());
                w.printSection();
            }
        }
        String text = w.out.toString();
        if (!w.doneAuto.contains("lo")) {
            text = "auto lo\niface lo inet loopback\niface lo inet6 loopback\n\n" + text;
        }
        return Optional.of(text);
    }

    /** Lines as a line-by-line read sees them: split on newline, a final newline does not start another line. */
    private static List<String> lines(String text) {
        if (text.isEmpty()) {
            return List.of();
        }
        String t = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        return List.of(t.split("\n", -1));
    }

    private static final class Writer {
        final StringBuilder out = new StringBuilder();
        final Set<String> doneAuto = new HashSet<>();
        final Set<String> doneV4 = new HashSet<>();
        final Set<String> doneV6 = new HashSet<>();
        final Map<String, Net> networks;
        final boolean cidrForm;
        Section section;

        Writer(Map<String, Net> networks, boolean cidrForm) {
            this.networks = networks;
            this.cidrForm = cidrForm;
        }

        void line(String line) {
            if (MARKER.matcher(line).matches()) {
                if (section != null) {
                    section.attr().add(line);
                }
                return;
            }
            if (line.startsWith("#")) {
                out.append(line).append('\n');
                return;
            }
            if (line.isBlank()) {
                if (section != null) {
                    printSection();
                } else {
                    out.append(line).append('\n');
                }
                return;
            }
            Matcher m = IFACE4.matcher(line);
            boolean v4 = m.matches();
            if (!v4) {
                m = IFACE6.matcher(line);
            }
            if (v4 || m.matches()) {
                String ifname = m.group(1);
                printSection();
                if (!networks.containsKey(ifname)) {
                    out.append(line).append('\n');
                    return;
                }
                section = new Section(v4, ifname, new ArrayList<>());
                return;
            }
            m = AUTO.matcher(line);
            if (m.matches()) {
                for (String iface : m.group(1).split("\\s+")) {
                    if (!iface.isEmpty()) {
                        doneAuto.add(iface);
                    }
                }
                printSection();
                out.append(line).append('\n');
                return;
            }
            if (OTHER_SECTION.matcher(line).matches()) {
                printSection();
                out.append(line).append('\n');
                return;
            }
            m = ATTR.matcher(line);
            if (section != null && m.matches()) {
                String name = m.group(2);
                if (!List.of("address", "netmask", "gateway", "broadcast").contains(name)) {
                    section.attr().add(m.group(1));
                }
                return;
            }
            out.append(line).append('\n');
        }

        void printSection() {
            if (section == null) {
                return;
            }
            String ifname = section.ifname();
            Net net = networks.get(ifname);
            if (doneAuto.add(ifname)) {
                out.append("auto ").append(ifname).append('\n');
            }
            if (section.v4()) {
                doneV4.add(ifname);
                stanza("inet", ifname, net.address, net.netmask, net.cidr, net.gateway, net.needsroute,
                        List.of("dhcp", "manual"));
            } else {
                doneV6.add(ifname);
                stanza("inet6", ifname, net.address6, net.netmask6, net.cidr6, net.gateway6, net.needsroute6,
                        List.of("auto", "dhcp", "manual"));
            }
            section = null;
        }

        private void stanza(String family, String ifname, String address, String netmask, String cidr, String gateway,
                            boolean needsroute, List<String> methods) {
            if (address == null) {
                return;
            }
            if (methods.contains(address)) {
                out.append("iface ").append(ifname).append(' ').append(family).append(' ').append(address).append("\n\n");
                return;
            }
            out.append("iface ").append(ifname).append(' ').append(family).append(" static\n");
            if (cidrForm) {
                if (cidr != null) {
                    out.append("\taddress ").append(cidr).append('\n');
                }
            } else {
                out.append("\taddress ").append(address).append('\n');
                if (netmask != null) {
                    out.append("\tnetmask ").append(netmask).append('\n');
                }
            }
            List<String> attr = removeGatewayScripts(section.attr());
            if (gateway != null) {
                if (needsroute) {
                    out.append(gatewayScripts(ifname, gateway));
                } else {
                    out.append("\tgateway ").append(gateway).append('\n');
                }
            }
            for (String a : attr) {
                out.append('\t').append(a).append('\n');
            }
            out.append('\n');
        }
    }

    static String gatewayScripts(String ifname, String gw) {
        return CtFiles.BEGIN + "\n"
                + "\tpost-up ip route add " + gw + " dev " + ifname + "\n"
                + "\tpost-up ip route add default via " + gw + " dev " + ifname + "\n"
                + "\tpre-down ip route del default via " + gw + " dev " + ifname + "\n"
                + "\tpre-down ip route del " + gw + " dev " + ifname + "\n"
                + CtFiles.END + "\n";
    }

    private static final Pattern UP_ROUTE = Pattern.compile("\\s*post-up\\s+ip\\s+route\\s+add\\s+(\\S+)\\s+dev\\s+(\\S+)");
    private static final Pattern UP_DEFAULT = Pattern.compile("\\s*post-up\\s+ip\\s+route\\s+add\\s+default\\s+via\\s+(\\S+)\\s+dev\\s+(\\S+)");
    private static final Pattern DOWN_DEFAULT = Pattern.compile("\\s*pre-down\\s+ip\\s+route\\s+del\\s+default\\s+via\\s+(\\S+)\\s+dev\\s+(\\S+)");
    private static final Pattern DOWN_ROUTE = Pattern.compile("\\s*pre-down\\s+ip\\s+route\\s+del\\s+(\\S+)\\s+dev\\s+(\\S+)");

    /**
     * Drops the routes setup added before: the marked block, or (for files from before the markers) the exact
     * four route lines setup used to write.
     */
    static List<String> removeGatewayScripts(List<String> attr) {
        List<String> out = new ArrayList<>();
        boolean found = false;
        boolean keep = true;
        for (String a : attr) {
            if (a.equals(CtFiles.BEGIN)) {
                found = true;
                keep = false;
            } else if (a.equals(CtFiles.END)) {
                found = true;
                keep = true;
            } else if (keep) {
                out.add(a);
            }
        }
        if (found) {
            return out;
        }
        for (int i = 0; i < out.size() - 3; i++) {
            Matcher m0 = UP_ROUTE.matcher(out.get(i));
            if (!m0.matches()) {
                continue;
            }
            String ip = m0.group(1);
            String dev = m0.group(2);
            if (same(UP_DEFAULT, out.get(i + 1), ip, dev) && same(DOWN_DEFAULT, out.get(i + 2), ip, dev)
                    && same(DOWN_ROUTE, out.get(i + 3), ip, dev)) {
                out.subList(i, i + 4).clear();
                i--;
            }
        }
        return out;
    }

    private static boolean same(Pattern p, String line, String ip, String dev) {
        Matcher m = p.matcher(line);
        return m.matches() && m.group(1).equals(ip) && m.group(2).equals(dev);
    }

    /** Proxmox's version comparison: {@code MAJ[.MIN]} of {@code version} at least {@code maj.min}. */
    static boolean atLeast(String version, int wantMaj, int wantMin) {
        if (version == null) {
            return false;
        }
        Matcher m = Pattern.compile("^(\\d+)(?:\\.(\\d+))?").matcher(version);
        if (!m.find()) {
            return false;
        }
        long maj = Long.parseLong(m.group(1));
        if (wantMaj < maj) {
            return true;
        }
        if (wantMaj != maj) {
            return false;
        }
        return m.group(2) == null ? wantMin == 0 : wantMin <= Long.parseLong(m.group(2));
    }
}
