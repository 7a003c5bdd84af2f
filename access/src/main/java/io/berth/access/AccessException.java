package io.berth.access;

import java.util.Map;

/**
 * A refused access operation. {@link Kind} says which, so a front end maps it to its status once: bad input (with
 * the offending parameter), unauthenticated, forbidden, not found, conflict.
 */
public class AccessException extends RuntimeException {
    public enum Kind { BAD_REQUEST, UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, CONFLICT }

    private final Kind kind;
    private final Map<String, String> errors;

    public AccessException(Kind kind, String message) { this(kind, message, Map.of()); }

    public AccessException(Kind kind, String message, Map<String, String> errors) {
        super(message);
        this.kind = kind;
        this.errors = Map.copyOf(errors);
    }

    public static AccessException param(String param, String message) {
        return new AccessException(Kind.BAD_REQUEST, param + ": " + message, Map.of(param, message));
    }

    public static AccessException forbidden(String message) { return new AccessException(Kind.FORBIDDEN, message); }

    public static AccessException unauthenticated(String message) { return new AccessException(Kind.UNAUTHENTICATED, message); }

    public static AccessException notFound(String message) { return new AccessException(Kind.NOT_FOUND, message); }

    public Kind kind() { return kind; }

    /** Per-parameter messages, for Proxmox's {@code {"errors":{...}}} shape; empty when none applies. */
    public Map<String, String> errors() { return errors; }
}
