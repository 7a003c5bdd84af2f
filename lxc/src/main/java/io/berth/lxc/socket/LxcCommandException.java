package io.berth.lxc.socket;

/** A command the container's monitor answered with an error, or a malformed exchange. */
public class LxcCommandException extends RuntimeException {
    private final int errno;

    public LxcCommandException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    public LxcCommandException(String message, Throwable cause) {
        super(message, cause);
        this.errno = 0;
    }

    /** The errno LXC returned (as a negative {@code ret}), 0 when the failure was not an LXC answer. */
    public int errno() { return errno; }
}
