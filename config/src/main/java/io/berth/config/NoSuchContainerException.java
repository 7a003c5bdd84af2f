package io.berth.config;

import io.berth.error.NotFoundException;

/** No config exists for the container. */
public final class NoSuchContainerException extends NotFoundException {
    private final int vmid;

    public NoSuchContainerException(int vmid, String where) {
        super("container " + vmid + " does not exist (no " + where + ")");
        this.vmid = vmid;
    }

    public int vmid() { return vmid; }
}
