package io.berth.cluster;

import io.berth.config.BerthRoots;
import io.berth.config.ClusterBackend;
import java.time.Duration;

/** A process that takes a container's cluster lock as a node's operation would, says so, and holds it until killed. */
public final class LockHolderMain {
    private LockHolderMain() {}

    public static void main(String[] args) throws Exception {
        BerthRoots roots = BerthRoots.resolve(args[0]);
        int vmid = Integer.parseInt(args[1]);
        ClusterBackend.locks(roots).lock(vmid, "holder pid " + ProcessHandle.current().pid(), Duration.ofSeconds(60));
        System.out.println("LOCKED");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
