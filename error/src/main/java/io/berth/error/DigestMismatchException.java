package io.berth.error;

/** A write-if-digest found the config changed since the caller read it (Proxmox's {@code digest} parameter). */
public final class DigestMismatchException extends ConflictException {
    private final String expected;
    private final String actual;

    public DigestMismatchException(String what, String expected, String actual) {
        super(what + " was modified by another operation (digest " + actual + ", expected " + expected
                + "): read it again and retry", null);
        this.expected = expected;
        this.actual = actual;
    }

    public String expected() { return expected; }

    public String actual() { return actual; }
}
