package io.berth.api;

import java.util.Optional;

/**
 * What a request carried to prove who it is: the {@code PVEAuthCookie} ticket, an {@code Authorization} header
 * (API token), the {@code CSRFPreventionToken} header, and the client's address. {@code trustedRoot} is for the
 * in-process CLI ({@code berth api}, as pvesh), which runs as root on the host and needs no ticket.
 */
public record Credentials(Optional<String> ticket, Optional<String> authorization, Optional<String> csrf, String rhost,
                          boolean trustedRoot) {
    public static Credentials root() { return new Credentials(Optional.empty(), Optional.empty(), Optional.empty(), "127.0.0.1", true); }
}
