package io.berth.guest;

import java.util.ArrayList;
import java.util.List;

/** /etc/hosts: {@code 127.0.1.1 FQDN SHORT} in the managed block, localhost entries added when missing. */
final class HostsFile {
    private HostsFile() {}

    static String render(String existing, GuestSpec spec) {
        // An older 127.0.1.1 line outside our block would map the old name; it is replaced.
        List<String> kept = ManagedSection.outside(existing, l -> first(l).equals("127.0.1.1"));
        boolean v4Localhost = kept.stream().anyMatch(l -> first(l).equals("127.0.0.1") && names(l).contains(
                "localhost"));
        boolean v6Localhost = kept.stream().anyMatch(l -> first(l).equals("::1"));
        List<String> body = new ArrayList<>();
        if (!v4Localhost) {
            body.add("127.0.0.1 localhost");
        }
        if (!v6Localhost) {
            body.add("::1 localhost ip6-localhost ip6-loopback");
        }
        body.add("127.0.1.1 " + spec.fqdn().map(f -> f + " ").orElse("") + spec.shortName());
        return ManagedSection.place(kept, body, false);
    }

    private static String first(String line) {
        String t = line.strip();
        if (t.startsWith("#")) {
            return "";
        }
        return t.split("\\s+")[0];
    }

    private static List<String> names(String line) {
        String[] w = line.strip().split("#", 2)[0].strip().split("\\s+");
        return List.of(w).subList(1, w.length);
    }
}
