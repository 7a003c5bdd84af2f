package io.berth.lxc.socket;

import io.berth.error.HostFailureException;

/**
 * A command the container's monitor answered with an error, or a malformed exchange: the host failed (exit 1,
 * HTTP 500), with the errno LXC returned ({@link #errno()}).
 */
public class LxcCommandException extends HostFailureException {
    public LxcCommandException(String message, int errno) {
        super(message, errno, null);
    }

    public LxcCommandException(String message, Throwable cause) {
        super(message, 0, cause);
    }
}
