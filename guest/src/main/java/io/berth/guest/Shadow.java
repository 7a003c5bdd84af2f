package io.berth.guest;

import java.util.ArrayList;
import java.util.List;

/** Sets root's hash in /etc/shadow, keeping every other field and line. */
final class Shadow {
    private Shadow() {}

    static String withRootHash(String existing, String hash) {
        List<String> out = new ArrayList<>();
        boolean found = false;
        for (String line : ManagedSection.lines(existing)) {
            if (line.startsWith("root:")) {
                String[] f = line.split(":", -1);
                f[1] = hash;
                out.add(String.join(":", f));
                found = true;
            } else {
                out.add(line);
            }
        }
        if (!found) {
            out.addFirst("root:" + hash + "::0:99999:7:::");
        }
        return String.join("\n", out) + "\n";
    }
}
