package io.berth.access;

import io.berth.error.PermissionDeniedException;

/**
 * The caller could not be authenticated (bad credentials, expired ticket, refused login): a permission denial that
 * the API answers with 401, as Proxmox does, rather than 403.
 */
public final class AuthenticationException extends PermissionDeniedException {
    public AuthenticationException(String message) { super(message); }
}
