package io.berth.ct.lifecycle;

import io.berth.ct.CtException;
import io.berth.idmap.IdKind;
import io.berth.idmap.IdMap;
import io.berth.idmap.IdMapEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * When newuidmap/newgidmap are installed, LXC maps ids through them even as root, and they only allow what
 * /etc/subuid and /etc/subgid grant to root (Proxmox hosts ship {@code root:100000:65536}). Checked before a start
 * so the admin gets this message instead of LXC's.
 */
public final class SubordinateIds {
    private SubordinateIds() {}

    public static void check(IdMap map) {
        if (map.isEmpty() || !Files.isExecutable(Path.of("/usr/bin/newuidmap"))) return;
        for (IdMapEntry e : map.entries()) {
            Path file = Path.of(e.kind() == IdKind.UID ? "/etc/subuid" : "/etc/subgid");
            if (!granted(file, e.hostStart(), e.count())) {
                throw new CtException("id map entry '" + e.toLxcValue() + "' is not granted to root in " + file
                        + " (newuidmap/newgidmap enforce it); add a line such as 'root:" + e.hostStart() + ":" + e.count() + "'");
            }
        }
    }

    static boolean granted(Path file, long start, long count) {
        List<String> lines;
        try {
            lines = Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (IOException e) {
            return false;
        }
        for (String l : lines) {
            String[] p = l.strip().split(":");
            if (p.length != 3 || !(p[0].equals("root") || p[0].equals("0"))) continue;
            try {
                long s = Long.parseLong(p[1]), c = Long.parseLong(p[2]);
                if (start >= s && start + count <= s + c) return true;
            } catch (NumberFormatException ignored) {
                // not an entry
            }
        }
        return false;
    }
}
