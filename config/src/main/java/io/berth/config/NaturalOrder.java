package io.berth.config;

import java.util.Comparator;

/** Key order for printing: by name, with a trailing index compared as a number ({@code mp2} before {@code mp10}). */
public final class NaturalOrder implements Comparator<String> {
    public static final NaturalOrder INSTANCE = new NaturalOrder();

    private NaturalOrder() {}

    @Override public int compare(String a, String b) {
        int ia = digitsStart(a);
        int ib = digitsStart(b);
        int c = a.substring(0, ia).compareTo(b.substring(0, ib));
        if (c != 0) return c;
        String na = a.substring(ia);
        String nb = b.substring(ib);
        if (na.length() != nb.length()) return Integer.compare(na.length(), nb.length());
        return na.compareTo(nb);
    }

    private static int digitsStart(String s) {
        int i = s.length();
        while (i > 0 && Character.isDigit(s.charAt(i - 1)) && s.charAt(i - 1) < 128) i--;
        return i;
    }
}
