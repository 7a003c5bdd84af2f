package io.berth.storage;

import io.berth.error.HostFailureException;

/** A storage operation or storage input failed; the message names what and why. */
public class StorageException extends HostFailureException {
    public StorageException(String message) {
        super(message);
    }

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
