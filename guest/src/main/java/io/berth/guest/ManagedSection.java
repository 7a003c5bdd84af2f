package io.berth.guest;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A block between {@code # --- BEGIN BERTH ---} and {@code # --- END BERTH ---} that setup owns inside a file the
 * admin may also edit. Everything outside it is kept, except lines the caller names as conflicting. Blocks left by
 * Proxmox ({@code PVE} markers) are taken over, so a migrated container does not end up with both.
 */
final class ManagedSection {
    private ManagedSection() {}

    static final String BEGIN = "# --- BEGIN BERTH ---";
    static final String END = "# --- END BERTH ---";
    /** Header of files setup owns entirely; stale ones carrying it are removed. */
    static final String OWNED_HEADER = "# Managed by Berth: rewritten at every container start."
            + " Create .berth-ignore.<filename> next to this file to keep your own.";

    /** The lines of {@code existing} outside any managed block, without those {@code drop} matches. */
    static List<String> outside(String existing, Predicate<String> drop) {
        List<String> kept = new ArrayList<>();
        boolean inside = false;
        for (String line : lines(existing)) {
            String t = line.strip();
            if (!inside && (t.equals(BEGIN) || t.equals("# --- BEGIN PVE ---"))) {
                inside = true;
            } else if (inside && (t.equals(END) || t.equals("# --- END PVE ---"))) {
                inside = false;
            } else if (!inside && !drop.test(line)) {
                kept.add(line);
            }
        }
        return kept;
    }

    /**
     * Rebuilds the file: kept lines plus the block, at the top or at the end. An empty body removes the block.
     * Applying it to its own output gives the same output.
     */
    static String place(List<String> kept, List<String> body, boolean atTop) {
        List<String> k = new ArrayList<>(kept);
        while (!k.isEmpty() && k.getLast().isBlank()) {
            k.removeLast();
        }
        if (atTop) {
            while (!k.isEmpty() && k.getFirst().isBlank()) {
                k.removeFirst();
            }
        }
        List<String> block = new ArrayList<>();
        if (!body.isEmpty()) {
            block.add(BEGIN);
            block.addAll(body);
            block.add(END);
        }
        List<String> all = new ArrayList<>();
        if (atTop) {
            all.addAll(block);
            all.addAll(k);
        } else {
            all.addAll(k);
            if (!k.isEmpty() && !block.isEmpty()) {
                all.add("");
            }
            all.addAll(block);
        }
        return all.isEmpty() ? "" : String.join("\n", all) + "\n";
    }

    static List<String> lines(String text) {
        if (text.isEmpty()) {
            return List.of();
        }
        String t = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        return List.of(t.split("\n", -1));
    }
}
