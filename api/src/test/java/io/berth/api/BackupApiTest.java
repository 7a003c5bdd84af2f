package io.berth.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * vzdump and restore through the API are one task each ({@code vzdump}, {@code vzrestore}, the caller as user), whose
 * log is the backup's or restore's own (the service logs into the task the API submitted, no second task), readable
 * through the task endpoints.
 */
@Tag("root")
class BackupApiTest {
    @TempDir Path tmp;

    @Test
    void vzdumpAndRestoreAreSingleTasksWithTheirLogs() throws Exception {
        int a = 7900 + ThreadLocalRandom.current().nextInt(0, 90), b = a + 1;
        try (ApiFixture fx = new ApiFixture(tmp.resolve("root"))) {
            Path cfg = fx.ct.roots().storageCfg();
            Files.createDirectories(cfg.getParent());
            Files.writeString(cfg, "dir: local\n\tpath " + fx.ct.roots().defaultStorageDir() + "\n\tcontent rootdir,images,vztmpl,backup\n");
            fx.vmids.addAll(List.of(a, b));
            Path archive = fx.ct.buildBusyboxTemplate(Optional.empty()).archive();
            fx.addUser("admin@pve", "secret-admin", "Administrator", "/");
            var admin = fx.login("admin@pve", "secret-admin");
            String node = "/nodes/" + Node.name();
            var created = fx.call(admin, "POST", node + "/lxc", Map.of("vmid", "" + a, "ostemplate", "local:vztmpl/" + archive.getFileName(),
                    "rootfs", "local:0.1", "hostname", "apibackup", "unprivileged", "0"));
            assertThat(fx.waitTask(admin, created.data().asText())).isEqualTo("OK");

            var dump = fx.call(admin, "POST", node + "/vzdump", Map.of("vmid", "" + a, "mode", "stop", "storage", "local", "compress", "zstd"));
            assertThat(dump.status()).as(dump.body().toString()).isEqualTo(200);
            String upid = dump.data().asText();
            assertThat(upid).contains(":vzdump:" + a + ":admin@pve:");
            assertThat(fx.waitTask(admin, upid)).isEqualTo("OK");
            List<String> log = fx.get(admin, node + "/tasks/" + upid + "/log").data().findValuesAsText("t");
            assertThat(log).contains("INFO: Starting Backup of VM " + a + " (lxc)", "INFO: Backup job finished successfully", "TASK OK")
                    .anyMatch(l -> l.startsWith("INFO: archive checksum (sha256): "));
            assertThat(log.stream().filter(l -> l.startsWith("INFO: Starting Backup of VM"))).as("each line once").hasSize(1);

            var backups = fx.get(admin, node + "/storage/local/content").data().findValuesAsText("volid");
            String volid = backups.stream().filter(v -> v.startsWith("local:backup/vzdump-lxc-" + a + "-")).filter(v -> v.endsWith(".tar.zst"))
                    .findFirst().orElseThrow(() -> new AssertionError("no backup of " + a + " in " + backups));
            var restored = fx.call(admin, "POST", node + "/lxc", Map.of("vmid", "" + b, "ostemplate", volid, "restore", "1", "storage", "local",
                    "unique", "1"));
            assertThat(restored.status()).as(restored.body().toString()).isEqualTo(200);
            String rupid = restored.data().asText();
            assertThat(rupid).contains(":vzrestore:" + b + ":admin@pve:");
            assertThat(fx.waitTask(admin, rupid)).isEqualTo("OK");
            List<String> rlog = fx.get(admin, node + "/tasks/" + rupid + "/log").data().findValuesAsText("t");
            assertThat(rlog).contains("merging backed-up and given configuration..", "TASK OK").anyMatch(l -> l.startsWith("extracting archive '"))
                    .anyMatch(l -> l.startsWith("Total bytes read: "));
            assertThat(fx.get(admin, node + "/lxc/" + b + "/config").data().get("hostname").asText()).isEqualTo("apibackup");

            // one task per operation: no second task of the service's own
            var tasks = fx.call(admin, "GET", node + "/tasks", Map.of("limit", "500")).data();
            assertThat(tasks.findValuesAsText("upid").stream().filter(u -> u.contains(":vzdump:" + a + ":"))).hasSize(1);
            assertThat(tasks.findValuesAsText("upid").stream().filter(u -> u.contains(":vzrestore:" + b + ":"))).hasSize(1);
        }
    }
}
