package io.berth.cluster;

import io.berth.error.PermissionDeniedException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Authenticates requests between the nodes of a cluster: the sending node signs {@code METHOD}, the path with its
 * query, its node name, a timestamp and a random nonce with HMAC-SHA256 under the cluster's secret
 * ({@code /berth/cluster/secret}, readable only with access to the cluster's etcd); the receiving node checks the
 * signature, that the timestamp is within {@link #MAX_SKEW} and that the nonce was not seen before (no replay).
 * The body is not signed (it may be a stream of volume data): TLS to the pinned certificate of the target node
 * protects it.
 */
public final class NodeAuth {
    public static final String NODE = "X-Berth-Node";
    public static final String TIME = "X-Berth-Time";
    public static final String NONCE = "X-Berth-Nonce";
    public static final String SIGNATURE = "X-Berth-Signature";
    public static final Duration MAX_SKEW = Duration.ofSeconds(60);

    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] secret;
    private final Clock clock;
    private final Map<String, Long> seen = new ConcurrentHashMap<>();

    public NodeAuth(byte[] secret) { this(secret, Clock.systemUTC()); }

    NodeAuth(byte[] secret, Clock clock) {
        if (secret.length < 32) throw new IllegalArgumentException("the cluster secret must have at least 32 bytes");
        this.secret = secret.clone();
        this.clock = clock;
    }

    /** A new random cluster secret, base64. */
    public static String newSecret() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getEncoder().encodeToString(b);
    }

    /** The headers to send with a request of {@code node}. */
    public Map<String, String> sign(String node, String method, String pathAndQuery) {
        String time = Long.toString(clock.millis() / 1000);
        byte[] n = new byte[16];
        RANDOM.nextBytes(n);
        String nonce = HexFormat.of().formatHex(n);
        return Map.of(NODE, node, TIME, time, NONCE, nonce, SIGNATURE, mac(node, method, pathAndQuery, time, nonce));
    }

    /** The headers of a received request, by name (case as sent or lower case). */
    public interface Headers {
        Optional<String> get(String name);
    }

    /**
     * Checks a request's signature and returns the node that sent it; {@link PermissionDeniedException} naming what
     * is wrong otherwise.
     */
    public String verify(String method, String pathAndQuery, Headers h) {
        String node = h.get(NODE).orElseThrow(() -> denied("no " + NODE + " header"));
        String time = h.get(TIME).orElseThrow(() -> denied("no " + TIME + " header"));
        String nonce = h.get(NONCE).orElseThrow(() -> denied("no " + NONCE + " header"));
        String sig = h.get(SIGNATURE).orElseThrow(() -> denied("no " + SIGNATURE + " header"));
        long t;
        try {
            t = Long.parseLong(time);
        } catch (NumberFormatException e) {
            throw denied(TIME + " '" + time + "' is not a number");
        }
        long now = clock.millis() / 1000;
        if (Math.abs(now - t) > MAX_SKEW.toSeconds())
            throw denied("request of node " + node + " is " + (now - t) + " s old; allowed: at most " + MAX_SKEW.toSeconds()
                    + " s (are the nodes' clocks in sync?)");
        if (!MessageDigest.isEqual(mac(node, method, pathAndQuery, time, nonce).getBytes(StandardCharsets.US_ASCII),
                sig.getBytes(StandardCharsets.US_ASCII)))
            throw denied("bad signature on a request claiming to come from node " + node + " (not signed with this cluster's secret)");
        if (seen.putIfAbsent(nonce, t) != null) throw denied("replayed request (nonce " + nonce + " seen before)");
        if (seen.size() > 10_000) seen.values().removeIf(s -> Math.abs(now - s) > MAX_SKEW.toSeconds());
        return node;
    }

    private String mac(String node, String method, String pathAndQuery, String time, String nonce) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(secret, "HmacSHA256"));
            m.update(String.join("\n", "berth-node-v1", node, method.toUpperCase(java.util.Locale.ROOT), pathAndQuery, time, nonce)
                    .getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(m.doFinal());
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    private static PermissionDeniedException denied(String why) {
        return new PermissionDeniedException("node-to-node request refused: " + why);
    }
}
