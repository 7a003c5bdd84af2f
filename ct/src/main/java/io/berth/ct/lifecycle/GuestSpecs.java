package io.berth.ct.lifecycle;

import io.berth.config.ContainerConfig;
import io.berth.guest.GuestSpec;
import java.util.Optional;

/** Maps a container config onto what guest setup reads. */
public final class GuestSpecs {
    private GuestSpecs() {}

    /** Guest setup reads the config itself (as Proxmox's setup does); a missing hostname means 'localhost'. */
    public static GuestSpec of(int vmid, ContainerConfig c, int ownerUid, int ownerGid) {
        return new GuestSpec(c, Optional.empty(), Optional.empty(), ownerUid, ownerGid);
    }
}
