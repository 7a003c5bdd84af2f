package io.berth.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.access.AccessData;
import io.berth.access.Totp;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Login, tickets, CSRF, tokens, TOTP, permission denials, 400s and 501s over real HTTPS. */
class AuthApiTest {
    @TempDir static Path tmp;
    static ApiFixture fx;

    @BeforeAll static void up() throws Exception {
        fx = new ApiFixture(tmp.resolve("root"));
        fx.addUser("admin@pve", "secret-admin", "Administrator", "/");
        fx.addUser("audit@pve", "secret-audit", null, "/");
    }

    @AfterAll static void down() { if (fx != null) fx.close(); }

    @Test void versionNeedsLogin() throws Exception {
        assertThat(fx.get(null, "/version").status()).isEqualTo(401);
        var s = fx.login("admin@pve", "secret-admin");
        var r = fx.get(s, "/version");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.data().get("version").asText()).startsWith("8.");
    }

    @Test void loginReturnsTicketAndCsrfAndRejectsBadPassword() throws Exception {
        var ok = fx.call(null, "POST", "/access/ticket", Map.of("username", "admin", "realm", "pve", "password", "secret-admin"));
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.data().get("ticket").asText()).startsWith("PVE:admin@pve:");
        assertThat(ok.data().get("CSRFPreventionToken").asText()).matches("[0-9A-F]{8}:.+");
        assertThat(ok.data().get("username").asText()).isEqualTo("admin@pve");
        var bad = fx.call(null, "POST", "/access/ticket", Map.of("username", "admin@pve", "password", "wrong"));
        assertThat(bad.status()).isEqualTo(401);
        var unknown = fx.call(null, "POST", "/access/ticket", Map.of("username", "nobody@pve", "password", "x"));
        assertThat(unknown.status()).isEqualTo(401);
    }

    @Test void ticketRenewalWithTicketAsPassword() throws Exception {
        var s = fx.login("admin@pve", "secret-admin");
        var r = fx.call(null, "POST", "/access/ticket", Map.of("username", "admin@pve", "password", s.ticket()));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.data().get("ticket").asText()).startsWith("PVE:admin@pve:");
        // a forged ticket (signature of another user's) is refused
        String forged = s.ticket().replace("admin@pve", "root@pam");
        assertThat(fx.get(new ApiFixture.Session(forged, null, null), "/version").status()).isEqualTo(401);
    }

    @Test void writesNeedCsrfToken() throws Exception {
        var s = fx.login("admin@pve", "secret-admin");
        var noCsrf = new ApiFixture.Session(s.ticket(), null, null);
        var r = fx.call(noCsrf, "POST", "/access/users", Map.of("userid", "csrf1@pve"));
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.body().get("message").asText()).contains("csrf");
        var wrong = new ApiFixture.Session(s.ticket(), fx.login("audit@pve", "secret-audit").csrf(), null);
        assertThat(fx.call(wrong, "POST", "/access/users", Map.of("userid", "csrf1@pve")).status()).isEqualTo(401);
        assertThat(fx.call(s, "POST", "/access/users", Map.of("userid", "csrf1@pve")).status()).isEqualTo(200);
    }

    @Test void failedLoginsAreRateLimited() throws Exception {
        fx.addUser("limited@pve", "right-one", null, "/");
        for (int i = 0; i < 5; i++) {
            assertThat(fx.call(null, "POST", "/access/ticket", Map.of("username", "limited@pve", "password", "wrong" + i)).status()).isEqualTo(401);
        }
        var r = fx.call(null, "POST", "/access/ticket", Map.of("username", "limited@pve", "password", "right-one"));
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.body().get("message").asText()).contains("too many failed logins");
    }

    @Test void badParametersAre400WithErrorsPerParameter() throws Exception {
        var s = fx.login("admin@pve", "secret-admin");
        var r = fx.call(s, "GET", "/nodes/" + Node.name() + "/lxc/99/status/current", Map.of());
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body().path("errors").path("vmid").asText()).contains("minimum");
        var unknown = fx.call(s, "GET", "/nodes/" + Node.name() + "/lxc", Map.of("bogus", "1"));
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.body().path("errors").has("bogus")).isTrue();
    }

    @Test void unimplementedPathsAre501() throws Exception {
        var s = fx.login("admin@pve", "secret-admin");
        var r = fx.get(s, "/cluster/ha/groups");
        assertThat(r.status()).isEqualTo(501);
        assertThat(r.body().get("message").asText()).contains("not implemented");
        assertThat(fx.get(s, "/no/such/path").status()).isEqualTo(501);
    }

    @Test void reasonPhraseCarriesTheMessage() throws Exception {
        javax.net.ssl.SSLContext ctx = fx.http.sslContext();
        try (SSLSocket sock = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", fx.server.port())) {
            sock.getOutputStream().write(("GET /api2/json/version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            var in = new BufferedReader(new InputStreamReader(sock.getInputStream(), StandardCharsets.US_ASCII));
            assertThat(in.readLine()).isEqualTo("HTTP/1.1 401 No ticket");
        }
    }

    @Test void uiIsServedAtRootAndLoginSetsASecureCookie() throws Exception {
        var r = fx.http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("https://127.0.0.1:" + fx.server.port() + "/")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/html");
        var login = fx.http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(fx.base() + "/access/ticket"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("username=admin%40pve&password=secret-admin")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(login.statusCode()).isEqualTo(200);
        assertThat(login.headers().firstValue("set-cookie").orElse("")).startsWith("PVEAuthCookie=PVE%3Aadmin%40pve%3A")
                .contains("Secure", "HttpOnly", "SameSite=Strict");
    }

    @Test void prometheusMetricsNeedAToken() throws Exception {
        var s = fx.login("admin@pve", "secret-admin");
        var tok = fx.call(s, "POST", "/access/users/admin@pve/token/prom", Map.of("privsep", "0"));
        String header = "PVEAPIToken=admin@pve!prom=" + tok.data().get("value").asText();
        var url = java.net.URI.create("https://127.0.0.1:" + fx.server.port() + "/metrics");
        var anon = fx.http.send(java.net.http.HttpRequest.newBuilder(url).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(anon.statusCode()).isEqualTo(401);
        var r = fx.http.send(java.net.http.HttpRequest.newBuilder(url).header("Authorization", header).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/plain; version=0.0.4");
        assertThat(r.body()).contains("# TYPE berth_ct_up gauge").containsPattern("berth_api_requests_total [1-9]");
    }

    @Test void eventStreamReportsTasks() throws Exception {
        var s = fx.login("admin@pve", "secret-admin");
        var req = java.net.http.HttpRequest.newBuilder(java.net.URI.create("https://127.0.0.1:" + fx.server.port() + "/events"))
                .header("Cookie", "PVEAuthCookie=" + s.ticket()).build();
        var resp = fx.http.send(req, java.net.http.HttpResponse.BodyHandlers.ofLines());
        assertThat(resp.statusCode()).isEqualTo(200);
        var lines = resp.body().iterator();
        assertThat(lines.next()).isEqualTo(": berth events");
        String upid = fx.api.tasks().start("apitest", "1", "admin@pve", log -> log.line("hello"));
        java.util.List<String> seen = new java.util.ArrayList<>();
        while (seen.stream().noneMatch(l -> l.contains(upid) && l.contains("\"exitstatus\":\"OK\""))) {
            String l = lines.next();
            if (l.startsWith("data:")) seen.add(l);
        }
        assertThat(seen.getFirst()).contains(upid).contains("\"status\":\"running\"");
        resp.body().close();
    }

    @Test void extjsFormatReportsSuccessInBody() throws Exception {
        var r = fx.http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                "https://127.0.0.1:" + fx.server.port() + "/api2/extjs/version")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        var body = Json.MAPPER.readTree(r.body());
        assertThat(body.get("success").asInt()).isZero();
        assertThat(body.get("status").asInt()).isEqualTo(401);
    }

    @Test void apiTokensWithPrivilegeSeparation() throws Exception {
        var s = fx.login("admin@pve", "secret-admin");
        var full = fx.call(s, "POST", "/access/users/admin@pve/token/full", Map.of("privsep", "0"));
        assertThat(full.status()).isEqualTo(200);
        assertThat(full.data().get("full-tokenid").asText()).isEqualTo("admin@pve!full");
        String secret = full.data().get("value").asText();
        var tok = ApiFixture.Session.token("PVEAPIToken=admin@pve!full=" + secret);
        assertThat(fx.get(tok, "/version").status()).isEqualTo(200);
        // writes with a token need no CSRF token
        assertThat(fx.call(tok, "POST", "/access/users", Map.of("userid", "bytoken@pve")).status()).isEqualTo(200);
        assertThat(fx.get(ApiFixture.Session.token("PVEAPIToken=admin@pve!full=wrong"), "/version").status()).isEqualTo(401);

        // privilege separated without ACLs of its own: sees nothing that needs a privilege
        var sep = fx.call(s, "POST", "/access/users/admin@pve/token/sep", Map.of());
        assertThat(sep.status()).isEqualTo(200);
        var septok = ApiFixture.Session.token("PVEAPIToken=admin@pve!sep=" + sep.data().get("value").asText());
        assertThat(fx.call(septok, "POST", "/access/users", Map.of("userid", "bysep@pve")).status()).isEqualTo(403);
        assertThat(fx.call(s, "PUT", "/access/acl", Map.of("path", "/", "roles", "PVEUserAdmin", "tokens", "admin@pve!sep")).status()).isEqualTo(200);
        assertThat(fx.call(septok, "POST", "/access/users", Map.of("userid", "bysep@pve")).status()).isEqualTo(200);
        // deleting the token revokes it
        assertThat(fx.call(s, "DELETE", "/access/users/admin@pve/token/sep", Map.of()).status()).isEqualTo(200);
        assertThat(fx.get(septok, "/version").status()).isEqualTo(401);
    }

    @Test void totpSecondFactorForPveUsers() throws Exception {
        fx.addUser("otp@pve", "otp-pass", null, "/");
        String secret = Totp.newSecret();
        fx.api.store().setTotpSecret("otp@pve", secret);
        var first = fx.call(null, "POST", "/access/ticket", Map.of("username", "otp@pve", "password", "otp-pass"));
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.data().get("NeedTFA").asInt()).isEqualTo(1);
        String half = first.data().get("ticket").asText();
        // a half ticket is no ticket
        assertThat(fx.get(new ApiFixture.Session(half, null, null), "/access/permissions").status()).isEqualTo(401);
        var wrong = fx.call(null, "POST", "/access/ticket", Map.of("username", "otp@pve", "password", "totp:000000", "tfa-challenge", half));
        long now = System.currentTimeMillis() / 1000;
        if (Totp.code(secret, now).equals("000000")) return; // one in a million
        assertThat(wrong.status()).isEqualTo(401);
        var ok = fx.call(null, "POST", "/access/ticket", Map.of("username", "otp@pve", "password", "totp:" + Totp.code(secret, now),
                "tfa-challenge", half));
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.data().get("CSRFPreventionToken").asText()).isNotEmpty();
    }

    @Test void pamRealmChecksTheHostPassword() throws Exception {
        String name = "bapi" + ProcessHandle.current().pid();
        assertThat(io.berth.sys.ProcessRunner.of("useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", name).run().exitCode()).isZero();
        try {
            assertThat(io.berth.sys.ProcessRunner.of("chpasswd").input(name + ":Pam-Pass-1\n").run().exitCode()).isZero();
            // a host user is not a Berth user until it is in user.cfg
            assertThat(fx.call(null, "POST", "/access/ticket", Map.of("username", name + "@pam", "password", "Pam-Pass-1")).status()).isEqualTo(401);
            fx.addUser(name + "@pam", null, "PVEAuditor", "/");
            var ok = fx.call(null, "POST", "/access/ticket", Map.of("username", name, "realm", "pam", "password", "Pam-Pass-1"));
            assertThat(ok.status()).as(ok.body().toString()).isEqualTo(200);
            assertThat(ok.data().get("username").asText()).isEqualTo(name + "@pam");
            assertThat(fx.call(null, "POST", "/access/ticket", Map.of("username", name + "@pam", "password", "wrong")).status()).isEqualTo(401);
        } finally {
            io.berth.sys.ProcessRunner.of("userdel", name).run();
        }
    }

    @Test void disabledUserCannotUseItsTicket() throws Exception {
        fx.addUser("gone@pve", "gone-pass", "PVEAuditor", "/");
        var s = fx.login("gone@pve", "gone-pass");
        assertThat(fx.get(s, "/version").status()).isEqualTo(200);
        fx.api.store().update(d -> d.users.put("gone@pve", new AccessData.User("gone@pve", false, 0, "", "", "", "", "")));
        assertThat(fx.get(s, "/version").status()).isEqualTo(401);
    }
}
