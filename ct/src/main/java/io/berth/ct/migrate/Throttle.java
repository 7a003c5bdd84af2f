package io.berth.ct.migrate;

/**
 * A bandwidth limit in KiB/s (Proxmox's {@code bwlimit}), 0 for none: {@link #pass} sleeps just long enough that the
 * bytes passed so far never run ahead of the limit measured from the first byte.
 */
public final class Throttle {
    public static final Throttle NONE = new Throttle(0);

    private final long bytesPerSecond;
    private long start = -1;
    private long passed;

    public Throttle(long kibPerSecond) {
        if (kibPerSecond < 0) throw new io.berth.error.InvalidInputException("bwlimit", "'" + kibPerSecond
                + "' is negative: allowed 0 (no limit) or KiB/s");
        this.bytesPerSecond = kibPerSecond * 1024;
    }

    public long kibPerSecond() { return bytesPerSecond / 1024; }

    /** Accounts {@code n} bytes, sleeping while the transfer is ahead of the limit. */
    public void pass(long n) throws InterruptedException {
        if (bytesPerSecond <= 0) return;
        long now = System.nanoTime();
        if (start < 0) start = now;
        passed += n;
        long due = start + passed * 1_000_000_000L / bytesPerSecond;
        long ahead = due - now;
        if (ahead > 1_000_000) Thread.sleep(ahead / 1_000_000, (int) (ahead % 1_000_000));
    }
}
