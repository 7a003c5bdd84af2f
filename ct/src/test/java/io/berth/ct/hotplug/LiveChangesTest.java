package io.berth.ct.hotplug;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.berth.config.ConfigFile;
import io.berth.config.ContainerConfig;
import io.berth.storage.Storages;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** berth set on a running container: what is applied live, what stays pending, and the resulting config. */
@Tag("root")
class LiveChangesTest {
    @TempDir
    static Path tmp;
    @RegisterExtension
    static final BusyboxContainer.PerClass shared = BusyboxContainer.perClass();

    private static BusyboxContainer ct() { return shared.get(); }

    @Test
    void appliesLiveKeysAndKeepsTheRestPending() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("data"));
        Files.writeString(src.resolve("f"), "x");
        ContainerConfig main = ContainerConfig.of(Map.of("memory", "512", "swap", "0", "arch", "amd64",
                "rootfs", "local:100/vm-100-disk-0.raw"), List.of(), Optional.empty(), List.of());
        ConfigFile file = ConfigFile.of(main);
        Storages storages = Storages.load(tmp.resolve("storage.cfg"), tmp.resolve("local"));
        Map<String, String> set = new LinkedHashMap<>();
        set.put("memory", "256");
        set.put("mp0", src + ",mp=/mnt/live");
        set.put("arch", "arm64");
        set.put("onboot", "1");
        set.put("mp1", "local:4,mp=/mnt/new");
        LiveResult r;
        try (RunningContainer rc = ct().pin()) {
            r = new LiveChanges(storages).apply(100, file, set, List.of(), rc);
        }
        assertThat(r.appliedSet()).containsOnlyKeys("memory", "mp0", "onboot");
        assertThat(r.pendingSet()).containsOnlyKeys("arch", "mp1");
        assertThat(r.reasons().get("arch")).contains("next start");
        assertThat(r.reasons().get("mp1")).contains("allocated");
        assertThat(ct().attach("ls", "/mnt/live")).contains("f");
        ContainerCgroup cg = ContainerCgroup.locate(ct().name, ct().initPid);
        assertThat(CgroupLimits.read(cg.file("memory", "memory.limit_in_bytes", "memory.max").orElseThrow()))
                .isEqualTo(Long.toString(256L * 1024 * 1024));

        ConfigFile after = r.applyTo(file);
        assertThat(after.main().get("memory")).contains("256");
        assertThat(after.main().get("mp0")).isPresent();
        assertThat(after.main().get("arch")).contains("amd64");
        assertThat(after.pending().orElseThrow().get("arch")).contains("arm64");

        // removing the mount point unplugs it
        LiveResult r2;
        try (RunningContainer rc = ct().pin()) {
            r2 = new LiveChanges(storages).apply(100, after, Map.of(), List.of("mp0"), rc);
        }
        assertThat(r2.appliedDelete()).containsExactly("mp0");
        assertThat(ct().attach("ls", "/mnt/live")).doesNotContain("f");
        assertThat(r2.applyTo(after).main().get("mp0")).isEmpty();

        // a bind source that does not exist fails live and is kept pending, nothing half-done
        LiveResult r3;
        try (RunningContainer rc = ct().pin()) {
            r3 = new LiveChanges(storages).apply(100, after, Map.of("mp2", tmp.resolve("missing") + ",mp=/mnt/m2"), List.of(), rc);
        }
        assertThat(r3.pendingSet()).containsOnlyKeys("mp2");
        assertThat(r3.reasons().get("mp2")).contains("live change failed").contains("mp2");
        assertThat(ct().mountinfo()).doesNotContain("/mnt/m2");
    }
}
