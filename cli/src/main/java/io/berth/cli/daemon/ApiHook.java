package io.berth.cli.daemon;

import io.berth.api.Api;
import io.berth.api.ApiMain;
import io.berth.api.HttpsServer;
import io.berth.config.BerthRoots;
import io.berth.ct.ContainerService;
import java.io.PrintWriter;
import java.nio.file.Path;

/**
 * The api helper's hook into berthd (kept apart from the daemon's own code): {@code berth daemon start} also serves
 * the HTTPS API, on 8006 for the default root; a test root (--root) gets it only with {@code --api-port}. The API
 * runs split as Proxmox's does: berthd (root) serves it on {@code <run>/api/backend.sock}, reachable by the front's
 * group only, and a TLS front runs as {@code --api-user} (www-data) in its own process, restarted if it dies.
 */
final class ApiHook {
    private ApiHook() {}

    /** Where the backend socket, the front's key copy, pid file and log live. */
    static Path dir(BerthRoots roots) { return roots.runDir().resolve("api"); }

    static Path frontPidFile(BerthRoots roots) { return dir(roots).resolve("front.pid"); }

    static HttpsServer start(BerthRoots roots, Integer port, PrintWriter err) {
        return start(roots, port, "www-data", false, err, java.util.function.UnaryOperator.identity());
    }

    /**
     * {@code front}: wrapped around the server's handler (the cluster's forwarding, {@link ClusterHook});
     * {@code inProcess}: the front runs in this JVM as root (development; no privilege separation).
     */
    static HttpsServer start(BerthRoots roots, Integer port, String user, boolean inProcess, PrintWriter err,
                             java.util.function.UnaryOperator<org.eclipse.jetty.server.Handler> front) {
        boolean defaultRoot = roots.configDir().equals(BerthRoots.DEFAULT_CONFIG_DIR);
        int p = port != null ? port : defaultRoot ? 8006 : 0;
        if (p <= 0) return null;
        try {
            Api api = new Api(new ContainerService(roots), line -> {
                err.println("berth auth: " + line);
                err.flush();
            });
            HttpsServer s;
            if (inProcess) {
                s = ApiMain.start(api, "0.0.0.0", p, null, front);
            } else {
                String cp = System.getProperty("berth.front.classpath", System.getProperty("java.class.path"));
                s = ApiMain.startSplit(api, dir(roots), user, "0.0.0.0", p, null, cp, front, line -> {
                    err.println("berth api: " + line);
                    err.flush();
                });
            }
            err.println("berth api listening on https://0.0.0.0:" + s.port() + "/api2/json"
                    + (inProcess ? " (in process)" : " (front pid " + s.frontProcess().flatMap(f -> f.pid()).map(String::valueOf).orElse("?")
                    + " as " + user + ", backend " + s.backendSocket() + ")"));
            err.flush();
            return s;
        } catch (RuntimeException e) {
            err.println("berth api not started: " + e.getMessage());
            err.flush();
            return null;
        }
    }
}
