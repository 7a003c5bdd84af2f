package io.berth.error;

/** The caller lacks the privilege for the request (API users, ACLs). HTTP 403. */
public non-sealed class PermissionDeniedException extends BerthException {
    public PermissionDeniedException(String message) { super(message, null); }
}
