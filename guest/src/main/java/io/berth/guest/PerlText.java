package io.berth.guest;

import java.util.ArrayList;
import java.util.List;

/** Text handling as Proxmox's setup code does it, where the exact bytes written depend on it. */
final class PerlText {
    private PerlText() {}

    /** Lines split on newline with trailing empty fields dropped (Perl's {@code split(/\n/, $text)}). */
    static List<String> lines(String text) {
        List<String> out = new ArrayList<>(List.of(text.split("\n", -1)));
        while (!out.isEmpty() && out.getLast().isEmpty()) {
            out.removeLast();
        }
        return out;
    }

    /** Removes one trailing newline. */
    static String chomp(String s) {
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }

    /** Proxmox's {@code split_list}: NUL-separated if it has a NUL, else on commas, semicolons and white space. */
    static List<String> splitList(String text) {
        if (text == null) {
            return List.of();
        }
        if (text.indexOf('\0') >= 0) {
            return List.of(text.split("\0"));
        }
        String t = text.replaceAll("[,;]", " ").replaceFirst("^\\s+", "");
        if (t.isEmpty()) {
            return List.of();
        }
        return List.of(t.split("\\s+"));
    }

    /** Perl truthiness of an optional string: defined, not empty and not "0". */
    static boolean truthy(String s) {
        return s != null && !s.isEmpty() && !s.equals("0");
    }
}
