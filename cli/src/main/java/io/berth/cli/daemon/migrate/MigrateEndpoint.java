package io.berth.cli.daemon.migrate;

import io.berth.cluster.ClusterHttp;
import io.berth.cluster.ClusterNode;
import io.berth.cluster.NodeEndpoint;
import io.berth.ct.ContainerService;
import io.berth.ct.migrate.MigrationPeer;
import io.berth.ct.migrate.MigrationService;
import io.berth.ct.migrate.StreamFormat;
import io.berth.ct.migrate.VolumeMeta;
import io.berth.error.InvalidInputException;
import io.berth.storage.VolumeId;
import java.util.Map;

/**
 * The target side of a migration, served by berthd at {@code /berth-node/v1/migrate/{check,receive,free,start}}
 * for the other nodes of the cluster (only signed requests reach it).
 */
public final class MigrateEndpoint implements NodeEndpoint {
    static final String NAME = "migrate";

    private final ClusterNode node;
    private final MigrationPeer local;

    private MigrateEndpoint(ClusterNode node, ContainerService ct) {
        this.node = node;
        this.local = new MigrationService(ct).target(node.node());
    }

    /** Registers the endpoint in this JVM's cluster HTTP front. */
    public static void register(ClusterNode node, ContainerService ct) {
        ClusterHttp.register(NAME, new MigrateEndpoint(node, ct));
    }

    @Override public Reply handle(Call call) {
        Map<String, String> q = call.query();
        return switch (call.rest()) {
            case "/check" -> new Reply.Json(Map.of("type", local.checkStorage(req(q, "storage"), "1".equals(q.get("shared")))));
            case "/receive" -> {
                VolumeMeta meta = new VolumeMeta(StreamFormat.valueOf(req(q, "format")), "1".equals(q.get("subvol")),
                        Long.parseLong(req(q, "size")), Integer.parseInt(req(q, "uid")), Integer.parseInt(req(q, "gid")),
                        Long.parseLong(q.getOrDefault("estimated", "0")));
                VolumeId v = local.receiveVolume(req(q, "storage"), Integer.parseInt(req(q, "vmid")), meta, call.body());
                yield new Reply.Json(Map.of("volid", v.toString()));
            }
            case "/free" -> {
                local.freeVolume(VolumeId.parse(req(q, "volid")));
                yield new Reply.Json(Map.of());
            }
            case "/start" -> {
                node.mirror().sync(); // the config moved here a moment ago: make sure the local copy has it
                local.start(Integer.parseInt(req(q, "vmid")));
                yield new Reply.Json(Map.of());
            }
            default -> throw new InvalidInputException("call", "no migrate call '" + call.rest() + "': allowed /check, /receive, /free, /start");
        };
    }

    private static String req(Map<String, String> q, String name) {
        String v = q.get(name);
        if (v == null || v.isEmpty()) throw new InvalidInputException(name, "missing");
        return v;
    }
}
