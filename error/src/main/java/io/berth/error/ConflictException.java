package io.berth.error;

/** The request is valid but the object's current state forbids it now; retrying later may work. HTTP 409. */
public sealed abstract class ConflictException extends BerthException
        permits LockedException, StateException, ExistsException, DigestMismatchException {
    protected ConflictException(String message, Throwable cause) { super(message, cause); }
}
