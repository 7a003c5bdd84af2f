package io.berth.ct.hook;

import io.berth.config.ConfigFile;
import java.util.Optional;

/** Applying the {@code [PENDING]} section: what stop, post-stop and start do while the container is down. */
public final class Pending {
    private Pending() {}

    public static ConfigFile applied(ConfigFile f) {
        if (f.pending().isEmpty()) return f;
        return f.withMain(f.withPendingApplied()).withPending(Optional.empty());
    }
}
