package io.berth.error;

/**
 * The host failed to do something that should have worked: a system call (with its errno), a tool (lxc-start,
 * mkfs), an I/O error. HTTP 500.
 */
public non-sealed class HostFailureException extends BerthException {
    private final int errno;

    public HostFailureException(String message) { this(message, 0, null); }

    public HostFailureException(String message, Throwable cause) { this(message, 0, cause); }

    /** {@code errno} 0 means none. */
    public HostFailureException(String message, int errno, Throwable cause) {
        super(message, cause);
        this.errno = errno;
    }

    /** The errno of the failed call, 0 when the failure was not a system call. */
    public int errno() { return errno; }
}
