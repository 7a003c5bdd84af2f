package io.berth.ct.backup;

import io.berth.error.InvalidInputException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Proxmox's {@code prune-backups} retention: {@code keep-all=1} or any of {@code keep-last}, {@code keep-hourly},
 * {@code keep-daily}, {@code keep-weekly}, {@code keep-monthly}, {@code keep-yearly}.
 */
public record PruneOptions(boolean keepAll, int last, int hourly, int daily, int weekly, int monthly, int yearly) {
    static final List<String> KEYS = List.of("keep-all", "keep-last", "keep-hourly", "keep-daily", "keep-weekly",
            "keep-monthly", "keep-yearly");

    public static final PruneOptions KEEP_ALL = new PruneOptions(true, 0, 0, 0, 0, 0, 0);

    public static PruneOptions parse(String text) {
        Map<String, Integer> v = new LinkedHashMap<>();
        for (String part : text.split(",")) {
            String p = part.strip();
            if (p.isEmpty()) continue;
            int eq = p.indexOf('=');
            String key = eq < 0 ? p : p.substring(0, eq), val = eq < 0 ? "" : p.substring(eq + 1);
            if (!KEYS.contains(key)) {
                throw new InvalidInputException("prune-backups", "prune-backups: unknown option '" + key + "'; allowed: " + String.join(", ", KEYS));
            }
            int n;
            try {
                n = Integer.parseInt(val);
            } catch (NumberFormatException e) {
                throw new InvalidInputException("prune-backups", "prune-backups: " + key + "='" + val + "' is invalid; allowed: an integer >= 0");
            }
            if (n < 0 || key.equals("keep-all") && n > 1) {
                throw new InvalidInputException("prune-backups", "prune-backups: " + key + "='" + val + "' is invalid; allowed: "
                        + (key.equals("keep-all") ? "0 or 1" : "an integer >= 0"));
            }
            if (v.put(key, n) != null) throw new InvalidInputException("prune-backups", "prune-backups: option '" + key + "' given twice");
        }
        boolean all = v.getOrDefault("keep-all", 0) == 1;
        if (all && v.entrySet().stream().anyMatch(e -> !e.getKey().equals("keep-all") && e.getValue() > 0)) {
            throw new InvalidInputException("prune-backups", "prune-backups: keep-all cannot be set together with other options");
        }
        return new PruneOptions(all, v.getOrDefault("keep-last", 0), v.getOrDefault("keep-hourly", 0),
                v.getOrDefault("keep-daily", 0), v.getOrDefault("keep-weekly", 0), v.getOrDefault("keep-monthly", 0),
                v.getOrDefault("keep-yearly", 0));
    }

    /** Keeps everything: {@code keep-all=1}, or no positive keep option (as Proxmox treats it). */
    public boolean keepsEverything() {
        return keepAll || last + hourly + daily + weekly + monthly + yearly == 0;
    }
}
