package io.berth.cli.migrate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.access.Tickets;
import io.berth.cluster.ClusterNode;
import io.berth.cluster.NodeRegistry;
import io.berth.config.BerthRoots;
import io.berth.config.ClusterBackend;
import io.berth.error.BerthException;
import io.berth.error.HostFailureException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code berth api} (pvesh) and {@code berth task} do on a cluster node for what lives on another node: the
 * call goes to that node's berthd as the HTTPS API forwards it (signed as this node, over TLS pinned to the
 * certificate the node registered), as {@code root@pam} with a ticket signed by the cluster's shared ticket key
 * (root on one node is root in the cluster, as on Proxmox, where pvesh on one node acts on every node).
 */
public final class ClusterForward {
    private static final Pattern NODE_PATH = Pattern.compile("/nodes/([^/]+)(/.*)?");
    private static final Pattern LXC_PATH = Pattern.compile("/lxc/([1-9][0-9]{2,8})(/.*)?");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A call for another node: the node and the API path there. */
    public record Route(String node, String path) {}

    /** A non-2xx answer of the other node, its status and message as the node gave them. */
    public static final class Refused extends RuntimeException {
        private final int status;

        Refused(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() { return status; }
    }

    private ClusterForward() {}

    /** The cluster node name of {@code roots}, or empty on a single host. */
    public static Optional<String> nodeName(BerthRoots roots) { return ClusterBackend.nodeName(roots); }

    /**
     * Where {@code path} must be answered: another member node named in it, the node owning a container named under
     * this node that is not here, or this node's own berthd for {@code /cluster/resources} (the union of every
     * node's answer is gathered there); empty: in process, here.
     */
    public static Optional<Route> route(BerthRoots roots, String path) {
        Optional<String> self = nodeName(roots);
        if (self.isEmpty()) return Optional.empty();
        String p = path.startsWith("/") ? path : "/" + path;
        if (p.endsWith("/") && p.length() > 1) p = p.substring(0, p.length() - 1);
        if (p.equals("/cluster/resources")) return Optional.of(new Route(self.get(), p));
        Matcher m = NODE_PATH.matcher(p);
        if (!m.matches()) return Optional.empty();
        String target = m.group(1);
        ClusterNode cn = ClusterNode.of(roots);
        if (!target.equals(self.get()) && !target.equals("localhost")) {
            if (cn.registry().member(target).isEmpty()) return Optional.empty(); // not a node: the local API says so
            return Optional.of(new Route(target, p));
        }
        Matcher ct = m.group(2) == null ? null : LXC_PATH.matcher(m.group(2));
        if (ct == null || !ct.matches()) return Optional.empty();
        int vmid = Integer.parseInt(ct.group(1));
        if (Files.exists(roots.containerConfig(vmid))) return Optional.empty();
        String owner = cn.etcdConfigs().owners().get(vmid);
        if (owner == null || owner.equals(self.get())) return Optional.empty();
        return Optional.of(new Route(owner, "/nodes/" + owner + m.group(2)));
    }

    /**
     * Calls {@code route} with {@code params} as root@pam; returns the answer's {@code data}. A node that is down is a
     * {@link HostFailureException} naming it; a refusal of the node is {@link Refused} with its status and message.
     */
    public static JsonNode call(BerthRoots roots, Tickets tickets, Route route, String method, Map<String, String> params) {
        ClusterNode cn = ClusterNode.of(roots);
        if (!route.node().equals(cn.node())) {
            Optional<NodeRegistry.NodeState> st = cn.registry().states().stream().filter(s -> s.member().name().equals(route.node())).findFirst();
            if (st.isPresent() && !st.get().online())
                throw new HostFailureException("node " + route.node() + " is offline (no heartbeat in the cluster): " + method + " " + route.path()
                        + " can only be answered there; try again when it is back");
        }
        StringJoiner form = new StringJoiner("&");
        params.forEach((k, v) -> form.add(URLEncoder.encode(k, StandardCharsets.UTF_8) + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8)));
        boolean query = method.equals("GET") || method.equals("DELETE");
        String pq = "/api2/json" + route.path() + (query && form.length() > 0 ? "?" + form : "");
        long now = System.currentTimeMillis() / 1000;
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Cookie", "PVEAuthCookie=" + URLEncoder.encode(tickets.ticket("root@pam", now), StandardCharsets.UTF_8));
        headers.put("CSRFPreventionToken", tickets.csrfToken("root@pam", now));
        if (!query) headers.put("Content-Type", "application/x-www-form-urlencoded");
        HttpResponse<InputStream> r = cn.nodes().send(route.node(), method, pq, headers,
                query ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(form.toString()), Duration.ofHours(6));
        try (InputStream in = r.body()) {
            byte[] b = in.readAllBytes();
            JsonNode n = b.length == 0 ? JSON.nullNode() : JSON.readTree(b);
            if (r.statusCode() / 100 != 2)
                throw new Refused(r.statusCode(), n.path("message").asText(new String(b, StandardCharsets.UTF_8)).strip()
                        + " (answered by node " + route.node() + ")");
            return n.path("data");
        } catch (IOException e) {
            throw new HostFailureException("cannot read the answer of node " + route.node() + ": " + e.getMessage(), e);
        }
    }

    /** True when {@code e} means the node could not be reached at all (so the caller may fall back to a local answer). */
    public static boolean unreachable(BerthException e) { return e instanceof HostFailureException; }
}
