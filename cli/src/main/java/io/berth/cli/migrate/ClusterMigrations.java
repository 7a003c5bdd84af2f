package io.berth.cli.migrate;

import io.berth.cli.daemon.migrate.RemotePeer;
import io.berth.cluster.ClusterNode;
import io.berth.cluster.ConfigMoves;
import io.berth.config.BerthRoots;
import io.berth.config.ClusterBackend;
import io.berth.ct.ContainerService;
import io.berth.ct.migrate.MigrateRequest;
import io.berth.ct.migrate.Migration;
import io.berth.ct.migrate.MigrationService;
import io.berth.error.InvalidInputException;
import io.berth.error.UnsupportedException;
import java.util.function.Consumer;

/** Migration on a cluster node: the target reached by the node-to-node call, the config moved by one etcd transaction. */
public final class ClusterMigrations implements io.berth.ct.migrate.ClusterMigrator {
    /** The {@link io.berth.ct.migrate.ClusterMigrator} service (META-INF/services), for the API. */
    public ClusterMigrations() {}

    @Override public Migration.Result migrate(BerthRoots roots, MigrateRequest req, Consumer<String> log) { return run(roots, req, log); }

    public static Migration.Result run(BerthRoots roots, MigrateRequest req, Consumer<String> log) {
        if (ClusterBackend.of(roots).isEmpty())
            throw new UnsupportedException("this host is in no cluster: migration needs a cluster (berth cluster create|join)");
        ClusterNode cn = ClusterNode.of(roots);
        if (cn.registry().member(req.target()).isEmpty())
            throw new InvalidInputException("target", "no node '" + req.target() + "' in cluster " + cn.conf().cluster() + "; nodes: "
                    + cn.registry().members().stream().map(m -> m.name()).toList());
        if (!req.target().equals(cn.node()) && !cn.registry().online().contains(req.target()))
            throw new io.berth.error.StateException("target node '" + req.target() + "' is offline (no heartbeat)");
        ConfigMoves moves = new ConfigMoves(cn.client(), cn.layout(), cn.conf().timeout());
        Migration.Result r = new MigrationService(ContainerService.shared(roots)).migrate(req, cn.node(), new RemotePeer(cn.nodes(), req.target()),
                (vmid, next, expected, target) -> moves.move(vmid, cn.node(), target, next, expected), log);
        cn.mirror().sync(); // the config left this node: the local copy follows now, not at the next watch event
        return r;
    }
}
