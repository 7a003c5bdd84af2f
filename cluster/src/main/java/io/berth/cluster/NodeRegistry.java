package io.berth.cluster;

import static io.berth.cluster.Etcd.await;
import static io.berth.cluster.Etcd.bytes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.error.HostFailureException;
import io.berth.error.NotFoundException;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The cluster's nodes: {@code /berth/cluster/members/NODE} (JSON: API address, API certificate fingerprint, join
 * time) says who is a member; {@code /berth/cluster/alive/NODE}, bound to a lease the node's berthd keeps alive,
 * says who is online (it vanishes at most one lease ttl after the node died or lost the cluster).
 */
public final class NodeRegistry {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A member node; {@code api} and {@code fingerprint} are empty until its berthd serves the API. */
    public record Member(String name, Optional<URI> api, Optional<String> fingerprint, Instant joined) {
        String json() {
            ObjectNode o = JSON.createObjectNode();
            o.put("node", name);
            api.ifPresent(a -> o.put("api", a.toString()));
            fingerprint.ifPresent(f -> o.put("fingerprint", f));
            o.put("joined", joined.getEpochSecond());
            return o.toString();
        }

        static Member parse(String name, String json) {
            try {
                JsonNode n = JSON.readTree(json);
                return new Member(name, Optional.ofNullable(n.get("api")).map(JsonNode::asText).map(URI::create),
                        Optional.ofNullable(n.get("fingerprint")).map(JsonNode::asText),
                        Instant.ofEpochSecond(n.path("joined").asLong()));
            } catch (IOException e) {
                throw new HostFailureException("the cluster's entry of node " + name + " is not valid JSON: " + e.getMessage(), e);
            }
        }
    }

    /** A member and whether its heartbeat is there. */
    public record NodeState(Member member, boolean online) {}

    private final KV kv;
    private final Lease lease;
    private final EtcdLayout layout;
    private final Duration timeout;

    public NodeRegistry(Client client, EtcdLayout layout, Duration timeout) {
        this.kv = client.getKVClient();
        this.lease = client.getLeaseClient();
        this.layout = layout;
        this.timeout = timeout;
    }

    public void put(Member m) {
        await(kv.put(bytes(layout.member(m.name())), bytes(m.json())), timeout, "register node " + m.name());
    }

    public void remove(String node) {
        await(kv.delete(bytes(layout.member(node))), timeout, "remove node " + node + " from the cluster");
        await(kv.delete(bytes(layout.alive(node))), timeout, "remove the heartbeat of node " + node);
    }

    public Optional<Member> member(String node) {
        return await(kv.get(bytes(layout.member(node))), timeout, "read the entry of node " + node).getKvs().stream().findFirst()
                .map(k -> Member.parse(node, k.getValue().toString(StandardCharsets.UTF_8)));
    }

    public Member require(String node) {
        return member(node).orElseThrow(() -> new NotFoundException("node '" + node + "' is not a member of the cluster; members: "
                + String.join(", ", members().stream().map(Member::name).toList())));
    }

    public List<Member> members() {
        String dir = layout.membersDir();
        List<Member> out = new ArrayList<>();
        for (KeyValue k : await(kv.get(bytes(dir), GetOption.builder().isPrefix(true).build()), timeout, "list the cluster's nodes").getKvs())
            out.add(Member.parse(k.getKey().toString(StandardCharsets.UTF_8).substring(dir.length()), k.getValue().toString(StandardCharsets.UTF_8)));
        return out;
    }

    public Set<String> online() {
        String dir = layout.aliveDir();
        Set<String> out = new TreeSet<>();
        for (KeyValue k : await(kv.get(bytes(dir), GetOption.builder().isPrefix(true).withKeysOnly(true).build()), timeout,
                "list the online nodes").getKvs())
            out.add(k.getKey().toString(StandardCharsets.UTF_8).substring(dir.length()));
        return out;
    }

    public List<NodeState> states() {
        Set<String> on = online();
        return members().stream().map(m -> new NodeState(m, on.contains(m.name()))).toList();
    }

    /** A running heartbeat; closing it revokes the lease (the node shows offline at once). */
    public interface Heartbeat extends AutoCloseable {
        long leaseId();

        @Override void close();
    }

    /**
     * Starts {@code node}'s heartbeat: a lease of {@code ttl} kept alive by this client, and the alive key bound to
     * it. If the cluster is unreachable longer than the ttl, etcd drops the key: other nodes see this one offline.
     */
    public Heartbeat heartbeat(String node, Duration ttl) {
        long id = await(lease.grant(Math.max(2, ttl.toSeconds())), timeout, "start the heartbeat of node " + node).getID();
        CloseableClient keep = lease.keepAlive(id, new StreamObserver<LeaseKeepAliveResponse>() {
            @Override public void onNext(LeaseKeepAliveResponse r) {}
            @Override public void onError(Throwable t) {}
            @Override public void onCompleted() {}
        });
        try {
            await(kv.put(bytes(layout.alive(node)), bytes(Long.toString(ProcessHandle.current().pid())),
                    PutOption.builder().withLeaseId(id).build()), timeout, "start the heartbeat of node " + node);
        } catch (RuntimeException e) {
            keep.close();
            lease.revoke(id);
            throw e;
        }
        return new Heartbeat() {
            @Override public long leaseId() { return id; }

            @Override public void close() {
                keep.close();
                try {
                    await(lease.revoke(id), timeout, "stop the heartbeat of node " + node);
                } catch (HostFailureException e) {
                    // unreachable: the lease expires on its own
                }
            }
        };
    }
}
