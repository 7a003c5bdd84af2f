package io.berth.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.access.AccessData;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A container's whole life driven only through the HTTPS API (create, config, start, snapshot, stop, destroy),
 * with a PVEAuditor on that one container refused every change and a user without ACLs seeing nothing.
 */
class LxcApiTest {
    @TempDir static Path tmp;
    static ApiFixture fx;
    static LoopBtrfs btrfs;
    static String template;

    @BeforeAll static void up() throws Exception {
        fx = new ApiFixture(tmp.resolve("root"));
        btrfs = new LoopBtrfs("1G");
        btrfs.storageCfg(fx);
        Path archive = fx.ct.buildBusyboxTemplate(Optional.empty()).archive();
        template = "local:vztmpl/" + archive.getFileName();
        fx.addUser("admin@pve", "secret-admin", "Administrator", "/");
        fx.addUser("auditor@pve", "secret-audit", null, "/");
        fx.addUser("nobody@pve", "secret-nobody", null, "/");
    }

    @AfterAll static void down() {
        try {
            if (fx != null) fx.close();
        } finally {
            if (btrfs != null) btrfs.close();
        }
    }

    @Test void fullLifecycleThroughTheApi() throws Exception {
        var admin = fx.login("admin@pve", "secret-admin");
        String node = "/nodes/" + Node.name();
        String ct = node + "/lxc/8001";
        fx.vmids.add(8001);
        var created = fx.call(admin, "POST", node + "/lxc", Map.of("vmid", "8001", "ostemplate", template,
                "rootfs", "bt:1", "hostname", "apitest", "memory", "256", "unprivileged", "0"));
        assertThat(created.status()).as(created.body().toString()).isEqualTo(200);
        String upid = created.data().asText();
        assertThat(upid).startsWith("UPID:" + Node.name() + ":").contains(":vzcreate:8001:admin@pve:");
        assertThat(fx.waitTask(admin, upid)).isEqualTo("OK");

        var conf = fx.get(admin, ct + "/config");
        assertThat(conf.status()).isEqualTo(200);
        assertThat(conf.data().get("hostname").asText()).isEqualTo("apitest");
        assertThat(conf.data().get("memory").asInt()).isEqualTo(256);
        assertThat(conf.data().get("digest").asText()).hasSize(40);

        // config changes honour the digest
        var stale = fx.call(admin, "PUT", ct + "/config", Map.of("memory", "300", "digest", "0".repeat(40)));
        assertThat(stale.status()).isEqualTo(409);
        var set = fx.call(admin, "PUT", ct + "/config", Map.of("memory", "300", "digest", conf.data().get("digest").asText()));
        assertThat(set.status()).as(set.body().toString()).isEqualTo(200);
        assertThat(fx.get(admin, ct + "/config").data().get("memory").asInt()).isEqualTo(300);
        var bad = fx.call(admin, "PUT", ct + "/config", Map.of("memory", "lots"));
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.body().path("errors").has("memory")).isTrue();
        // the hookscript runs as root on the host: only root@pam may set or delete it, as in Proxmox
        var hook = fx.call(admin, "PUT", ct + "/config", Map.of("hookscript", "local:snippets/hook.sh"));
        assertThat(hook.status()).isEqualTo(403);
        assertThat(hook.body().get("message").asText()).contains("changing the hookscript is only allowed for root@pam");
        assertThat(fx.call(admin, "PUT", ct + "/config", Map.of("delete", "hookscript")).status()).isEqualTo(403);

        assertThat(fx.waitTask(admin, fx.call(admin, "POST", ct + "/status/start", Map.of()).data().asText())).isEqualTo("OK");
        var st = fx.get(admin, ct + "/status/current");
        assertThat(st.data().get("status").asText()).isEqualTo("running");
        assertThat(st.data().get("vmid").asInt()).isEqualTo(8001);
        assertThat(st.data().get("maxmem").asLong()).isEqualTo(300L * 1024 * 1024);

        // PVEAuditor on this container only: may look, may not touch
        fx.api.store().update(d -> d.acls.add(new AccessData.Acl("/vms/8001", "auditor@pve", "PVEAuditor", true)));
        var auditor = fx.login("auditor@pve", "secret-audit");
        assertThat(fx.get(auditor, ct + "/status/current").status()).isEqualTo(200);
        assertThat(fx.get(auditor, ct + "/config").status()).isEqualTo(200);
        var denied = fx.call(auditor, "POST", ct + "/status/stop", Map.of());
        assertThat(denied.status()).isEqualTo(403);
        assertThat(denied.body().get("message").asText()).contains("VM.PowerMgmt");
        assertThat(fx.call(auditor, "PUT", ct + "/config", Map.of("memory", "128")).status()).isEqualTo(403);
        assertThat(fx.call(auditor, "POST", ct + "/snapshot", Map.of("snapname", "nope")).status()).isEqualTo(403);
        assertThat(fx.call(auditor, "DELETE", ct, Map.of()).status()).isEqualTo(403);
        assertThat(fx.get(auditor, node + "/lxc").data().size()).isEqualTo(1);
        assertThat(fx.get(auditor, node + "/lxc/8002/status/current").status()).isEqualTo(403);
        var nobody = fx.login("nobody@pve", "secret-nobody");
        assertThat(fx.get(nobody, node + "/lxc").data().size()).isZero();
        assertThat(fx.get(nobody, "/cluster/resources").data().size()).isZero();
        assertThat(fx.get(nobody, ct + "/status/current").status()).isEqualTo(403);

        // snapshot while running
        var snap = fx.call(admin, "POST", ct + "/snapshot", Map.of("snapname", "first", "description", "via api"));
        assertThat(snap.status()).as(snap.body().toString()).isEqualTo(200);
        assertThat(fx.waitTask(admin, snap.data().asText())).isEqualTo("OK");
        var snaps = fx.get(admin, ct + "/snapshot").data();
        assertThat(snaps.findValuesAsText("name")).containsExactly("first", "current");
        assertThat(fx.get(admin, ct + "/snapshot/first/config").data().get("hostname").asText()).isEqualTo("apitest");

        assertThat(fx.waitTask(admin, fx.call(admin, "POST", ct + "/status/stop", Map.of()).data().asText())).isEqualTo("OK");
        assertThat(fx.get(admin, ct + "/status/current").data().get("status").asText()).isEqualTo("stopped");

        // a task's log and the task list
        var tasks = fx.call(admin, "GET", node + "/tasks", Map.of("vmid", "8001"));
        assertThat(tasks.data().findValuesAsText("type")).contains("vzcreate", "vzstart", "vzsnapshot", "vzstop");
        var log = fx.get(admin, node + "/tasks/" + upid + "/log");
        assertThat(log.data().findValuesAsText("t")).contains("TASK OK");

        assertThat(fx.waitTask(admin, fx.call(admin, "DELETE", ct + "/snapshot/first", Map.of()).data().asText())).isEqualTo("OK");
        assertThat(fx.waitTask(admin, fx.call(admin, "DELETE", ct, Map.of("purge", "1")).data().asText())).isEqualTo("OK");
        assertThat(fx.get(admin, ct + "/status/current").status()).isEqualTo(404);
        assertThat(fx.ct.vmids()).doesNotContain(8001);
    }

    @Test void failedTaskReportsItsError() throws Exception {
        var admin = fx.login("admin@pve", "secret-admin");
        var r = fx.call(admin, "POST", "/nodes/" + Node.name() + "/lxc", Map.of("vmid", "8003", "ostemplate", "local:vztmpl/missing.tar.gz",
                "rootfs", "local:1"));
        assertThat(r.status()).isEqualTo(200);
        fx.vmids.add(8003);
        String exit = fx.waitTask(admin, r.data().asText());
        assertThat(exit).isNotEqualTo("OK").contains("missing");
    }
}
