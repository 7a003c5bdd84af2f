package io.berth.guest;

import java.util.ArrayList;
import java.util.List;

/** Shell-style {@code KEY=value} files (/etc/sysconfig/network, /etc/conf.d/hostname): set one key in place. */
final class KeyValueFile {
    private KeyValueFile() {}

    static String set(String existing, String key, String value) {
        List<String> out = new ArrayList<>();
        boolean done = false;
        for (String line : ManagedSection.lines(existing)) {
            if (line.strip().startsWith(key + "=")) {
                if (!done) {
                    out.add(key + "=" + value);
                    done = true;
                }
            } else {
                out.add(line);
            }
        }
        if (!done) {
            out.add(key + "=" + value);
        }
        return String.join("\n", out) + "\n";
    }
}
