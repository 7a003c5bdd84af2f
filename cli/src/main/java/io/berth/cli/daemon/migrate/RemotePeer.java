package io.berth.cli.daemon.migrate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.cluster.ClusterHttp;
import io.berth.cluster.NodeClient;
import io.berth.ct.migrate.MigrationException;
import io.berth.ct.migrate.MigrationPeer;
import io.berth.ct.migrate.VolumeMeta;
import io.berth.error.InvalidInputException;
import io.berth.error.NotFoundException;
import io.berth.storage.VolumeId;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The target node of a migration reached through the node-to-node call {@code /berth-node/v1/migrate/...} (signed,
 * TLS pinned to the node's registered certificate): volume data go as the request body, streamed.
 */
public final class RemotePeer implements MigrationPeer {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration SHORT = Duration.ofMinutes(5);
    private static final Duration TRANSFER = Duration.ofHours(24);

    private final NodeClient nodes;
    private final String node;

    public RemotePeer(NodeClient nodes, String node) {
        this.nodes = nodes;
        this.node = node;
    }

    @Override public String node() { return node; }

    private JsonNode call(String op, Map<String, String> query, HttpRequest.BodyPublisher body, Duration timeout) {
        StringJoiner q = new StringJoiner("&");
        query.forEach((k, v) -> q.add(URLEncoder.encode(k, StandardCharsets.UTF_8) + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8)));
        HttpResponse<InputStream> r = nodes.send(node, "POST", ClusterHttp.NODE_CALLS + MigrateEndpoint.NAME + "/" + op + "?" + q,
                Map.of("Content-Type", "application/octet-stream"), body, timeout);
        try (InputStream in = r.body()) {
            byte[] b = in.readAllBytes();
            JsonNode n = b.length == 0 ? JSON.nullNode() : JSON.readTree(b);
            if (r.statusCode() / 100 == 2) return n.path("data");
            String msg = "node " + node + ": " + n.path("message").asText(new String(b, StandardCharsets.UTF_8)).strip();
            throw switch (r.statusCode()) {
                case 400 -> new InvalidInputException("target-storage", msg);
                case 404 -> new NotFoundException(msg);
                default -> new MigrationException(msg);
            };
        } catch (IOException e) {
            throw new MigrationException("cannot read the answer of node " + node + " to " + op + ": " + e.getMessage(), e);
        }
    }

    @Override public String checkStorage(String storage, boolean shared) {
        return call("check", Map.of("storage", storage, "shared", shared ? "1" : "0"), HttpRequest.BodyPublishers.noBody(), SHORT)
                .path("type").asText();
    }

    @Override public VolumeId receiveVolume(String storage, int vmid, VolumeMeta meta, InputStream data) {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("storage", storage);
        q.put("vmid", Integer.toString(vmid));
        q.put("format", meta.format().name());
        q.put("subvol", meta.subvol() ? "1" : "0");
        q.put("size", Long.toString(meta.sizeBytes()));
        q.put("uid", Integer.toString(meta.rootUid()));
        q.put("gid", Integer.toString(meta.rootGid()));
        q.put("estimated", Long.toString(meta.estimatedBytes()));
        return VolumeId.parse(call("receive", q, HttpRequest.BodyPublishers.ofInputStream(() -> data), TRANSFER).path("volid").asText());
    }

    @Override public void freeVolume(VolumeId volid) {
        call("free", Map.of("volid", volid.toString()), HttpRequest.BodyPublishers.noBody(), SHORT);
    }

    @Override public void start(int vmid) {
        call("start", Map.of("vmid", Integer.toString(vmid)), HttpRequest.BodyPublishers.noBody(), SHORT);
    }
}
