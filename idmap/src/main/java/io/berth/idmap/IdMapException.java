package io.berth.idmap;

/** An id map (or mount-point idmap) is malformed or inconsistent; the message names the offending entries. */
public final class IdMapException extends IllegalArgumentException {
    public IdMapException(String message) { super(message); }
}
