package io.berth.error;

/** The object to create exists already (another create of the same id won). */
public final class ExistsException extends ConflictException {
    public ExistsException(String message) { super(message, null); }
}
