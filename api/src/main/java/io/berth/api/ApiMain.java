package io.berth.api;

import io.berth.config.BerthRoots;
import io.berth.ct.ContainerService;
import java.nio.file.Path;

/**
 * Runs the HTTPS API in the foreground: {@code ApiMain [--root DIR] [--listen ADDR] [--port 8006] [--cert P12]}.
 * The certificate defaults to {@code <config>/access/pve-ssl.p12}, made self-signed at first start.
 */
public final class ApiMain {
    private ApiMain() {}

    public static void main(String[] args) throws Exception {
        String root = null, listen = "0.0.0.0", cert = null;
        int port = 8006;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--root" -> root = args[++i];
                case "--listen" -> listen = args[++i];
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--cert" -> cert = args[++i];
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "; allowed: --root --listen --port --cert");
            }
        }
        ContainerService ct = new ContainerService(BerthRoots.resolve(root));
        try (HttpsServer s = start(ct, listen, port, cert == null ? null : Path.of(cert))) {
            System.err.println("berth api listening on https://" + listen + ":" + s.port() + "/api2/json");
            s.jetty().join();
        }
    }

    /** Assembles the API of {@code ct} and starts it; the server is returned running. */
    public static HttpsServer start(ContainerService ct, String listen, int port, Path customCert) {
        Api api = new Api(ct, line -> System.getLogger("berth.auth").log(System.Logger.Level.WARNING, line));
        return start(api, listen, port, customCert);
    }

    public static HttpsServer start(Api api, String listen, int port, Path customCert) {
        return start(api, listen, port, customCert, java.util.function.UnaryOperator.identity());
    }

    /**
     * As {@link #start(Api, String, int, Path)}, with {@code front} wrapped around the server's handler before it
     * starts (the cluster module forwards requests for other nodes there).
     */
    public static HttpsServer start(Api api, String listen, int port, Path customCert,
                                    java.util.function.UnaryOperator<org.eclipse.jetty.server.Handler> front) {
        String pass = "berth-" + Node.hostName();
        Path ks = customCert != null ? customCert : Certificates.ensure(Api.accessDir(api.ct()).resolve("pve-ssl.p12"), pass, Node.name());
        HttpsServer s = new HttpsServer(api.service(), listen, port, ks, customCert != null ? System.getenv().getOrDefault("BERTH_CERT_PASSWORD", pass) : pass, api.web());
        s.observe(api);
        s.jetty().setHandler(front.apply(s.jetty().getHandler()));
        s.start();
        return s;
    }
}
