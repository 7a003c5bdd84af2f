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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Live changes on a running unprivileged container (u/g 0 100000 65536). */
@Tag("root")
class UnprivilegedHotplugTest {
    static final int R = BusyboxContainer.UNPRIV_ROOT;
    @TempDir
    static Path tmp;
    static BusyboxContainer ct;
    static Storages storages;
    static final ContainerConfig CONFIG = ContainerConfig.of(Map.of("unprivileged", "1", "ostype", "alpine", "hostname", "u0"),
            List.of(), Optional.empty(), List.of());

    @BeforeAll
    static void start() throws Exception {
        ct = new BusyboxContainer(tmp, true, List.of());
        storages = Storages.load(tmp.resolve("storage.cfg"), tmp.resolve("local"));
    }

    @AfterAll
    static void stop() {
        if (ct != null) ct.close();
    }

    private static LiveResult apply(ContainerConfig cur, Map<String, String> set, List<String> delete) {
        try (RunningContainer rc = ct.pin()) {
            return new LiveChanges(storages).apply(100, ConfigFile.of(cur), set, delete, rc);
        }
    }

    private static Path dirWith(String name, Map<String, Integer> owners) throws Exception {
        Path d = Files.createDirectories(tmp.resolve(name));
        BusyboxContainer.run("chmod", "0755", tmp.toString(), d.toString());
        for (var e : owners.entrySet()) {
            Path f = Files.writeString(d.resolve(e.getKey()), e.getKey());
            BusyboxContainer.run("chown", e.getValue() + ":" + e.getValue(), f.toString());
        }
        return d;
    }

    @Test
    void runsInItsUserNamespace() {
        assertThat(ct.attach("cat", "/proc/self/uid_map")).containsPattern("0\\s+" + R + "\\s+65536");
    }

    @Test
    void bindMountShowsShiftedIdsAndIdmappedMountShowsMappedIds() throws Exception {
        Path plain = dirWith("plain", Map.of("shifted", R + 7, "hostroot", 0));
        Path idm = dirWith("idm", Map.of("disk1000", 1000, "ct5", R + 5));
        BusyboxContainer.run("chown", "1000:1000", idm.toString());
        Map<String, String> set = new LinkedHashMap<>();
        set.put("mp0", plain + ",mp=/mnt/plain");
        set.put("mp1", idm + ",mp=/mnt/idm,idmap=u:0:1000:1 g:0:1000:1");
        LiveResult r = apply(CONFIG, set, List.of());
        assertThat(r.appliedSet()).as("%s", r.describe()).containsOnlyKeys("mp0", "mp1");

        // plain bind: host ids seen through the container's own map; unmapped ids are the overflow id
        assertThat(ct.attach("stat", "-c", "%u:%g", "/mnt/plain/shifted").strip()).isEqualTo("7:7");
        assertThat(ct.attach("stat", "-c", "%u:%g", "/mnt/plain/hostroot").strip()).isEqualTo("65534:65534");
        // idmapped: disk id 1000 is the container's root; ids outside the mount map keep the container's mapping
        assertThat(ct.attach("stat", "-c", "%u:%g", "/mnt/idm/disk1000").strip()).isEqualTo("0:0");
        assertThat(ct.attach("stat", "-c", "%u:%g", "/mnt/idm/ct5").strip()).isEqualTo("5:5");
        ct.attach("touch", "/mnt/idm/made-inside");
        assertThat(Files.getAttribute(idm.resolve("made-inside"), "unix:uid")).isEqualTo(1000);
        assertThat(Files.getAttribute(idm.resolve("made-inside"), "unix:gid")).isEqualTo(1000);

        ContainerConfig after = r.applyTo(ConfigFile.of(CONFIG)).main();
        LiveResult del = apply(after, Map.of(), List.of("mp0", "mp1"));
        assertThat(del.appliedDelete()).as("%s", del.describe()).containsExactly("mp0", "mp1");
        assertThat(ct.attach("ls", "/mnt/plain", "/mnt/idm")).doesNotContain("shifted", "disk1000");
    }

    @Test
    void hostnameChangesInsideTheUserNamespace() {
        LiveResult r = apply(CONFIG, Map.of("hostname", "u1"), List.of());
        assertThat(r.appliedSet()).as("%s", r.describe()).containsOnlyKeys("hostname");
        assertThat(ct.attach("hostname").strip()).isEqualTo("u1");
        assertThat(ct.attach("cat", "/etc/hostname").strip()).isEqualTo("u1");
        // a file the setup created belongs to the container's root
        assertThat(ct.attach("stat", "-c", "%u:%g", "/etc/hostname").strip()).isEqualTo("0:0");
    }
}
