package io.berth.cli.daemon;

import io.berth.cli.daemon.migrate.MigrateEndpoint;
import io.berth.cluster.ClusterNode;
import io.berth.cluster.ConfigMoves;
import io.berth.cluster.HaCrm;
import io.berth.cluster.HaLrm;
import io.berth.cluster.HaStore;
import io.berth.cluster.HaWatchdog;
import io.berth.config.BerthRoots;
import io.berth.ct.ContainerService;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Optional;

/**
 * Migration and HA in berthd on a cluster node (issue 17, items 5-6): serves the target side of migrations
 * ({@link MigrateEndpoint}) and runs the node's HA LRM with its watchdog and the HA manager candidate, all on the
 * cluster's heartbeat TTL ({@code ttl} in cluster.conf).
 */
final class HaHook implements AutoCloseable {
    private final HaLrm lrm;
    private final HaCrm crm;

    private HaHook(HaLrm lrm, HaCrm crm) {
        this.lrm = lrm;
        this.crm = crm;
    }

    static HaHook start(BerthRoots roots, Optional<ClusterNode> node, PrintWriter err) {
        if (node.isEmpty()) return null;
        ClusterNode cn = node.get();
        ContainerService ct = ContainerService.shared(roots);
        MigrateEndpoint.register(cn, ct);
        Duration ttl = cn.conf().ttl();
        HaStore store = new HaStore(cn.client(), cn.layout(), cn.conf().timeout());
        java.util.function.Consumer<String> log = line -> {
            synchronized (err) {
                err.println(line);
                err.flush();
            }
        };
        HaWatchdog wd = HaWatchdog.start(roots.lxcPath(), roots.runDir().resolve("ha").resolve("watchdog.log"), ttl);
        ConfigMoves moves = new ConfigMoves(cn.client(), cn.layout(), cn.conf().timeout());
        HaLrm lrm = new HaLrm(cn.client(), store, moves, cn.node(), ttl, new HaLrm.Containers() {
            @Override public boolean running(int vmid) {
                try {
                    return ct.status(vmid).running();
                } catch (io.berth.error.NotFoundException e) {
                    return false; // the config is not mirrored here (yet)
                }
            }

            @Override public void start(int vmid) { ct.start(vmid, false, false); }

            @Override public void stop(int vmid) { ct.shutdown(vmid, 60, true, false); }
        }, wd, log);
        HaCrm crm = new HaCrm(cn.client(), store, moves, cn.node(), ttl, log);
        log.accept("berth ha: LRM and manager candidate of node " + cn.node() + " running (lease " + ttl.toSeconds()
                + " s, watchdog pid " + wd.pid() + ")");
        return new HaHook(lrm, crm);
    }

    @Override public void close() {
        crm.close();
        lrm.close();
    }
}
