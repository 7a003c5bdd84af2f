package io.berth.guest;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** /etc/resolv.conf: search and nameserver lines in a managed block at the top; options and comments stay. */
final class ResolvConf {
    private ResolvConf() {}

    /** Nameservers and search domains to write; both empty means leave the file alone. */
    record Dns(List<String> nameservers, Optional<String> search) {}

    /**
     * The config's DNS, completed from the host's resolv.conf where the config has none (as Proxmox does).
     * Loopback nameservers of the host (a local resolver such as systemd-resolved's 127.0.0.53) would point at
     * the container itself and are skipped.
     */
    static Dns effective(GuestSpec spec, String hostResolvConf) {
        List<String> hostNs = new ArrayList<>();
        Optional<String> hostSearch = Optional.empty();
        for (String line : ManagedSection.lines(hostResolvConf)) {
            String[] w = line.strip().split("\\s+");
            if (w.length >= 2 && w[0].equals("nameserver") && !isLoopback(w[1]) && hostNs.size() < 3) {
                hostNs.add(w[1]);
            } else if (w.length >= 2 && (w[0].equals("search") || w[0].equals("domain"))) {
                hostSearch = Optional.of(String.join(" ", List.of(w).subList(1, w.length)));
            }
        }
        List<String> ns = spec.nameservers().isEmpty() ? hostNs : spec.nameservers();
        Optional<String> search = spec.searchdomain().map(String::strip).filter(s -> !s.isEmpty());
        if (search.isEmpty() && spec.nameservers().isEmpty()) {
            search = hostSearch;
        }
        return new Dns(ns, search);
    }

    static String render(String existing, Dns dns) {
        List<String> kept = ManagedSection.outside(existing, l -> {
            String w = l.strip().split("\\s+")[0];
            return w.equals("nameserver") || w.equals("search") || w.equals("domain");
        });
        List<String> body = new ArrayList<>();
        dns.search().ifPresent(s -> body.add("search " + s));
        for (String ns : dns.nameservers()) {
            body.add("nameserver " + ns);
        }
        return ManagedSection.place(kept, body, true);
    }

    private static boolean isLoopback(String ip) {
        return ip.startsWith("127.") || ip.equals("::1");
    }
}
