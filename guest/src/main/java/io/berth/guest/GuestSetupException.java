package io.berth.guest;

/** Setup refused or failed; the message names the path or value and what is supported. */
public final class GuestSetupException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public GuestSetupException(String message) {
        super(message);
    }

    public GuestSetupException(String message, Throwable cause) {
        super(message, cause);
    }
}
