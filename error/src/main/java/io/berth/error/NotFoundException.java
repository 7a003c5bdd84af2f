package io.berth.error;

/** The named object (container, volume, storage, task, snapshot) does not exist. HTTP 404. */
public non-sealed class NotFoundException extends BerthException {
    public NotFoundException(String message) { super(message, null); }

    public NotFoundException(String message, Throwable cause) { super(message, cause); }
}
