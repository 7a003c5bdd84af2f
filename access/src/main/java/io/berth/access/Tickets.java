package io.berth.access;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Proxmox-shaped tickets {@code PVE:USER@REALM:HEXTIME::SIGNATURE} (valid 2 h, renewable by presenting a valid one as
 * the password) and CSRF prevention tokens {@code HEXTIME:SIGNATURE} bound to the user. Signatures are HMAC-SHA256
 * with the daemon's key; only the root daemon holds it, so only it can mint or check them.
 */
public final class Tickets {
    public static final long LIFETIME_SECONDS = 7200;
    /** A ticket slightly from the future (clock skew between nodes) is accepted as Proxmox does. */
    private static final long SKEW_SECONDS = 300;

    private final byte[] key;

    public Tickets(byte[] key) { this.key = key.clone(); }

    public String ticket(String userid, long now) { return sign("PVE", userid, now); }

    /** A half ticket for a user who still owes a second factor (Proxmox's {@code !tfa!} prefix). */
    public String tfaChallenge(String userid, long now) { return sign("PVE", "!tfa!" + userid, now); }

    private String sign(String prefix, String data, long now) {
        String plain = prefix + ":" + data + ":" + String.format(Locale.ROOT, "%08X", now);
        return plain + "::" + mac(plain);
    }

    /** The user id of a valid, unexpired ticket. */
    public Optional<String> verify(String ticket, long now) { return verifyData(ticket, now).filter(u -> !u.startsWith("!tfa!")); }

    /** The user id of a valid, unexpired TFA challenge ticket. */
    public Optional<String> verifyTfaChallenge(String ticket, long now) {
        return verifyData(ticket, now).filter(u -> u.startsWith("!tfa!")).map(u -> u.substring(5));
    }

    private Optional<String> verifyData(String ticket, long now) {
        if (ticket == null) return Optional.empty();
        int sig = ticket.lastIndexOf("::");
        if (sig < 0) return Optional.empty();
        String plain = ticket.substring(0, sig);
        if (!MessageDigest.isEqual(mac(plain).getBytes(StandardCharsets.US_ASCII), ticket.substring(sig + 2).getBytes(StandardCharsets.US_ASCII))) {
            return Optional.empty();
        }
        String[] f = plain.split(":");
        if (f.length != 3 || !f[0].equals("PVE")) return Optional.empty();
        long t;
        try {
            t = Long.parseLong(f[2], 16);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        if (!current(t, now)) return Optional.empty();
        return Optional.of(f[1]);
    }

    /** The issue time of a ticket whose signature was checked ({@link #verify}). */
    static long issued(String ticket) {
        String plain = ticket.substring(0, ticket.lastIndexOf("::"));
        return Long.parseLong(plain.substring(plain.lastIndexOf(':') + 1), 16);
    }

    /** True while a ticket issued at {@code issued} is within its lifetime (and not too far in the future). */
    static boolean current(long issued, long now) { return now - issued < LIFETIME_SECONDS && issued - now <= SKEW_SECONDS; }

    public String csrfToken(String userid, long now) {
        String ts = String.format(Locale.ROOT, "%08X", now);
        return ts + ":" + mac("CSRF:" + ts + ":" + userid);
    }

    public boolean verifyCsrf(String token, String userid, long now) {
        if (token == null) return false;
        int i = token.indexOf(':');
        if (i < 0) return false;
        String ts = token.substring(0, i);
        long t;
        try {
            t = Long.parseLong(ts, 16);
        } catch (NumberFormatException e) {
            return false;
        }
        if (now - t >= LIFETIME_SECONDS || t - now > SKEW_SECONDS) return false;
        return MessageDigest.isEqual(mac("CSRF:" + ts + ":" + userid).getBytes(StandardCharsets.US_ASCII),
                token.substring(i + 1).getBytes(StandardCharsets.US_ASCII));
    }

    private String mac(String data) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(key, "HmacSHA256"));
            return Base64.getEncoder().withoutPadding().encodeToString(m.doFinal(data.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
