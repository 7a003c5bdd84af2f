package io.berth.guest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** crypt(3) with SHA-512 ({@code $6$SALT$HASH}, 5000 rounds), as glibc computes it; for /etc/shadow. */
final class Sha512Crypt {
    private Sha512Crypt() {}

    private static final String ITOA64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static final int ROUNDS = 5000;
    private static final int[][] ORDER = {
        {0, 21, 42}, {22, 43, 1}, {44, 2, 23}, {3, 24, 45}, {25, 46, 4}, {47, 5, 26}, {6, 27, 48}, {28, 49, 7},
        {50, 8, 29}, {9, 30, 51}, {31, 52, 10}, {53, 11, 32}, {12, 33, 54}, {34, 55, 13}, {56, 14, 35},
        {15, 36, 57}, {37, 58, 16}, {59, 17, 38}, {18, 39, 60}, {40, 61, 19}, {62, 20, 41}};

    static String crypt(String password, String salt) {
        byte[] p = password.getBytes(StandardCharsets.UTF_8);
        byte[] s = salt.substring(0, Math.min(16, salt.length())).getBytes(StandardCharsets.UTF_8);
        MessageDigest b = sha512();
        b.update(p);
        b.update(s);
        b.update(p);
        byte[] bd = b.digest();
        MessageDigest a = sha512();
        a.update(p);
        a.update(s);
        int cnt;
        for (cnt = p.length; cnt > 64; cnt -= 64) {
            a.update(bd);
        }
        a.update(bd, 0, cnt);
        for (cnt = p.length; cnt > 0; cnt >>= 1) {
            if ((cnt & 1) != 0) {
                a.update(bd);
            } else {
                a.update(p);
            }
        }
        byte[] ad = a.digest();
        MessageDigest dp = sha512();
        for (int i = 0; i < p.length; i++) {
            dp.update(p);
        }
        byte[] pSeq = fill(dp.digest(), p.length);
        MessageDigest ds = sha512();
        for (int i = 0; i < 16 + (ad[0] & 0xff); i++) {
            ds.update(s);
        }
        byte[] sSeq = fill(ds.digest(), s.length);
        byte[] c = ad;
        for (int i = 0; i < ROUNDS; i++) {
            MessageDigest r = sha512();
            if ((i & 1) != 0) {
                r.update(pSeq);
            } else {
                r.update(c);
            }
            if (i % 3 != 0) {
                r.update(sSeq);
            }
            if (i % 7 != 0) {
                r.update(pSeq);
            }
            if ((i & 1) != 0) {
                r.update(c);
            } else {
                r.update(pSeq);
            }
            c = r.digest();
        }
        StringBuilder out = new StringBuilder("$6$").append(new String(s, StandardCharsets.UTF_8)).append('$');
        for (int[] g : ORDER) {
            b64(out, c[g[0]] & 0xff, c[g[1]] & 0xff, c[g[2]] & 0xff, 4);
        }
        b64(out, 0, 0, c[63] & 0xff, 2);
        return out.toString();
    }

    private static byte[] fill(byte[] digest, int len) {
        byte[] out = new byte[len];
        for (int i = 0; i < len; i++) {
            out[i] = digest[i % 64];
        }
        return out;
    }

    private static void b64(StringBuilder out, int b2, int b1, int b0, int n) {
        int w = (b2 << 16) | (b1 << 8) | b0;
        for (int i = 0; i < n; i++) {
            out.append(ITOA64.charAt(w & 0x3f));
            w >>= 6;
        }
    }

    private static MessageDigest sha512() {
        try {
            return MessageDigest.getInstance("SHA-512");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-512", e);
        }
    }
}
