package io.berth.ct;

import io.berth.error.HostFailureException;

/**
 * A lifecycle operation was refused or failed; the message is meant for the admin as it is. {@code exitCode} is what
 * the CLI exits with (e.g. the failed command's code for exec).
 */
public class CtException extends HostFailureException {
    private final int exitCode;

    public CtException(String message) { this(message, 1, null); }

    public CtException(String message, Throwable cause) { this(message, 1, cause); }

    public CtException(String message, int exitCode, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() { return exitCode; }
}
