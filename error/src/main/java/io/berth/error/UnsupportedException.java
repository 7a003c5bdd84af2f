package io.berth.error;

/** The request is well-formed but Berth (or this host: kernel, storage type) cannot do it. HTTP 501. */
public non-sealed class UnsupportedException extends BerthException {
    public UnsupportedException(String message) { super(message, null); }
}
