package io.berth.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TLS front's relay through the real split (front + Jetty backend): an answer the backend gives before it has
 * read the request body must reach a client that is still sending that body. The client here is the strictest kind
 * (as Python's requests or curl without early-response handling): it writes the whole body, then reads the answer.
 */
class ApiFrontTest {
    @TempDir static Path tmp;
    static ApiFixture fx;

    @BeforeAll static void up() throws Exception {
        fx = new ApiFixture(tmp.resolve("root"));
    }

    @AfterAll static void down() {
        if (fx != null) fx.close();
    }

    private static final int BODY = 32 << 20; // far more than the socket buffers: the backend answers long before the end

    @Test void anEarlyRefusalOfALargeUploadReachesTheClientWhole() throws Exception {
        for (String tls : new String[]{"TLSv1.3", "TLSv1.2"}) {
            for (int i = 0; i < 4; i++) {
                Reply r = uploadThenRead(tls, null);
                assertThat(r.status).as(tls + " attempt " + i + ": " + r.head).isEqualTo(401);
                assertThat(r.body).as(tls + " attempt " + i).hasSize(r.contentLength);
                assertThat(new String(r.body, StandardCharsets.UTF_8)).contains("\"message\"");
                // and it says the connection ends: a keep-alive client must not send its next request on it
                assertThat(r.head).containsIgnoringCase("Connection: close");
            }
        }
    }

    @Test void aForbiddenUploadKeepsItsReasonToo() throws Exception {
        fx.addUser("front-viewer@pve", "secret-viewer", "PVEAuditor", "/");
        var viewer = fx.login("front-viewer@pve", "secret-viewer");
        String cookie = "Cookie: PVEAuthCookie=" + java.net.URLEncoder.encode(viewer.ticket(), StandardCharsets.UTF_8)
                + "\r\nCSRFPreventionToken: " + viewer.csrf() + "\r\n";
        Reply r = uploadThenRead("TLSv1.3", cookie);
        assertThat(r.status).as(r.head).isEqualTo(403);
        assertThat(new String(r.body, StandardCharsets.UTF_8)).contains("Datastore.AllocateTemplate");
    }

    @Test void aClientThatGoesSilentAfterTheAnswerIsLetGo() throws Exception {
        try (SSLSocket s = connect("TLSv1.3")) {
            OutputStream out = s.getOutputStream();
            out.write(head(null, 1L << 30).getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[64 * 1024]);
            out.flush();
            Reply r = read(s.getInputStream()); // the answer, then the front's end of stream
            assertThat(r.status).isEqualTo(401);
            // the client neither sends the rest nor closes: the front drops the connection after its lingering bound
            long until = System.nanoTime() + 120_000_000_000L;
            while (fx.server.frontConnections() > 0 && System.nanoTime() < until) Thread.sleep(100);
            assertThat(fx.server.frontConnections()).isZero();
        }
    }

    record Reply(int status, String head, int contentLength, byte[] body) {}

    private static SSLSocket connect(String tls) throws IOException {
        SSLSocket s = (SSLSocket) fx.tls.getSocketFactory().createSocket("127.0.0.1", fx.server.port());
        s.setEnabledProtocols(new String[]{tls});
        s.setSoTimeout(120_000);
        s.startHandshake();
        return s;
    }

    private static String head(String authHeaders, long length) {
        return "POST /api2/json/nodes/" + Node.name() + "/storage/local/upload HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Content-Type: multipart/form-data; boundary=berthfronttest\r\nContent-Length: " + length + "\r\n"
                + (authHeaders == null ? "" : authHeaders) + "\r\n";
    }

    /** Sends the whole body before reading anything, then reads the answer to the end of the stream. */
    private static Reply uploadThenRead(String tls, String authHeaders) throws IOException {
        try (SSLSocket s = connect(tls)) {
            OutputStream out = s.getOutputStream();
            out.write(head(authHeaders, BODY).getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[256 * 1024];
            Arrays.fill(chunk, (byte) 'x');
            for (int sent = 0; sent < BODY; sent += chunk.length) out.write(chunk);
            out.flush();
            return read(s.getInputStream());
        }
    }

    private static Reply read(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        in.transferTo(all);
        byte[] b = all.toByteArray();
        String text = new String(b, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        assertThat(end).as("a complete response head in: " + text).isPositive();
        String head = text.substring(0, end);
        int status = Integer.parseInt(head.substring(9, 12));
        int length = -1;
        for (String line : head.split("\r\n")) {
            if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) length = Integer.parseInt(line.substring(15).strip());
        }
        return new Reply(status, head, length, Arrays.copyOfRange(b, end + 4, b.length));
    }
}
