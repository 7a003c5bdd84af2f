package io.berth.error;

/**
 * Another operation holds the container: its operation lock could not be taken in time, or its config carries a
 * Proxmox {@code lock:} value (backup, snapshot, ...). {@link #holder} says who, as far as known.
 */
public final class LockedException extends ConflictException {
    private final String holder;

    public LockedException(String message, String holder) {
        super(message, null);
        this.holder = holder;
    }

    /** The lock owner or {@code lock:} value, or empty when unknown. */
    public String holder() { return holder; }
}
