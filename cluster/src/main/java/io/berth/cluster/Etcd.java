package io.berth.cluster;

import io.berth.error.BerthException;
import io.berth.error.HostFailureException;
import io.etcd.jetcd.ByteSequence;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Small helpers shared by the etcd implementations: bounded waits and error translation. */
final class Etcd {
    private Etcd() {}

    static ByteSequence bytes(String s) { return ByteSequence.from(s, StandardCharsets.UTF_8); }

    static ByteSequence bytes(byte[] b) { return ByteSequence.from(b); }

    /**
     * Waits at most {@code timeout} for an etcd call. A call that does not complete (no quorum: the client keeps
     * retrying against members that cannot commit) or fails with a gRPC error becomes a
     * {@link ClusterUnavailableException} naming {@code what}; never a raw gRPC exception.
     */
    static <T> T await(CompletableFuture<T> f, Duration timeout, String what) {
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new ClusterUnavailableException("cluster store did not answer within " + timeout.toMillis() + " ms while trying to "
                    + what + ": no quorum (a majority of the etcd members is down or unreachable), the endpoints refuse this client "
                    + "(TLS: CA, client certificate) or the cluster is overloaded", e);
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new HostFailureException("interrupted while trying to " + what, e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause() == null ? e : e.getCause();
            if (c instanceof BerthException b) throw b;
            String why = describe(c);
            // etcd answers a proposal it cannot commit (no majority) with "request timed out" / "no leader" / UNAVAILABLE
            boolean noQuorum = why.contains("UNAVAILABLE") || why.contains("DEADLINE_EXCEEDED") || why.contains("request timed out")
                    || why.contains("no leader") || why.contains("leader changed");
            throw new ClusterUnavailableException("cluster store refused to " + what + ": " + why + (noQuorum
                    ? " (no quorum: a majority of the etcd members is down or unreachable, or the cluster is overloaded)" : ""), c);
        }
    }

    private static String describe(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null && sb.length() < 400; c = c.getCause() == c ? null : c.getCause()) {
            if (!sb.isEmpty()) sb.append(": ");
            sb.append(c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage());
        }
        return sb.toString();
    }
}
