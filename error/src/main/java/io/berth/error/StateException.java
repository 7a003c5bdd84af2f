package io.berth.error;

/** The object is in the wrong state for the request: e.g. the container runs (destroy) or does not (exec). */
public final class StateException extends ConflictException {
    public StateException(String message) { super(message, null); }
}
