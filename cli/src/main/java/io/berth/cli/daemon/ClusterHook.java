package io.berth.cli.daemon;

import io.berth.api.HttpsServer;
import io.berth.api.Node;
import io.berth.cluster.ClusterAgent;
import io.berth.cluster.ClusterConf;
import io.berth.cluster.ClusterHttp;
import io.berth.cluster.ClusterNode;
import io.berth.cluster.NodeClient;
import io.berth.config.BerthRoots;
import io.berth.config.ClusterBackend;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The cluster's hook into berthd (kept apart from the daemon's own code): on a cluster node, the API server gets
 * {@link ClusterHttp} in front (forwarding to other nodes, node-to-node calls), and the {@link ClusterAgent} runs
 * (read cache sync and watch, heartbeat, registration of this node's API address and certificate).
 */
final class ClusterHook {
    private ClusterHook() {}

    /** The node, if this root is in a cluster; also names the API's node after it. */
    static Optional<ClusterNode> node(BerthRoots roots, PrintWriter err) {
        try {
            if (ClusterBackend.of(roots).isEmpty()) return Optional.empty();
            ClusterNode n = ClusterNode.of(roots);
            Node.use(n.node());
            return Optional.of(n);
        } catch (RuntimeException e) {
            err.println("berth cluster: not started: " + e.getMessage());
            err.flush();
            return Optional.empty();
        }
    }

    static UnaryOperator<org.eclipse.jetty.server.Handler> front(Optional<ClusterNode> node) {
        return node.<UnaryOperator<org.eclipse.jetty.server.Handler>>map(n -> h -> new ClusterHttp(n, h)).orElse(UnaryOperator.identity());
    }

    /** Starts the agent with the API's address and certificate; null when not a cluster node. */
    static ClusterAgent agent(BerthRoots roots, Optional<ClusterNode> node, HttpsServer api, PrintWriter err) {
        if (node.isEmpty()) return null;
        Optional<URI> url = Optional.empty();
        Optional<String> fp = Optional.empty();
        if (api != null) {
            ClusterConf c = node.get().conf();
            String host = c.api().map(URI::getHost).orElseGet(ClusterHook::hostAddress);
            url = Optional.of(URI.create("https://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + api.port()));
            fp = fingerprint(api.port());
        }
        Optional<ClusterAgent> a = ClusterAgent.start(roots, url, fp);
        err.println("berth cluster: node " + node.get().node() + " of cluster " + node.get().conf().cluster()
                + url.map(u -> ", API " + u).orElse(", no API (other nodes cannot forward to it)"));
        err.flush();
        return a.orElse(null);
    }

    private static String hostAddress() {
        try {
            return InetAddress.getLocalHost().getHostAddress();
        } catch (UnknownHostException e) {
            return "127.0.0.1";
        }
    }

    /** The certificate our own API server presents, read by a TLS handshake with it. */
    private static Optional<String> fingerprint(int port) {
        X509Certificate[][] seen = new X509Certificate[1][];
        TrustManager tm = new X509TrustManager() {
            @Override public void checkClientTrusted(X509Certificate[] c, String a) {}
            @Override public void checkServerTrusted(X509Certificate[] c, String a) { seen[0] = c; }
            @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
        };
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {tm}, null);
            try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), port)) {
                s.setSoTimeout(10_000);
                s.startHandshake();
            }
            return seen[0] == null || seen[0].length == 0 ? Optional.empty() : Optional.of(NodeClient.fingerprint(seen[0][0]));
        } catch (Exception e) {
            return Optional.empty();
        }
    }
}
