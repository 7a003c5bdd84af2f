package io.berth.web;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** How the UI files are served (headers, caching, no path guessing); the e2e module checks the page in a browser. */
class UiServeTest {
    static Server server;
    static int port;
    static WebUi web;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        server = new Server();
        ServerConnector c = new ServerConnector(server);
        c.setHost("127.0.0.1");
        c.setPort(0);
        server.addConnector(c);
        web = new WebUi(null, r -> Optional.empty());
        server.setHandler(web.wrap(server, new Handler.Abstract() {
            @Override public boolean handle(org.eclipse.jetty.server.Request r, org.eclipse.jetty.server.Response s, Callback cb) {
                s.setStatus(401);
                s.write(true, java.nio.ByteBuffer.wrap("{\"data\":null,\"message\":\"no API in this test\"}".getBytes()), cb);
                return true;
            }
        }));
        server.start();
        port = c.getLocalPort();
        assertThat(web.assets().built()).as("the build put the UI on the classpath (web/ui/build.sh)").isTrue();
    }

    @AfterAll
    static void stop() throws Exception { server.stop(); }

    static HttpResponse<byte[]> get(String path, String... headers) throws Exception {
        var b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static String jsName() {
        return web.assets().all().keySet().stream().filter(n -> n.startsWith("main-") && n.endsWith(".js")).findFirst().orElseThrow();
    }

    @Test
    void indexIsRevalidatedAndCarriesTheCsp() throws Exception {
        var r = get("/");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-cache");
        String csp = r.headers().firstValue("Content-Security-Policy").orElseThrow();
        assertThat(csp).contains("script-src 'self'").doesNotContain("unsafe-eval").contains("frame-ancestors 'none'");
        assertThat(csp.split("script-src")[1].split(";")[0]).doesNotContain("unsafe-inline");
        assertThat(new String(r.body())).contains("/ui/" + jsName()).doesNotContain("<script>");
        var again = get("/", "If-None-Match", r.headers().firstValue("ETag").orElseThrow());
        assertThat(again.statusCode()).isEqualTo(304);
    }

    @Test
    void hashedAssetsAreImmutableAndGzipped() throws Exception {
        var r = get("/ui/" + jsName(), "Accept-Encoding", "gzip");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Cache-Control")).hasValue("public, max-age=31536000, immutable");
        assertThat(r.headers().firstValue("Content-Encoding")).hasValue("gzip");
        assertThat(r.body().length).isLessThan(web.assets().find(jsName()).orElseThrow().body().length * 2 / 3);
        assertThat(get("/ui/" + jsName()).headers().firstValue("Content-Encoding")).isEmpty();
    }

    @Test
    void onlyListedNamesExist() throws Exception {
        for (String p : List.of("/ui/assets.txt", "/ui/%2e%2e/pom.xml", "/ui/nothing.js", "/ui/", "/ui/%2Fetc%2Fpasswd"))
            assertThat(get(p).statusCode()).as(p).isIn(400, 404);
        assertThat(get("/api2/json/version").statusCode()).as("falls through to the API").isEqualTo(401);
    }
}
