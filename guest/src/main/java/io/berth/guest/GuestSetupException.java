package io.berth.guest;

import io.berth.error.HostFailureException;

/**
 * Setup refused or failed on the container's files (an unreadable or unsafe path, a distribution or release it
 * cannot configure): the host could not do it (exit 1, HTTP 500), as Proxmox's setup dies; the message names the
 * path or value and what is supported.
 */
public final class GuestSetupException extends HostFailureException {
    private static final long serialVersionUID = 1L;

    public GuestSetupException(String message) {
        super(message);
    }

    public GuestSetupException(String message, Throwable cause) {
        super(message, cause);
    }
}
