package io.berth.ct.snapshot;

import io.berth.config.BerthRoots;
import io.berth.ct.ContainerService;
import java.util.Optional;

/** {@code berth snapshot} in a process of its own, for tests that kill it half-way: ROOT VMID SNAPNAME. */
public final class SnapshotChild {
    private SnapshotChild() {}

    public static void main(String[] args) {
        ContainerService svc = new ContainerService(BerthRoots.resolve(args[0]));
        new SnapshotService(svc).create(Integer.parseInt(args[1]), args[2], Optional.empty());
    }
}
