package io.berth.web.console;

import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * One browser console over a WebSocket. The first message must be {@code user:ticket\n} matching the claimed
 * offer; the server answers {@code OK} and starts the program on a pty. Output goes out as binary messages; input,
 * resize and ping arrive as termproxy messages ({@link TermProtocol}). Closing the socket (the tab) ends the program.
 */
public final class ConsoleEndpoint extends Session.Listener.AbstractAutoDemanding {
    private static final int DEFAULT_COLS = 80, DEFAULT_ROWS = 24;

    private final TermProxy proxy;
    private final TermProxy.Offer offer;
    private volatile TermSession term;

    public ConsoleEndpoint(TermProxy proxy, TermProxy.Offer offer) {
        this.proxy = proxy;
        this.offer = offer;
    }

    @Override
    public void onWebSocketText(String message) {
        onMessage(message.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
        byte[] b = new byte[payload.remaining()];
        payload.get(b);
        callback.succeed();
        onMessage(b);
    }

    private void onMessage(byte[] msg) {
        Session s = getSession();
        if (term == null) {
            String hello = new String(msg, StandardCharsets.UTF_8).strip();
            if (!hello.equals(offer.user() + ":" + offer.ticket())) {
                s.close(StatusCode.POLICY_VIOLATION, "authentication failed", Callback.NOOP);
                return;
            }
            try {
                s.sendText("OK", Callback.NOOP);
                TermSession t = TermSession.start(offer.command(), DEFAULT_COLS, DEFAULT_ROWS, chunk -> send(s, chunk), exit -> {
                    offer.ended().complete(exit);
                    s.close(StatusCode.NORMAL, exit == null ? "console closed" : "console exited (" + exit + ")", Callback.NOOP);
                });
                term = t;
                proxy.track(t);
            } catch (RuntimeException e) {
                offer.ended().completeExceptionally(e);
                s.close(StatusCode.SERVER_ERROR, truncate(e.getMessage()), Callback.NOOP);
            }
            return;
        }
        try {
            term.handle(msg);
        } catch (TermProtocol.ProtocolException e) {
            s.close(StatusCode.BAD_PAYLOAD, truncate(e.getMessage()), Callback.NOOP);
        }
    }

    private static void send(Session s, byte[] chunk) throws Exception {
        Callback.Completable done = new Callback.Completable();
        s.sendBinary(ByteBuffer.wrap(chunk), done);
        done.get(30, TimeUnit.SECONDS);
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason, Callback callback) {
        end();
        callback.succeed();
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        end();
    }

    private void end() {
        TermSession t = term;
        if (t == null) offer.ended().complete(null);
        if (t != null) {
            t.close();
            proxy.untrack(t);
        }
    }

    private static String truncate(String s) {
        // a close reason must fit in a control frame (123 bytes)
        if (s == null) return "error";
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return b.length <= 120 ? s : new String(b, 0, 120, StandardCharsets.UTF_8);
    }
}
