package io.berth.cli.daemon;

import io.berth.api.Api;
import io.berth.api.ApiMain;
import io.berth.api.HttpsServer;
import io.berth.config.BerthRoots;
import io.berth.ct.ContainerService;
import java.io.PrintWriter;

/**
 * The api helper's hook into berthd (kept apart from the daemon's own code): {@code berth daemon start} also serves
 * the HTTPS API, on 8006 for the default root; a test root (--root) gets it only with {@code --api-port}.
 */
final class ApiHook {
    private ApiHook() {}

    static HttpsServer start(BerthRoots roots, Integer port, PrintWriter err) {
        return start(roots, port, err, java.util.function.UnaryOperator.identity());
    }

    /** {@code front}: wrapped around the server's handler (the cluster's forwarding, {@link ClusterHook}). */
    static HttpsServer start(BerthRoots roots, Integer port, PrintWriter err,
                             java.util.function.UnaryOperator<org.eclipse.jetty.server.Handler> front) {
        boolean defaultRoot = roots.configDir().equals(BerthRoots.DEFAULT_CONFIG_DIR);
        int p = port != null ? port : defaultRoot ? 8006 : 0;
        if (p <= 0) return null;
        try {
            Api api = new Api(new ContainerService(roots), line -> {
                err.println("berth auth: " + line);
                err.flush();
            });
            HttpsServer s = ApiMain.start(api, "0.0.0.0", p, null, front);
            err.println("berth api listening on https://0.0.0.0:" + s.port() + "/api2/json");
            err.flush();
            return s;
        } catch (RuntimeException e) {
            err.println("berth api not started: " + e.getMessage());
            err.flush();
            return null;
        }
    }
}
