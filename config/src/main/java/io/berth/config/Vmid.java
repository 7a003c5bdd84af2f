package io.berth.config;

import io.berth.error.InvalidInputException;

/** Container ids as in Proxmox: 100..999999999, written without sign or leading zero. */
public final class Vmid {
    private Vmid() {}

    public static final int MIN = 100;
    public static final int MAX = 999_999_999;

    public static int check(int vmid) {
        if (vmid < MIN || vmid > MAX) throw new InvalidInputException("vmid", "'" + vmid + "' is invalid; allowed: " + MIN + ".." + MAX);
        return vmid;
    }

    /** Refuses what Proxmox refuses: a sign, a leading zero ({@code 0999} is not 999), anything but digits. */
    public static int parse(String s) {
        if (s == null || !s.matches("[1-9]\\d{2,8}"))
            throw new InvalidInputException("vmid", "'" + s + "' is invalid; allowed: " + MIN + ".." + MAX
                    + " written as plain digits without sign or leading zero");
        return check(Integer.parseInt(s));
    }
}
