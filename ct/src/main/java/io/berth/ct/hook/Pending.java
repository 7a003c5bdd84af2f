package io.berth.ct.hook;

import io.berth.config.ConfigFile;
import java.util.Optional;

/** Applying the {@code [PENDING]} section: what stop, post-stop and start do while the container is down. */
public final class Pending {
    private Pending() {}

    public static ConfigFile applied(ConfigFile f) {
        if (f.pending().isEmpty()) return f;
        // a pending delete or replacement of a volume mount point keeps the volume as unusedN (issue 10.8)
        return io.berth.ct.lifecycle.UnusedVolumes.recordDropped(f, f.withMain(f.withPendingApplied()).withPending(Optional.empty()));
    }
}
