package io.berth.access;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/** Salted, slow password hashes: PBKDF2-HMAC-SHA512, 16-byte random salt, stored as {@code $pbkdf2-sha512$ITER$SALT$HASH}. */
public final class PasswordHash {
    private static final int ITERATIONS = 25_000;
    private static final SecureRandom RANDOM = new SecureRandom();

    private PasswordHash() {}

    public static String hash(String password) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return "$pbkdf2-sha512$" + ITERATIONS + "$" + b64(salt) + "$" + b64(derive(password, salt, ITERATIONS));
    }

    public static boolean verify(String password, String stored) {
        String[] p = stored.split("\\$");
        if (p.length != 5 || !p[1].equals("pbkdf2-sha512")) return false;
        int iter = Integer.parseInt(p[2]);
        byte[] salt = Base64.getDecoder().decode(p[3]);
        return MessageDigest.isEqual(derive(password, salt, iter), Base64.getDecoder().decode(p[4]));
    }

    private static byte[] derive(String password, byte[] salt, int iterations) {
        try {
            PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, 512);
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA512").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2 unavailable", e);
        }
    }

    private static String b64(byte[] b) { return Base64.getEncoder().withoutPadding().encodeToString(b); }
}
