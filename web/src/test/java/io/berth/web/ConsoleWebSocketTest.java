package io.berth.web;

import io.berth.web.console.TermProxy;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The console WebSocket end to end on a real Jetty server, a real pty and a real shell (no container needed:
 * the offer names the program). The browser test drives the same path into a container.
 */
class ConsoleWebSocketTest {
    Server server;
    WebUi web;
    int port;

    @BeforeEach
    void start() throws Exception {
        server = new Server();
        ServerConnector c = new ServerConnector(server);
        c.setHost("127.0.0.1");
        c.setPort(0);
        server.addConnector(c);
        // the API decides who a request is; here the cookie "PVEAuthCookie=alice" stands for alice@pve
        web = new WebUi(null, req -> Optional.ofNullable(req.getHeaders().get("Cookie"))
                .filter(s -> s.contains("PVEAuthCookie=alice")).map(s -> "alice@pve"));
        server.setHandler(web.wrap(server, new Handler.Abstract() {
            @Override public boolean handle(org.eclipse.jetty.server.Request r, org.eclipse.jetty.server.Response s, Callback cb) {
                s.setStatus(404); cb.succeeded(); return true;
            }
        }));
        server.start();
        port = c.getLocalPort();
    }

    @AfterEach
    void stop() throws Exception {
        web.close();
        server.stop();
    }

    /** Collects binary output; text frames (the OK) go to {@code text}. */
    static final class Client implements WebSocket.Listener {
        final StringBuffer out = new StringBuffer();
        final StringBuffer text = new StringBuffer();
        final CompletableFuture<String> closed = new CompletableFuture<>();
        private final java.io.ByteArrayOutputStream raw = new java.io.ByteArrayOutputStream();

        @Override public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            synchronized (raw) {
                raw.write(b, 0, b.length);
                out.setLength(0);
                out.append(raw.toString(StandardCharsets.UTF_8));
            }
            ws.request(1);
            return null;
        }
        @Override public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            ws.request(1);
            return null;
        }
        @Override public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
            closed.complete(code + " " + reason);
            return null;
        }

        void await(String needle) throws InterruptedException {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (!out.toString().contains(needle)) {
                if (System.nanoTime() > end) throw new AssertionError("no '" + needle + "' in console output: " + out);
                Thread.sleep(20);
            }
        }
    }

    private WebSocket connect(Client client, TermProxy.Offer o, String cookie, String origin) {
        var b = HttpClient.newHttpClient().newWebSocketBuilder().subprotocols("binary");
        if (cookie != null) b.header("Cookie", cookie);
        if (origin != null) b.header("Origin", origin);
        return b.connectTimeout(Duration.ofSeconds(5)).buildAsync(URI.create("ws://127.0.0.1:" + port
                + "/api2/json/nodes/localhost/lxc/9001/vncwebsocket?port=" + o.port() + "&vncticket=" + o.ticket()), client).join();
    }

    private static void type(WebSocket ws, String s) {
        ws.sendText("0:" + s.getBytes(StandardCharsets.UTF_8).length + ":" + s, true).join();
    }

    @Test
    void shellOverThePtyWithResizeCtrlCAndUtf8() throws Exception {
        TermProxy.Offer o = web.proxy().offer("alice@pve", 9001, List.of("sh"));
        Client c = new Client();
        WebSocket ws = connect(c, o, "PVEAuthCookie=alice", "http://127.0.0.1:" + port);
        ws.sendText("alice@pve:" + o.ticket() + "\n", true).join();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!c.text.toString().equals("OK") && System.nanoTime() < end) Thread.sleep(20);
        assertThat(c.text.toString()).isEqualTo("OK");

        type(ws, "echo $((6*7))x\n");
        c.await("42x");
        ws.sendText("1:132:43:", true).join();
        type(ws, "stty size\n");
        c.await("43 132");
        type(ws, "echo \u00fcber-\u2603\n");
        c.await("\u00fcber-\u2603\r\n");
        type(ws, "sleep 60\n");
        Thread.sleep(300);
        type(ws, "\u0003");
        type(ws, "echo after-$((1+1))\n");
        c.await("after-2");
        assertThat(web.proxy().liveSessions()).isEqualTo(1);

        ws.sendClose(1000, "tab closed").join();
        end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (web.proxy().liveSessions() > 0 && System.nanoTime() < end) Thread.sleep(50);
        assertThat(web.proxy().liveSessions()).as("closing the socket ends the session").isZero();
    }

    @Test
    void exitingTheShellClosesTheSocket() throws Exception {
        TermProxy.Offer o = web.proxy().offer("alice@pve", 9001, List.of("sh"));
        Client c = new Client();
        WebSocket ws = connect(c, o, "PVEAuthCookie=alice", null);
        ws.sendText("alice@pve:" + o.ticket() + "\n", true).join();
        type(ws, "exit 3\n");
        assertThat(c.closed.get(15, TimeUnit.SECONDS)).startsWith("1000").contains("exited (3)");
    }

    @Test
    void ticketsAreSingleUseAndBoundToUserContainerAndOrigin() throws Exception {
        TermProxy.Offer o = web.proxy().offer("alice@pve", 9001, List.of("sh"));
        assertThatThrownBy(() -> connect(new Client(), o, null, null)).isInstanceOf(CompletionException.class)
                .rootCause().hasMessageContaining("401");
        assertThatThrownBy(() -> connect(new Client(), o, "PVEAuthCookie=alice", "https://evil.example")).rootCause().hasMessageContaining("403");
        TermProxy.Offer other = web.proxy().offer("alice@pve", 9002, List.of("sh"));
        assertThat(web.proxy().claim(9001, other.port(), other.ticket())).as("ticket of another container").isEmpty();
        TermProxy.Offer forged = new TermProxy.Offer(o.port(), o.ticket() + "x", o.user(), 9001, List.of(), o.expires());
        assertThatThrownBy(() -> connect(new Client(), forged, "PVEAuthCookie=alice", null)).rootCause().hasMessageContaining("403");
        Client c = new Client();
        WebSocket ws = connect(c, o, "PVEAuthCookie=alice", null);
        ws.sendText("mallory@pve:" + o.ticket() + "\n", true).join();
        assertThat(c.closed.get(10, TimeUnit.SECONDS)).startsWith("1008");
        assertThatThrownBy(() -> connect(new Client(), o, "PVEAuthCookie=alice", null)).as("used up").rootCause().hasMessageContaining("403");
    }
}
