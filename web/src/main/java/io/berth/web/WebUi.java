package io.berth.web;

import io.berth.ct.ContainerService;
import io.berth.web.console.ConsoleEndpoint;
import io.berth.web.console.TermProxy;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Plugs the UI into the API server: static files at {@code /} and {@code /ui/}, the console WebSocket at
 * {@code /api2/json/nodes/{node}/lxc/{vmid}/vncwebsocket}, and {@link #termproxy} for the API's
 * {@code POST .../termproxy} (which must have checked {@code VM.Console} on {@code /vms/{vmid}} first).
 */
public final class WebUi {
    static final Pattern WS_PATH = Pattern.compile("^/api2/json/nodes/([^/]+)/lxc/([0-9]+)/vncwebsocket$");

    private final ContainerService containers;
    private final TermProxy proxy = new TermProxy();
    private final UiAssets assets = UiAssets.load();
    private final Function<Request, Optional<String>> requestUser;

    /** {@code requestUser}: the authenticated user of a request (ticket cookie), as the API decides it. */
    public WebUi(ContainerService containers, Function<Request, Optional<String>> requestUser) {
        this.containers = containers;
        this.requestUser = requestUser;
    }

    public TermProxy proxy() { return proxy; }

    public UiAssets assets() { return assets; }

    /** Wraps the API handler: WebSocket upgrades first, then UI files, then {@code api}. */
    public Handler wrap(Server server, Handler api) {
        WebSocketUpgradeHandler ws = handler(server);
        Handler.Sequence plain = new Handler.Sequence(new UiHandler(assets), api);
        ws.setHandler(plain);
        return new Handler.Wrapper(ws) {
            @Override public boolean handle(Request req, Response res, Callback cb) throws Exception {
                // only an upgrade request can open the console's WebSocket: every other request (each API call) skips
                // its path match (a regex per request, ~5% of the backend's CPU for GET status/current)
                if (!req.getHeaders().contains(HttpHeader.UPGRADE)) return plain.handle(req, res, cb);
                return super.handle(req, res, cb);
            }
        };
    }

    /** The console WebSocket upgrade around the UI files (for a server that routes the API itself). */
    public WebSocketUpgradeHandler handler(Server server) {
        WebSocketUpgradeHandler ws = WebSocketUpgradeHandler.from(server, c -> {
            c.setIdleTimeout(Duration.ofMinutes(30));
            c.setMaxTextMessageSize(1 << 20);
            c.addMapping(WS_PATH.pattern(), (req, resp, cb) -> {
                Matcher m = WS_PATH.matcher(Request.getPathInContext(req));
                if (!m.matches()) { resp.setStatus(404); cb.succeeded(); return null; }
                if (!sameOrigin(req)) { resp.setStatus(403); cb.succeeded(); return null; }
                Optional<String> user = requestUser.apply(req);
                if (user.isEmpty()) { resp.setStatus(401); cb.succeeded(); return null; }
                Fields q = Request.extractQueryParameters(req);
                int port;
                try { port = Integer.parseInt(q.getValue("port")); } catch (RuntimeException e) { resp.setStatus(400); cb.succeeded(); return null; }
                var offer = proxy.claim(Integer.parseInt(m.group(2)), port, q.getValue("vncticket"))
                        .filter(o -> o.user().equals(user.get()));
                if (offer.isEmpty()) { resp.setStatus(403); cb.succeeded(); return null; }
                if (req.getSubProtocols().contains("binary")) resp.setAcceptedSubProtocol("binary");
                return new ConsoleEndpoint(proxy, offer.get());
            });
        });
        ws.setHandler(new UiHandler(assets));
        return ws;
    }

    /** Cross-site WebSocket hijacking guard: a browser always sends Origin; it must name this host. */
    static boolean sameOrigin(Request req) {
        String origin = req.getHeaders().get(HttpHeader.ORIGIN);
        if (origin == null) return true; // not a browser (CLI clients, tests): the tickets still apply
        try {
            URI o = URI.create(origin);
            String host = req.getHeaders().get(HttpHeader.HOST);
            return host != null && (o.getHost() + (o.getPort() > 0 ? ":" + o.getPort() : "")).equalsIgnoreCase(host);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * The console command for a container, as Proxmox picks it from {@code cmode}: {@code shell} a login shell
     * (lxc-attach), {@code console} /dev/console, {@code tty} (default) the first tty; escape disabled so Ctrl-A
     * reaches the program.
     */
    public List<String> consoleCommand(int vmid) {
        String cmode = containers.config(vmid).main().cmode();
        return switch (cmode) {
            case "shell" -> containers.attachCommand(vmid, List.of());
            case "console" -> withArgs(containers.consoleCommand(vmid), "-e", "-1", "-t", "0");
            default -> withArgs(containers.consoleCommand(vmid), "-e", "-1");
        };
    }

    private static List<String> withArgs(List<String> base, String... more) {
        List<String> l = new ArrayList<>(base);
        l.addAll(List.of(more));
        return l;
    }

    /** For {@code POST /nodes/{node}/lxc/{vmid}/termproxy}: a one-time console offer for this user. */
    public TermProxy.Offer termproxy(String user, int vmid) {
        return proxy.offer(user, vmid, consoleCommand(vmid));
    }

    private final List<Runnable> onClose = new java.util.concurrent.CopyOnWriteArrayList<>();

    void onClose(Runnable r) { onClose.add(r); }

    public void close() {
        proxy.closeAll();
        onClose.forEach(Runnable::run);
    }
}
