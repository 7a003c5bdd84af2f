package io.berth.config;

/** No config exists for the container. */
public final class NoSuchContainerException extends RuntimeException {
    private final int vmid;

    public NoSuchContainerException(int vmid, String where) {
        super("container " + vmid + " does not exist (no " + where + ")");
        this.vmid = vmid;
    }

    public int vmid() { return vmid; }
}
