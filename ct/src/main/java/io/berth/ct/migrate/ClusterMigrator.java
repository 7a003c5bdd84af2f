package io.berth.ct.migrate;

import io.berth.config.BerthRoots;
import io.berth.error.UnsupportedException;
import java.util.ServiceLoader;
import java.util.function.Consumer;

/**
 * Migration between the nodes of a cluster, which needs the cluster module (etcd, the node-to-node call): found with
 * {@link ServiceLoader} so that the API (which does not see that module) starts migrations the same way the CLI does.
 */
public interface ClusterMigrator {
    Migration.Result migrate(BerthRoots roots, MigrateRequest req, Consumer<String> log);

    /** The provider on the class path (berthd, bin/berth), or an error saying why there is none. */
    static ClusterMigrator find() {
        return ServiceLoader.load(ClusterMigrator.class, ClusterMigrator.class.getClassLoader()).findFirst()
                .orElseThrow(() -> new UnsupportedException("migration needs the cluster module, which this program does not "
                        + "include; run it through berthd or bin/berth"));
    }
}
