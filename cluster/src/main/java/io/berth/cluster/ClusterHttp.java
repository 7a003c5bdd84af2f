package io.berth.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.error.BerthException;
import io.berth.error.HttpStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.net.URLDecoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The cluster's part of a node's HTTPS server, in front of the API:
 * <ul>
 * <li>{@code /api2/(json|extjs)/nodes/OTHER/...} for another member node is forwarded to that node's API as is
 *     (the user's ticket or API token goes along and is checked there, as pveproxy proxies to the node named in the
 *     path), signed as coming from this node, over TLS pinned to the certificate that node registered;</li>
 * <li>{@code /berth-node/v1/NAME/...} are node-to-node calls ({@link NodeEndpoint}), served only when signed by a
 *     node of the cluster;</li>
 * <li>everything else goes on to the API.</li>
 * </ul>
 */
public final class ClusterHttp extends Handler.Wrapper {
    public static final String NODE_CALLS = "/berth-node/v1/";
    private static final Pattern NODE_PATH = Pattern.compile("/api2/(json|extjs)/nodes/([^/]+)(/.*)?");
    private static final Pattern LXC_PATH = Pattern.compile("/lxc/([1-9][0-9]{2,8})(/.*)?");
    /** Gathered from every node; {@code /cluster/tasks} is not: every node reads the cluster's task index in etcd. */
    private static final Pattern CLUSTER_WIDE = Pattern.compile("/api2/(json|extjs)/cluster/(resources|nextid)");
    /** Marks a node's request for its own part of a cluster-wide answer (signed, so a user cannot set it). */
    static final String LOCAL = "X-Berth-Local";
    private static final Set<String> FORWARDED_HEADERS = Set.of("authorization", "cookie", "csrfpreventiontoken", "content-type", "accept");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, NodeEndpoint> ENDPOINTS = new ConcurrentHashMap<>();

    private final ClusterNode node;

    public ClusterHttp(ClusterNode node, Handler next) {
        super(next);
        this.node = node;
    }

    /** Serves {@code endpoint} at {@code /berth-node/v1/NAME}; one per name and JVM (the last registration wins). */
    public static void register(String name, NodeEndpoint endpoint) {
        if (!name.matches("[a-z][a-z0-9-]*")) throw new IllegalArgumentException("bad endpoint name " + name);
        ENDPOINTS.put(name, endpoint);
    }

    @Override public boolean handle(Request req, Response res, Callback cb) throws Exception {
        String path = Request.getPathInContext(req);
        if (path.startsWith(NODE_CALLS)) {
            serveNodeCall(req, res, cb, path.substring(NODE_CALLS.length()));
            return true;
        }
        Matcher c = CLUSTER_WIDE.matcher(path);
        if (c.matches() && req.getMethod().equals("GET")) {
            if (req.getHeaders().get(LOCAL) != null) {
                // one node's part of a cluster-wide answer: only for a node of the cluster
                try {
                    node.auth().verify(req.getMethod(), req.getHttpURI().getPathQuery(), name -> Optional.ofNullable(req.getHeaders().get(name)));
                } catch (BerthException e) {
                    error(res, cb, HttpStatus.of(e), e.getMessage());
                    return true;
                }
                return super.handle(req, res, cb);
            }
            clusterWide(req, res, cb, c.group(2));
            return true;
        }
        Matcher m = NODE_PATH.matcher(path);
        if (m.matches()) {
            String target = URLDecoder.decode(m.group(2), StandardCharsets.UTF_8);
            if (!target.equals(node.node()) && !target.equals("localhost") && isMember(target)) {
                forward(req, res, cb, target, req.getHttpURI().getPathQuery());
                return true;
            }
            // a container this node does not have, named under this node: it may live elsewhere (a stale node in
            // a client, a migrated container): forwarded to its owner, the path naming the owner
            Matcher ct = m.group(3) == null ? null : LXC_PATH.matcher(m.group(3));
            if (ct != null && ct.matches() && req.getHeaders().get(NodeAuth.NODE) == null) {
                int vmid = Integer.parseInt(ct.group(1));
                if (!Files.exists(node.roots().containerConfig(vmid))) {
                    String owner = ownerOf(vmid);
                    if (owner != null && !owner.equals(node.node())) {
                        String q = req.getHttpURI().getQuery();
                        forward(req, res, cb, owner, "/api2/" + m.group(1) + "/nodes/" + owner + m.group(3) + (q == null ? "" : "?" + q));
                        return true;
                    }
                }
            }
        }
        return super.handle(req, res, cb);
    }

    private boolean isMember(String name) {
        try {
            return name.matches("[a-zA-Z0-9][a-zA-Z0-9-]{0,62}") && node.registry().member(name).isPresent();
        } catch (BerthException e) {
            return false; // no quorum: the local API answers (and refuses what it cannot do)
        }
    }

    private String ownerOf(int vmid) {
        try {
            return Etcd.await(node.client().getKVClient().get(Etcd.bytes(node.layout().vmid(vmid))), node.conf().timeout(),
                    "find the node of container " + vmid).getKvs().stream().findFirst()
                    .map(k -> k.getValue().toString(StandardCharsets.UTF_8)).orElse(null);
        } catch (BerthException e) {
            return null; // no quorum: the local API answers "does not exist"
        }
    }

    private void forward(Request req, Response res, Callback cb, String target, String pathAndQuery) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (var f : req.getHeaders())
            if (FORWARDED_HEADERS.contains(f.getLowerCaseName())) headers.put(f.getName(), f.getValue());
        boolean hasBody = !req.getMethod().equals("GET") && !req.getMethod().equals("HEAD");
        InputStream in = hasBody ? Content.Source.asInputStream(req) : InputStream.nullInputStream();
        try {
            HttpResponse<InputStream> r = node.nodes().send(target, req.getMethod(), pathAndQuery, headers,
                    hasBody ? HttpRequest.BodyPublishers.ofInputStream(() -> in) : HttpRequest.BodyPublishers.noBody(), Duration.ofMinutes(10));
            res.setStatus(r.statusCode());
            r.headers().firstValue("content-type").ifPresent(v -> res.getHeaders().put(HttpHeader.CONTENT_TYPE, v));
            r.headers().allValues("set-cookie").forEach(v -> res.getHeaders().add(HttpHeader.SET_COOKIE, v));
            try (InputStream body = r.body(); OutputStream out = Content.Sink.asOutputStream(res)) {
                body.transferTo(out);
            }
            cb.succeeded();
        } catch (BerthException e) {
            error(res, cb, HttpStatus.of(e), "cannot forward the request to node " + target + ": " + e.getMessage());
        } catch (IOException e) {
            cb.failed(e);
        }
    }

    /**
     * {@code /cluster/resources}: the union of every online node's own answer (each asked
     * with the user's credentials, so each applies its permissions); containers of offline nodes are listed from the
     * cluster store with status {@code unknown}, offline nodes as {@code offline}. {@code /cluster/nextid}: the local
     * API checks the user, the id is the lowest one free cluster-wide.
     */
    private void clusterWide(Request req, Response res, Callback cb, String what) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (var f : req.getHeaders())
            if (FORWARDED_HEADERS.contains(f.getLowerCaseName())) headers.put(f.getName(), f.getValue());
        headers.put(LOCAL, "1");
        String pathAndQuery = req.getHttpURI().getPathQuery();
        try {
            List<NodeRegistry.NodeState> states = node.registry().states();
            java.util.List<com.fasterxml.jackson.databind.JsonNode> rows = new java.util.ArrayList<>();
            com.fasterxml.jackson.databind.node.ObjectNode shape = null;
            java.util.Set<String> answered = new java.util.HashSet<>();
            // ourselves first: our answer decides the status (401/403 for this user) and the body's shape
            List<NodeRegistry.NodeState> order = new java.util.ArrayList<>(states);
            order.sort(java.util.Comparator.comparing(s -> !s.member().name().equals(node.node())));
            for (NodeRegistry.NodeState st : order) {
                String n = st.member().name();
                boolean self = n.equals(node.node());
                if (!self && (!st.online() || what.equals("nextid"))) continue;
                HttpResponse<InputStream> r;
                try {
                    r = node.nodes().send(n, "GET", pathAndQuery, headers, HttpRequest.BodyPublishers.noBody(), Duration.ofSeconds(30));
                } catch (BerthException e) {
                    if (self) throw e;
                    continue; // went offline meanwhile: listed from the store below
                }
                byte[] body;
                try (InputStream in = r.body()) {
                    body = in.readAllBytes();
                }
                if (self && r.statusCode() != 200) {
                    res.setStatus(r.statusCode());
                    r.headers().firstValue("content-type").ifPresent(v -> res.getHeaders().put(HttpHeader.CONTENT_TYPE, v));
                    res.write(true, ByteBuffer.wrap(body), cb);
                    return;
                }
                if (r.statusCode() != 200) continue;
                com.fasterxml.jackson.databind.JsonNode j = JSON.readTree(body);
                if (self) shape = (com.fasterxml.jackson.databind.node.ObjectNode) j;
                if (j.path("data").isArray()) j.path("data").forEach(rows::add);
                answered.add(n);
            }
            com.fasterxml.jackson.databind.node.ObjectNode out = shape == null ? JSON.createObjectNode() : shape;
            if (what.equals("nextid")) {
                String v = req.getHttpURI().getQuery() == null ? null : queryParam(req.getHttpURI().getQuery(), "vmid");
                Map<Integer, String> owners = node.etcdConfigs().owners();
                if (v != null) {
                    int id = Integer.parseInt(v);
                    if (owners.containsKey(id)) {
                        error(res, cb, 400, "VM " + id + " already exists (on node " + owners.get(id) + ")");
                        return;
                    }
                    out.put("data", id);
                } else out.put("data", String.valueOf(node.nextId(100)));
            } else {
                java.util.Set<String> ids = new java.util.HashSet<>();
                com.fasterxml.jackson.databind.node.ArrayNode data = JSON.createArrayNode();
                for (var row : rows) if (!row.has("id") || ids.add(row.path("id").asText())) data.add(row);
                if (what.equals("resources")) {
                    String type = req.getHttpURI().getQuery() == null ? null : queryParam(req.getHttpURI().getQuery(), "type");
                    Map<Integer, String> owners = node.etcdConfigs().owners();
                    for (NodeRegistry.NodeState st : states) {
                        String n = st.member().name();
                        if (answered.contains(n)) continue;
                        if ((type == null || type.equals("node")) && ids.add("node/" + n)) {
                            var e = data.addObject();
                            e.put("id", "node/" + n).put("type", "node").put("node", n).put("status", "offline");
                        }
                        if (type == null || type.equals("vm"))
                            owners.forEach((id, owner) -> {
                                if (owner.equals(n) && ids.add("lxc/" + id))
                                    data.addObject().put("id", "lxc/" + id).put("vmid", id).put("type", "lxc").put("node", n).put("status", "unknown");
                            });
                    }
                }
                out.set("data", data);
            }
            res.setStatus(200);
            res.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json;charset=utf-8");
            res.write(true, ByteBuffer.wrap(JSON.writeValueAsBytes(out)), cb);
        } catch (BerthException e) {
            error(res, cb, HttpStatus.of(e), e.getMessage());
        } catch (IOException | RuntimeException e) {
            error(res, cb, 500, "cannot gather /cluster/" + what + ": " + e);
        }
    }

    private static String queryParam(String query, String name) {
        for (String kv : query.split("&")) {
            int eq = kv.indexOf('=');
            if (eq > 0 && URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8).equals(name))
                return URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
        }
        return null;
    }

    private void serveNodeCall(Request req, Response res, Callback cb, String rest) {
        String from;
        try {
            from = node.auth().verify(req.getMethod(), req.getHttpURI().getPathQuery(), name -> Optional.ofNullable(req.getHeaders().get(name)));
        } catch (BerthException e) {
            error(res, cb, HttpStatus.of(e), e.getMessage());
            return;
        }
        int slash = rest.indexOf('/');
        String name = slash < 0 ? rest : rest.substring(0, slash);
        NodeEndpoint ep = ENDPOINTS.get(name);
        if (ep == null) {
            error(res, cb, 501, "no node call '" + name + "' on node " + node.node() + "; served: " + List.copyOf(ENDPOINTS.keySet()));
            return;
        }
        Map<String, String> query = new LinkedHashMap<>();
        String q = req.getHttpURI().getQuery();
        if (q != null) for (String kv : q.split("&")) {
            if (kv.isEmpty()) continue;
            int eq = kv.indexOf('=');
            query.put(URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8),
                    eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
        }
        try {
            NodeEndpoint.Reply reply = ep.handle(new NodeEndpoint.Call(from, req.getMethod(), slash < 0 ? "" : rest.substring(slash), query,
                    Content.Source.asInputStream(req)));
            switch (reply) {
                case NodeEndpoint.Reply.Json j -> {
                    res.setStatus(200);
                    res.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json;charset=utf-8");
                    res.write(true, ByteBuffer.wrap(JSON.writeValueAsBytes(Map.of("data", j.data() == null ? Map.of() : j.data()))), cb);
                }
                case NodeEndpoint.Reply.Stream s -> {
                    res.setStatus(200);
                    res.getHeaders().put(HttpHeader.CONTENT_TYPE, s.contentType());
                    try (OutputStream out = Content.Sink.asOutputStream(res)) {
                        s.writer().write(out);
                    }
                    cb.succeeded();
                }
            }
        } catch (BerthException e) {
            error(res, cb, HttpStatus.of(e), e.getMessage());
        } catch (IOException | RuntimeException e) {
            error(res, cb, 500, "node call " + name + " failed on node " + node.node() + ": " + e);
        }
    }

    private static void error(Response res, Callback cb, int status, String message) {
        try {
            res.setStatus(status);
            res.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json;charset=utf-8");
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("data", null);
            body.put("message", message + "\n");
            res.write(true, ByteBuffer.wrap(JSON.writeValueAsBytes(body)), cb);
        } catch (IOException | IllegalStateException e) {
            cb.failed(e);
        }
    }
}
