package io.berth.api;

import io.berth.ct.migrate.ClusterMigrator;
import io.berth.ct.migrate.MigrateRequest;
import io.berth.ct.migrate.Migration;
import java.util.Optional;

/**
 * {@code POST /nodes/{node}/lxc/{vmid}/migrate} (pct migrate): a {@code vzmigrate} task on the container's node; the
 * cluster part (target node, etcd) comes through {@link ClusterMigrator}. {@code online} is refused before the task.
 */
final class MigrateEndpoints {
    private final Api api;

    MigrateEndpoints(Api api) { this.api = api; }

    void register(ApiService s) {
        s.on("POST", "/nodes/{node}/lxc/{vmid}/migrate", this::migrate);
    }

    private Object migrate(Call c) {
        Api.checkNode(c);
        int vmid = c.vmid();
        api.ct().config(vmid); // 404 for a container that is not here
        MigrateRequest req = new MigrateRequest(vmid, c.str("target"), c.flag("restart"), c.opt("target-storage"),
                c.opt("bwlimit").map(Long::parseLong).orElse(0L), c.flag("online"));
        ClusterMigrator m = ClusterMigrator.find();
        return api.tasks().start("vzmigrate", String.valueOf(vmid), c.who().authid(), log -> {
            Migration.Result r = m.migrate(api.ct().roots(), req, log::line);
            for (String w : r.warnings()) log.line("WARN: " + w);
        });
    }
}
