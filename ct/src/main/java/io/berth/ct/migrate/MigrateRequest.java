package io.berth.ct.migrate;

import io.berth.config.Vmid;
import io.berth.error.InvalidInputException;
import io.berth.error.UnsupportedException;
import java.util.Optional;

/**
 * {@code berth migrate VMID TARGET}: {@code restart} stops a running container on the source and starts it on the
 * target; {@code targetStorage} maps every local (non-shared) volume to that storage on the target (default: the
 * same storage id); {@code bwlimitKiB} limits each volume transfer (0 = none). {@code online} is refused.
 */
public record MigrateRequest(int vmid, String target, boolean restart, Optional<String> targetStorage, long bwlimitKiB,
                             boolean online) {
    public MigrateRequest {
        Vmid.check(vmid);
        if (target == null || !target.matches("[a-zA-Z0-9]([a-zA-Z0-9-]{0,62})"))
            throw new InvalidInputException("target", "'" + target + "' is not a valid node name");
        if (bwlimitKiB < 0) throw new InvalidInputException("bwlimit", "'" + bwlimitKiB + "' is negative: allowed 0 (no limit) or KiB/s");
        if (online)
            throw new UnsupportedException("containers cannot be migrated live (--online): LXC has no live migration; "
                    + "use --restart to stop the container, move it and start it on '" + target + "'");
    }
}
