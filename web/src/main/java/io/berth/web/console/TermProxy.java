package io.berth.web.console;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The termproxy hand-off: {@code POST .../termproxy} (after the API checked {@code VM.Console}) gets an
 * {@link Offer}: a port number naming the session and a one-time ticket, valid for a short while and only for that
 * user and container. The WebSocket ({@code .../vncwebsocket?port=&vncticket=}) claims it once; the client then
 * proves it again in its first message ({@code user:ticket}), as Proxmox's termproxy expects.
 */
public final class TermProxy {
    public static final Duration TICKET_LIFETIME = Duration.ofSeconds(40);

    /** {@code claimed} completes when a browser took the offer, {@code ended} when its session is over. */
    public record Offer(int port, String ticket, String user, int vmid, List<String> command, Instant expires,
                        CompletableFuture<Void> claimed, CompletableFuture<Integer> ended) {
        public Offer(int port, String ticket, String user, int vmid, List<String> command, Instant expires) {
            this(port, ticket, user, vmid, command, expires, new CompletableFuture<>(), new CompletableFuture<>());
        }
    }

    private final Map<Integer, Offer> offers = new ConcurrentHashMap<>();
    private final Set<TermSession> live = ConcurrentHashMap.newKeySet();
    private final AtomicInteger nextPort = new AtomicInteger(5900);
    private final SecureRandom random = new SecureRandom();
    private final Clock clock;

    public TermProxy() { this(Clock.systemUTC()); }

    TermProxy(Clock clock) { this.clock = clock; }

    public Offer offer(String user, int vmid, List<String> command) {
        Instant now = clock.instant();
        offers.values().removeIf(o -> o.expires().isBefore(now));
        byte[] b = new byte[24];
        random.nextBytes(b);
        String ticket = "PVEVNC:" + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        int port = nextPort.getAndUpdate(p -> p >= 5999 ? 5900 : p + 1) + 0;
        while (offers.containsKey(port)) port = nextPort.getAndUpdate(p -> p >= 5999 ? 5900 : p + 1);
        Offer o = new Offer(port, ticket, user, vmid, List.copyOf(command), now.plus(TICKET_LIFETIME));
        offers.put(port, o);
        return o;
    }

    /** Takes the offer for this port if the ticket and container match and it has not expired (single use). */
    public Optional<Offer> claim(int vmid, int port, String ticket) {
        Offer o = offers.get(port);
        if (o == null || o.vmid() != vmid || !constantTimeEquals(o.ticket(), ticket) || o.expires().isBefore(clock.instant()))
            return Optional.empty();
        if (!offers.remove(port, o)) return Optional.empty();
        o.claimed().complete(null);
        return Optional.of(o);
    }

    void track(TermSession s) { live.add(s); }

    void untrack(TermSession s) { live.remove(s); }

    /** Sessions currently attached to a browser. */
    public int liveSessions() { return live.size(); }

    /** Ends every console (server shutdown). */
    public void closeAll() {
        for (TermSession s : List.copyOf(live)) s.close();
        live.clear();
    }

    static boolean constantTimeEquals(String a, String b) {
        if (a == null || b == null) return false;
        return java.security.MessageDigest.isEqual(a.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                b.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
