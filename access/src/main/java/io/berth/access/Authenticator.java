package io.berth.access;

import io.berth.sys.Pam;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Logins (realms {@code pam} through the host's PAM stack and {@code pve} against salted slow hashes, TOTP for pve
 * users), ticket renewal, and the checks of every request's ticket or API token. Failed logins are logged and
 * rate-limited per user and per client address: after {@value #MAX_FAILURES} failures of a user (or
 * {@value #MAX_FAILURES_PER_HOST} from one address) within
 * {@value #WINDOW_SECONDS} s further attempts are refused without checking the password until the window passes.
 */
public final class Authenticator {
    static final int MAX_FAILURES = 5;
    /** Per client address: more, since several users may share one (a NAT, a jump host). */
    static final int MAX_FAILURES_PER_HOST = 20;
    static final int WINDOW_SECONDS = 60;
    private static final String PAM_SERVICE = "berth";

    /** Who a request acts as: a user, or a token ({@code tokenid} set) of that user. */
    public record Caller(String userid, Optional<String> tokenid) {
        public String authid() { return tokenid.orElse(userid); }

        public boolean isRoot() { return userid.equals(Permissions.ROOT) && tokenid.isEmpty(); }
    }

    /** A successful first step: a full ticket, or a TFA challenge ({@code needTfa}) to be answered with a code. */
    public record Login(String username, String ticket, String csrfToken, boolean needTfa) {}

    private final AccessStore store;
    private final Tickets tickets;
    private final Consumer<String> authLog;
    private final Map<String, Deque<Long>> failures = new HashMap<>();
    /**
     * Verified credentials: every request presents one, and re-checking costs a MAC or a SHA-256 and parsing. A ticket
     * stays valid (signature and time) until it expires; a token's check holds while user.cfg and token.cfg are the
     * ones it was made against. Bounded: cleared when full (a flood of distinct forged values only costs their checks).
     */
    private final java.util.concurrent.ConcurrentHashMap<String, VerifiedTicket> ticketCache = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.ConcurrentHashMap<String, VerifiedToken> tokenCache = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int CACHE_MAX = 4096;

    private record VerifiedTicket(String userid, long issued) {}

    private record VerifiedToken(Caller caller, AccessData data, Object secrets, long expire) {}

    public Authenticator(AccessStore store, Consumer<String> authLog) {
        this.store = store;
        this.tickets = new Tickets(store.authKey());
        this.authLog = authLog;
    }

    public AccessStore store() { return store; }

    public Tickets tickets() { return tickets; }

    /**
     * POST /access/ticket. {@code password} may be a valid ticket of the same user (renewal), or, with
     * {@code tfaChallenge}, {@code totp:CODE}.
     */
    public Login login(String username, String password, String realm, String otp, String tfaChallenge, String rhost) {
        long now = now();
        String userid = username == null ? null : (username.contains("@") ? username : username + "@" + (realm == null ? "pam" : realm));
        if (userid == null || !AccessData.USERID.matcher(userid).matches()) throw new io.berth.error.InvalidInputException("username", "invalid user name");
        if (password == null) throw new io.berth.error.InvalidInputException("password", "property is missing and it is not optional");
        if (tfaChallenge != null) {
            Optional<String> u = tickets.verifyTfaChallenge(tfaChallenge, now);
            String code = password.startsWith("totp:") ? password.substring(5) : password;
            if (u.isEmpty() || !u.get().equals(userid)) fail(userid, rhost, "invalid or expired TFA challenge");
            checkRate(userid, rhost);
            if (!totpOk(userid, code, now)) fail(userid, rhost, "invalid TOTP code");
            return full(userid, now);
        }
        // renewal: a still valid ticket of this user stands for the password
        if (password.startsWith("PVE:")) {
            Optional<String> u = tickets.verify(password, now);
            if (u.isPresent() && u.get().equals(userid) && userUsable(userid)) return full(userid, now);
        }
        checkRate(userid, rhost);
        if (!passwordOk(userid, password)) fail(userid, rhost, "invalid credentials");
        if (!userUsable(userid)) fail(userid, rhost, "user disabled, expired or unknown");
        if (store.totpSecret(userid).isPresent()) {
            if (otp == null) return new Login(userid, tickets.tfaChallenge(userid, now), null, true);
            if (!totpOk(userid, otp, now)) fail(userid, rhost, "invalid TOTP code");
        }
        return full(userid, now);
    }

    private Login full(String userid, long now) {
        return new Login(userid, tickets.ticket(userid, now), tickets.csrfToken(userid, now), false);
    }

    private boolean totpOk(String userid, String code, long now) {
        return store.totpSecret(userid).map(s -> Totp.verify(s, code, now)).orElse(false);
    }

    private boolean passwordOk(String userid, String password) {
        String realm = userid.substring(userid.lastIndexOf('@') + 1);
        return switch (realm) {
            case "pve" -> store.passwordHash(userid).map(h -> PasswordHash.verify(password, h)).orElse(false);
            case "pam" -> {
                try {
                    Pam.authenticate(PAM_SERVICE, userid.substring(0, userid.lastIndexOf('@')), password);
                    yield true;
                } catch (Pam.PamException e) {
                    yield false;
                }
            }
            default -> false;
        };
    }

    /** Exists in user.cfg (root@pam always does), enabled and not expired. */
    public boolean userUsable(String userid) {
        AccessData.User u = store.read().users.get(userid);
        if (u == null) return false;
        return u.enable() && (u.expire() == 0 || u.expire() > now());
    }

    private void checkRate(String userid, String rhost) {
        synchronized (failures) {
            long now = now();
            for (String k : new String[]{"u:" + userid, "h:" + rhost}) {
                Deque<Long> d = failures.get(k);
                if (d == null) continue;
                while (!d.isEmpty() && d.peekFirst() <= now - WINDOW_SECONDS) d.pollFirst();
                if (d.size() >= (k.startsWith("u:") ? MAX_FAILURES : MAX_FAILURES_PER_HOST)) {
                    authLog.accept("authentication failure; rhost=" + rhost + " user=" + userid + " msg=too many failed logins, refused");
                    throw new AuthenticationException("authentication failure (too many failed logins, retry later)");
                }
            }
        }
    }

    private void fail(String userid, String rhost, String why) {
        synchronized (failures) {
            long now = now();
            failures.computeIfAbsent("u:" + userid, k -> new ArrayDeque<>()).addLast(now);
            failures.computeIfAbsent("h:" + rhost, k -> new ArrayDeque<>()).addLast(now);
        }
        authLog.accept("authentication failure; rhost=" + rhost + " user=" + userid + " msg=" + why);
        throw new AuthenticationException("authentication failure");
    }

    /** The caller of a request with ticket {@code cookie}: checks signature, age and that the user is still usable. */
    public Optional<Caller> byTicket(String cookie) {
        if (cookie == null) return Optional.empty();
        long now = now();
        VerifiedTicket v = ticketCache.get(cookie);
        if (v != null && !Tickets.current(v.issued(), now)) {
            ticketCache.remove(cookie);
            v = null;
        }
        if (v == null) {
            Optional<String> u = tickets.verify(cookie, now);
            if (u.isEmpty()) return Optional.empty();
            v = new VerifiedTicket(u.get(), Tickets.issued(cookie));
            if (ticketCache.size() >= CACHE_MAX) ticketCache.clear();
            ticketCache.put(cookie, v);
        }
        return userUsable(v.userid()) ? Optional.of(new Caller(v.userid(), Optional.empty())) : Optional.empty();
    }

    public boolean csrfOk(Caller c, String token) { return tickets.verifyCsrf(token, c.userid(), now()); }

    /** {@code PVEAPIToken=USER@REALM!TOKENID=SECRET} (also with ':' before the secret, as older clients send). */
    public Optional<Caller> byToken(String header) {
        AccessData data = store.read();
        Object secrets = store.tokenSecretsVersion();
        VerifiedToken c = tokenCache.get(header);
        if (c != null && c.data() == data && c.secrets() == secrets && (c.expire() == 0 || c.expire() >= now())) return Optional.of(c.caller());
        Optional<Caller> r = checkToken(header);
        if (r.isPresent()) {
            AccessData.Token t = data.tokens.get(r.get().authid());
            AccessData.User u = data.users.get(r.get().userid());
            long expire = t == null || u == null ? -1 : minExpiry(t.expire(), u.expire());
            if (tokenCache.size() >= CACHE_MAX) tokenCache.clear();
            if (expire >= 0) tokenCache.put(header, new VerifiedToken(r.get(), data, secrets, expire));
        }
        return r;
    }

    /** The earlier of two expiry times where 0 means never. */
    private static long minExpiry(long a, long b) { return a == 0 ? b : b == 0 ? a : Math.min(a, b); }

    private Optional<Caller> checkToken(String header) {
        String v = header.substring(header.indexOf('=') + 1);
        int sep = v.indexOf('=');
        if (sep < 0) sep = v.lastIndexOf(':');
        if (sep < 0) return Optional.empty();
        String tokenid = v.substring(0, sep), secret = v.substring(sep + 1);
        int bang = tokenid.indexOf('!');
        if (bang < 0) return Optional.empty();
        String userid = tokenid.substring(0, bang);
        AccessData.Token t = store.read().tokens.get(tokenid);
        if (t == null || (t.expire() > 0 && t.expire() < now()) || !userUsable(userid)) return Optional.empty();
        if (!store.tokenSecretMatches(tokenid, secret)) return Optional.empty();
        return Optional.of(new Caller(userid, Optional.of(tokenid)));
    }

    static long now() { return System.currentTimeMillis() / 1000; }
}
