package io.berth.guest;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * ifupdown's /etc/network/interfaces (Debian, Devuan, old Ubuntu, Alpine). Stanzas of the interfaces setup manages
 * are removed from the admin's part (as Proxmox does) and written in the managed block; all other stanzas stay.
 */
final class Interfaces {
    private Interfaces() {}

    static String render(String existing, List<GuestNet> nets) {
        Set<String> managed = new HashSet<>();
        for (GuestNet n : nets) {
            if (n.ipv4().isPresent() || n.ipv6().isPresent()) {
                managed.add(n.name());
            }
        }
        List<String> kept = dropStanzas(ManagedSection.outside(existing, l -> false), managed);
        boolean hasLo = kept.stream().anyMatch(l -> l.strip().matches("iface\\s+lo\\s.*"));
        List<String> body = new ArrayList<>();
        if (!hasLo) {
            body.add("auto lo");
            body.add("iface lo inet loopback");
        }
        for (GuestNet n : nets) {
            if (!managed.contains(n.name())) {
                continue;
            }
            if (!body.isEmpty()) {
                body.add("");
            }
            body.add("auto " + n.name());
            n.ipv4().ifPresent(c -> stanza4(body, n.name(), c));
            n.ipv6().ifPresent(c -> {
                if (n.ipv4().isPresent()) {
                    body.add("");
                }
                stanza6(body, n.name(), c);
            });
        }
        return ManagedSection.place(kept, body, false);
    }

    private static void stanza4(List<String> out, String dev, Ipv4Config c) {
        switch (c) {
            case Ipv4Config.Static s -> {
                out.add("iface " + dev + " inet static");
                out.add("\taddress " + s.cidr());
                s.gateway().ifPresent(gw -> {
                    if (s.gatewayOnLink()) {
                        onLinkRoutes(out, dev, gw, "");
                    } else {
                        out.add("\tgateway " + gw);
                    }
                });
            }
            case Ipv4Config.Dhcp d -> out.add("iface " + dev + " inet dhcp");
            case Ipv4Config.Manual m -> out.add("iface " + dev + " inet manual");
        }
    }

    private static void stanza6(List<String> out, String dev, Ipv6Config c) {
        switch (c) {
            case Ipv6Config.Static s -> {
                out.add("iface " + dev + " inet6 static");
                out.add("\taddress " + s.cidr());
                s.gateway().ifPresent(gw -> {
                    if (s.gatewayOnLink()) {
                        onLinkRoutes(out, dev, gw, " -6");
                    } else {
                        out.add("\tgateway " + gw);
                    }
                });
            }
            case Ipv6Config.Dhcp d -> out.add("iface " + dev + " inet6 dhcp");
            case Ipv6Config.Auto a -> out.add("iface " + dev + " inet6 auto");
            case Ipv6Config.Manual m -> out.add("iface " + dev + " inet6 manual");
        }
    }

    // A gateway outside the subnet needs a host route first; ifupdown's "gateway" cannot express that.
    private static void onLinkRoutes(List<String> out, String dev, String gw, String family) {
        out.add("\tpost-up ip" + family + " route add " + gw + " dev " + dev);
        out.add("\tpost-up ip" + family + " route add default via " + gw + " dev " + dev);
        out.add("\tpre-down ip" + family + " route del default via " + gw + " dev " + dev);
        out.add("\tpre-down ip" + family + " route del " + gw + " dev " + dev);
    }

    /** Removes {@code iface NAME} stanzas and NAME from auto/allow-* lines for the managed names. */
    static List<String> dropStanzas(List<String> lines, Set<String> managed) {
        List<String> out = new ArrayList<>();
        boolean skipping = false;
        for (String line : lines) {
            String t = line.strip();
            boolean indented = !line.isEmpty() && Character.isWhitespace(line.charAt(0));
            if (skipping) {
                if (indented && !t.isEmpty()) {
                    continue;
                }
                skipping = false;
                if (t.isEmpty()) {
                    // the blank line that separated the removed stanza from the next one
                    continue;
                }
            }
            String[] w = t.split("\\s+");
            if (w.length >= 2 && (w[0].equals("iface") || w[0].equals("mapping")) && managed.contains(w[1])) {
                skipping = true;
                continue;
            }
            if (w.length >= 2 && (w[0].equals("auto") || w[0].startsWith("allow-"))) {
                List<String> rest = new ArrayList<>();
                for (int i = 1; i < w.length; i++) {
                    if (!managed.contains(w[i])) {
                        rest.add(w[i]);
                    }
                }
                if (rest.size() != w.length - 1) {
                    if (!rest.isEmpty()) {
                        out.add(w[0] + " " + String.join(" ", rest));
                    }
                    continue;
                }
            }
            out.add(line);
        }
        // Collapse the runs of blank lines that removed stanzas leave behind.
        List<String> tidy = new ArrayList<>();
        for (String l : out) {
            if (l.isBlank() && !tidy.isEmpty() && tidy.getLast().isBlank()) {
                continue;
            }
            tidy.add(l);
        }
        return tidy;
    }
}
