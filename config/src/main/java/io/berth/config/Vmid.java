package io.berth.config;

/** Container ids as in Proxmox: 100..999999999. */
public final class Vmid {
    private Vmid() {}

    public static final int MIN = 100;
    public static final int MAX = 999_999_999;

    public static int check(int vmid) {
        if (vmid < MIN || vmid > MAX) throw new IllegalArgumentException("vmid " + vmid + " is invalid; allowed: " + MIN + ".." + MAX);
        return vmid;
    }

    public static int parse(String s) {
        if (!s.matches("\\d{1,9}")) throw new IllegalArgumentException("vmid '" + s + "' is invalid; allowed: " + MIN + ".." + MAX);
        return check(Integer.parseInt(s));
    }
}
