package io.berth.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.access.AccessData;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * resize, template, clone, move_volume and the template upload through the HTTPS API, on real containers and
 * storages (a loop btrfs for linked clones), with the permission checks Proxmox makes.
 */
class DiskApiTest {
    @TempDir static Path tmp;
    static ApiFixture fx;
    static LoopBtrfs btrfs;
    static String template;
    static Path archive;

    @BeforeAll static void up() throws Exception {
        fx = new ApiFixture(tmp.resolve("root"));
        btrfs = new LoopBtrfs("1G");
        btrfs.storageCfg(fx);
        archive = fx.ct.buildBusyboxTemplate(Optional.empty()).archive();
        template = "local:vztmpl/" + archive.getFileName();
        fx.addUser("admin@pve", "secret-admin", "Administrator", "/");
        fx.addUser("user@pve", "secret-user", null, "/");
    }

    @AfterAll static void down() {
        try {
            if (fx != null) fx.close();
        } finally {
            if (btrfs != null) btrfs.close();
        }
    }

    private static String node() { return "/nodes/" + Node.name(); }

    @Test void resizeTemplateCloneAndMoveVolume() throws Exception {
        var admin = fx.login("admin@pve", "secret-admin");
        String ct = node() + "/lxc/8010";
        fx.vmids.add(8010);
        fx.vmids.add(8011);
        var created = fx.call(admin, "POST", node() + "/lxc", Map.of("vmid", "8010", "ostemplate", template, "rootfs", "bt:1",
                "hostname", "base", "unprivileged", "0"));
        assertThat(fx.waitTask(admin, created.data().asText())).isEqualTo("OK");

        // a user with VM.Audit only on the container may not resize, template or clone it
        fx.api.store().update(d -> d.acls.add(new AccessData.Acl("/vms/8010", "user@pve", "PVEAuditor", true)));
        var user = fx.login("user@pve", "secret-user");
        assertThat(fx.call(user, "PUT", ct + "/resize", Map.of("disk", "rootfs", "size", "+64M")).status()).isEqualTo(403);
        assertThat(fx.call(user, "POST", ct + "/template", Map.of()).status()).isEqualTo(403);
        var noClone = fx.call(user, "POST", ct + "/clone", Map.of("newid", "8011"));
        assertThat(noClone.status()).isEqualTo(403);
        assertThat(noClone.body().get("message").asText()).contains("VM.Clone");

        // resize: +64M on the btrfs subvolume's quota, recorded in the config
        var badSize = fx.call(admin, "PUT", ct + "/resize", Map.of("disk", "rootfs", "size", "lots"));
        assertThat(badSize.status()).isEqualTo(400);
        assertThat(badSize.body().path("errors").has("size")).isTrue();
        var resized = fx.call(admin, "PUT", ct + "/resize", Map.of("disk", "rootfs", "size", "+64M"));
        assertThat(resized.status()).as(resized.body().toString()).isEqualTo(200);
        assertThat(resized.data().asText()).contains(":resize:8010:");
        assertThat(fx.waitTask(admin, resized.data().asText())).isEqualTo("OK");
        assertThat(fx.get(admin, ct + "/config").data().get("rootfs").asText()).contains("size=1088M");

        // template, then a linked clone of it (the default for templates) on the same btrfs
        var tpl = fx.call(admin, "POST", ct + "/template", Map.of());
        assertThat(fx.waitTask(admin, tpl.data().asText())).isEqualTo("OK");
        var conf = fx.get(admin, ct + "/config").data();
        assertThat(conf.get("template").asInt()).isEqualTo(1);
        assertThat(conf.get("rootfs").asText()).containsPattern("^bt:.*base(vol)?-8010-disk-\\d");

        // VM.Clone on the source but no VM.Allocate on the new id: refused; with it (and space on bt): allowed
        fx.api.store().update(d -> {
            d.roles.put("Cloner", java.util.Set.of("VM.Clone", "VM.Audit"));
            d.acls.add(new AccessData.Acl("/vms/8010", "user@pve", "Cloner", true));
        });
        var noAlloc = fx.call(user, "POST", ct + "/clone", Map.of("newid", "8011"));
        assertThat(noAlloc.status()).isEqualTo(403);
        assertThat(noAlloc.body().get("message").asText()).contains("VM.Allocate");
        fx.api.store().update(d -> d.acls.add(new AccessData.Acl("/vms/8011", "user@pve", "PVEVMAdmin", true)));
        var noSpace = fx.call(user, "POST", ct + "/clone", Map.of("newid", "8011", "hostname", "copy"));
        assertThat(noSpace.status()).isEqualTo(403);
        assertThat(noSpace.body().get("message").asText()).contains("/storage/bt", "Datastore.AllocateSpace");
        fx.api.store().update(d -> d.acls.add(new AccessData.Acl("/storage/bt", "user@pve", "PVEDatastoreUser", true)));
        var clone = fx.call(user, "POST", ct + "/clone", Map.of("newid", "8011", "hostname", "copy"));
        assertThat(clone.status()).as(clone.body().toString()).isEqualTo(200);
        assertThat(clone.data().asText()).contains(":vzclone:8010:user@pve:");
        assertThat(fx.waitTask(admin, clone.data().asText())).isEqualTo("OK");
        var cloned = fx.get(admin, node() + "/lxc/8011/config").data();
        assertThat(cloned.get("hostname").asText()).isEqualTo("copy");
        assertThat(cloned.get("rootfs").asText()).startsWith("bt:").contains("-8011-disk-").doesNotContain("base");
        assertThat(cloned.has("template")).isFalse();
        var linkedStorage = fx.call(admin, "POST", ct + "/clone", Map.of("newid", "8012", "storage", "local", "full", "0"));
        assertThat(linkedStorage.status()).isEqualTo(400);
        assertThat(linkedStorage.body().path("errors").has("storage")).isTrue();

        // move the clone's rootfs to the dir storage; the old volume stays as unused0
        var rootfsToOther = fx.call(admin, "POST", node() + "/lxc/8011/move_volume", Map.of("volume", "rootfs", "target-vmid", "8010"));
        assertThat(rootfsToOther.status()).as(rootfsToOther.body().toString()).isEqualTo(400);
        assertThat(rootfsToOther.body().path("errors").has("volume")).isTrue();
        var moved = fx.call(admin, "POST", node() + "/lxc/8011/move_volume", Map.of("volume", "rootfs", "storage", "local"));
        assertThat(moved.status()).as(moved.body().toString()).isEqualTo(200);
        assertThat(fx.waitTask(admin, moved.data().asText())).isEqualTo("OK");
        cloned = fx.get(admin, node() + "/lxc/8011/config").data();
        assertThat(cloned.get("rootfs").asText()).startsWith("local:8011/vm-8011-disk-");
        assertThat(cloned.get("unused0").asText()).startsWith("bt:").contains("-8011-disk-");

        // move-volume --target-vmid: the unused bt volume of 8011 goes to a linked clone 8512 of the template
        fx.vmids.add(8512);
        var second = fx.call(admin, "POST", ct + "/clone", Map.of("newid", "8512", "hostname", "second"));
        assertThat(fx.waitTask(admin, second.data().asText())).isEqualTo("OK");
        String unused = cloned.get("unused0").asText();
        var toTemplate = fx.call(admin, "POST", node() + "/lxc/8011/move_volume", Map.of("volume", "unused0", "target-vmid", "8010"));
        assertThat(toTemplate.status()).as(toTemplate.body().toString()).isEqualTo(409);
        assertThat(toTemplate.body().get("message").asText()).contains("template");
        var self = fx.call(admin, "POST", node() + "/lxc/8011/move_volume", Map.of("volume", "unused0", "target-vmid", "8011"));
        assertThat(self.status()).isEqualTo(400);
        assertThat(self.body().path("errors").has("target-vmid")).isTrue();
        var toMp = fx.call(admin, "POST", node() + "/lxc/8011/move_volume", Map.of("volume", "unused0", "target-vmid", "8512",
                "target-volume", "mp0"));
        assertThat(toMp.status()).isEqualTo(400);
        var staleDigest = fx.call(admin, "POST", node() + "/lxc/8011/move_volume", Map.of("volume", "unused0", "target-vmid", "8512",
                "target-digest", "0".repeat(40)));
        assertThat(staleDigest.status()).isEqualTo(409);
        var givenAway = fx.call(admin, "POST", node() + "/lxc/8011/move_volume", Map.of("volume", "unused0", "target-vmid", "8512",
                "target-volume", "unused5"));
        assertThat(givenAway.status()).as(givenAway.body().toString()).isEqualTo(200);
        assertThat(givenAway.data().asText()).contains(":move_volume:8011-unused0>8512-unused5:");
        assertThat(fx.waitTask(admin, givenAway.data().asText())).isEqualTo("OK");
        assertThat(fx.get(admin, node() + "/lxc/8011/config").data().has("unused0")).isFalse();
        String moved5 = fx.get(admin, node() + "/lxc/8512/config").data().get("unused5").asText();
        assertThat(moved5).startsWith("bt:").contains("-8512-disk-").isNotEqualTo(unused);
        var inUse = fx.call(admin, "POST", node() + "/lxc/8512/move_volume", Map.of("volume", "unused5", "target-vmid", "8011",
                "target-volume", "rootfs"));
        assertThat(inUse.status()).isEqualTo(400);

        // the moved container runs
        assertThat(fx.waitTask(admin, fx.call(admin, "POST", node() + "/lxc/8011/status/start", Map.of()).data().asText())).isEqualTo("OK");
        assertThat(fx.get(admin, node() + "/lxc/8011/status/current").data().get("status").asText()).isEqualTo("running");
        assertThat(fx.waitTask(admin, fx.call(admin, "POST", node() + "/lxc/8011/status/stop", Map.of()).data().asText())).isEqualTo("OK");
    }

    // ---- upload ----

    private static HttpResponse<String> upload(ApiFixture.Session s, String storage, Map<String, String> fields, String fileName, byte[] file)
            throws Exception {
        String boundary = "berthtest" + System.nanoTime();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (var e : fields.entrySet()) {
            body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + e.getKey() + "\"\r\n\r\n" + e.getValue() + "\r\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        if (file != null) {
            body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"filename\"; filename=\"" + fileName
                    + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            body.write(file);
            body.write("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        body.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(fx.base() + node() + "/storage/" + storage + "/upload"))
                .timeout(Duration.ofSeconds(60)).header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()));
        if (s != null) {
            b.header("Cookie", "PVEAuthCookie=" + java.net.URLEncoder.encode(s.ticket(), StandardCharsets.UTF_8));
            b.header("CSRFPreventionToken", s.csrf());
        }
        return fx.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Map<String, String> fields(String name) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("content", "vztmpl");
        m.put("filename", name);
        return m;
    }

    @Test void templateUploadIsStreamedCheckedAndNamedSafely() throws Exception {
        var admin = fx.login("admin@pve", "secret-admin");
        byte[] bytes = Files.readAllBytes(archive);
        Path cache = archive.getParent();
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));

        // no ticket: refused before the body is read; a user without Datastore.AllocateTemplate: 403
        assertThat(upload(null, "local", fields("anon.tar.gz"), "anon.tar.gz", bytes).statusCode()).isEqualTo(401);
        fx.addUser("viewer@pve", "secret-viewer", "PVEAuditor", "/");
        var viewer = fx.login("viewer@pve", "secret-viewer");
        var denied = upload(viewer, "local", fields("v.tar.gz"), "v.tar.gz", bytes);
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(denied.body()).contains("Datastore.AllocateTemplate");

        // a good upload with its checksum: the imgcopy task puts it in place under the normalized name
        Map<String, String> f = fields("my template (1).tar.gz");
        f.put("checksum-algorithm", "sha256");
        f.put("checksum", sha);
        var ok = upload(admin, "local", f, "whatever-the-browser-says.tar.gz", bytes);
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        String upid = Json.MAPPER.readTree(ok.body()).get("data").asText();
        assertThat(upid).contains(":imgcopy:");
        assertThat(fx.waitTask(admin, upid)).isEqualTo("OK");
        Path stored = cache.resolve("my_template__1_.tar.gz");
        assertThat(stored).exists();
        assertThat(Files.readAllBytes(stored)).isEqualTo(bytes);
        var content = fx.call(admin, "GET", node() + "/storage/local/content", Map.of("content", "vztmpl"));
        assertThat(content.data().findValuesAsText("volid")).contains("local:vztmpl/my_template__1_.tar.gz");

        // as the Proxmox GUI sends it: the name comes with the file part
        var gui = upload(admin, "local", Map.of("content", "vztmpl"), "from-part.tar.gz", bytes);
        assertThat(gui.statusCode()).as(gui.body()).isEqualTo(200);
        assertThat(fx.waitTask(admin, Json.MAPPER.readTree(gui.body()).get("data").asText())).isEqualTo("OK");
        assertThat(cache.resolve("from-part.tar.gz")).exists();

        // a wrong checksum fails the task and leaves nothing behind
        Map<String, String> bad = fields("bad.tar.gz");
        bad.put("checksum-algorithm", "sha256");
        bad.put("checksum", "0".repeat(64));
        var badSum = upload(admin, "local", bad, "bad.tar.gz", bytes);
        assertThat(badSum.statusCode()).isEqualTo(200);
        // the client's input, named as such (InvalidInputException "checksum"), not an internal error
        assertThat(fx.waitTask(admin, Json.MAPPER.readTree(badSum.body()).get("data").asText()))
                .isEqualTo("checksum: checksum mismatch: got '" + sha + "' != expected '" + "0".repeat(64) + "' (sha256)");
        assertThat(cache.resolve("bad.tar.gz")).doesNotExist();

        // names and content types Berth refuses, each with the field named
        var ext = upload(admin, "local", fields("script.sh"), "script.sh", bytes);
        assertThat(ext.statusCode()).isEqualTo(400);
        assertThat(Json.MAPPER.readTree(ext.body()).path("errors").has("filename")).isTrue();
        var dots = upload(admin, "local", fields("../../etc/x.tar.gz"), "x.tar.gz", bytes);
        assertThat(dots.statusCode()).isEqualTo(400);
        Map<String, String> iso = fields("disk.iso");
        iso.put("content", "iso");
        var isoReply = upload(admin, "local", iso, "disk.iso", bytes);
        assertThat(isoReply.statusCode()).isEqualTo(400);
        assertThat(Json.MAPPER.readTree(isoReply.body()).path("errors").has("content")).isTrue();
        var noFile = upload(admin, "local", fields("nofile.tar.gz"), null, null);
        assertThat(noFile.statusCode()).isEqualTo(400);
        var noTemplates = upload(admin, "bt", fields("t.tar.gz"), "t.tar.gz", bytes);
        assertThat(noTemplates.statusCode()).isEqualTo(400);
        assertThat(noTemplates.body()).contains("vztmpl");
        // nothing half-written is left in the template directory
        try (var s = Files.list(cache)) {
            assertThat(s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".") || n.startsWith("MultiPart")).toList()).isEmpty();
        }
    }
}
