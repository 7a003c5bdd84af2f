package io.berth.mount;

import io.berth.error.HostFailureException;

/** A mount request that is invalid or could not be carried out; the message names the mount point key and target. */
public class MountException extends HostFailureException {
    public MountException(String message) {
        super(message);
    }

    public MountException(String message, Throwable cause) {
        super(message, cause);
    }
}
