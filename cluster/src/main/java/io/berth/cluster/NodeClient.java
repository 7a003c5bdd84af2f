package io.berth.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.error.HostFailureException;
import io.berth.error.UnsupportedException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Calls another node's API server as this node: every request is signed ({@link NodeAuth}) and the TLS connection
 * is accepted only if the target presents the certificate whose SHA-256 fingerprint it registered
 * ({@link NodeRegistry.Member#fingerprint}): the nodes' self-signed certificates need no CA, and a man in the middle
 * is refused.
 */
public final class NodeClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String self;
    private final NodeRegistry registry;
    private final NodeAuth auth;
    private final Duration timeout;

    public NodeClient(String self, NodeRegistry registry, NodeAuth auth, Duration timeout) {
        this.self = self;
        this.registry = registry;
        this.auth = auth;
        this.timeout = timeout;
    }

    /** The SHA-256 fingerprint of a certificate as Proxmox shows it ({@code AB:CD:...}). */
    public static String fingerprint(X509Certificate c) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(c.getEncoded());
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(d);
        } catch (CertificateEncodingException | java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot hash a certificate", e);
        }
    }

    /**
     * Sends a signed request to {@code node}'s API server ({@code pathAndQuery} starts with {@code /}); the
     * response's status and body are the caller's to read. {@code headers} are added (e.g. the user's ticket for a
     * forwarded API request).
     */
    public HttpResponse<InputStream> send(String node, String method, String pathAndQuery, Map<String, String> headers,
                                          HttpRequest.BodyPublisher body, Duration requestTimeout) {
        NodeRegistry.Member m = registry.require(node);
        URI base = m.api().orElseThrow(() -> new UnsupportedException("node " + node + " serves no API (its berthd runs without "
                + "the API, or it has not started since it joined): requests for it cannot be forwarded"));
        String fp = m.fingerprint().orElseThrow(() -> new UnsupportedException("node " + node + " registered no certificate fingerprint"));
        HttpRequest.Builder rb = HttpRequest.newBuilder(base.resolve(pathAndQuery)).timeout(requestTimeout).method(method, body);
        auth.sign(self, method, pathAndQuery).forEach(rb::header);
        headers.forEach(rb::header);
        try (HttpClient http = HttpClient.newBuilder().sslContext(pinned(node, fp)).connectTimeout(timeout).build()) {
            return http.send(rb.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new HostFailureException("cannot reach node " + node + " at " + base + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HostFailureException("interrupted while calling node " + node, e);
        }
    }

    /**
     * A JSON API call on {@code node} ({@code /api2/json} + {@code path}) as this node; returns the {@code data}
     * member. A non-2xx answer becomes a {@link HostFailureException} with the node's message.
     */
    public JsonNode call(String node, String method, String path, Map<String, String> params) {
        StringJoiner form = new StringJoiner("&");
        params.forEach((k, v) -> form.add(URLEncoder.encode(k, StandardCharsets.UTF_8) + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8)));
        boolean get = method.equalsIgnoreCase("GET") || method.equalsIgnoreCase("DELETE");
        String p = "/api2/json" + path + (get && form.length() > 0 ? "?" + form : "");
        HttpResponse<InputStream> r = send(node, method.toUpperCase(Locale.ROOT), p,
                get ? Map.of() : Map.of("Content-Type", "application/x-www-form-urlencoded"),
                get ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(form.toString()), Duration.ofMinutes(5));
        try (InputStream in = r.body()) {
            byte[] b = in.readAllBytes();
            JsonNode n = b.length == 0 ? JSON.nullNode() : JSON.readTree(b);
            if (r.statusCode() / 100 != 2)
                throw new HostFailureException("node " + node + " answered " + r.statusCode() + " to " + method + " " + path + ": "
                        + n.path("message").asText(new String(b, StandardCharsets.UTF_8)).strip());
            return n.path("data");
        } catch (IOException e) {
            throw new HostFailureException("cannot read the answer of node " + node + ": " + e.getMessage(), e);
        }
    }

    static SSLContext pinned(String node, String fingerprint) {
        X509ExtendedTrustManager tm = new X509ExtendedTrustManager() {
            private void check(X509Certificate[] chain) throws CertificateException {
                if (chain == null || chain.length == 0) throw new CertificateException("node " + node + " presented no certificate");
                String got = fingerprint(chain[0]);
                if (!got.equalsIgnoreCase(fingerprint))
                    throw new CertificateException("node " + node + " presented certificate " + got + ", but registered " + fingerprint);
            }

            @Override public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException { check(chain); }
            @Override public void checkServerTrusted(X509Certificate[] chain, String authType, Socket s) throws CertificateException { check(chain); }
            @Override public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine e) throws CertificateException { check(chain); }
            @Override public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException { throw new CertificateException("client side only"); }
            @Override public void checkClientTrusted(X509Certificate[] chain, String authType, Socket s) throws CertificateException { throw new CertificateException("client side only"); }
            @Override public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine e) throws CertificateException { throw new CertificateException("client side only"); }
            @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
        };
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new javax.net.ssl.TrustManager[] {tm}, null);
            return ctx;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up TLS", e);
        }
    }
}
