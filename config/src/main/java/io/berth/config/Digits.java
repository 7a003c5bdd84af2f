package io.berth.config;

/**
 * Digit-string checks without a regex: {@code String.matches} compiles its pattern on every call, and these run for
 * every value of every config read (a `berth list` of 100 containers reads thousands).
 */
final class Digits {
    private Digits() {}

    /** {@code -?\d{1,maxDigits}} (the sign only when {@code signed}). */
    static boolean integer(String s, int maxDigits, boolean signed) {
        int start = signed && s.startsWith("-") ? 1 : 0;
        return run(s, start, s.length()) && s.length() - start <= maxDigits;
    }

    /** {@code \d{1,maxDigits}(?:\.\d{1,maxDigits})?}. */
    static boolean decimal(String s, int maxDigits) {
        int dot = s.indexOf('.');
        if (dot < 0) return run(s, 0, s.length()) && s.length() <= maxDigits;
        return run(s, 0, dot) && dot <= maxDigits && run(s, dot + 1, s.length()) && s.length() - dot - 1 <= maxDigits;
    }

    /** {@code 0|[1-9]\d{0,maxDigits-1}}: an index without leading zeros. */
    static boolean index(String s, int maxDigits) {
        return run(s, 0, s.length()) && s.length() <= maxDigits && (s.length() == 1 || s.charAt(0) != '0');
    }

    /** At least one character, all ASCII digits. */
    private static boolean run(String s, int from, int to) {
        if (to <= from) return false;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') return false;
        }
        return true;
    }
}
