package io.berth.ct;

import io.berth.config.BerthRoots;
import io.berth.ct.hook.HookCommand;
import io.berth.ct.lifecycle.LxcRuntime;
import io.berth.ct.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One Berth root per test: its own config/state dirs and lxcpath, a hook launcher that runs this JVM's classpath,
 * and a teardown that stops and destroys every container it made.
 */
public final class CtFixture implements AutoCloseable {
    public final Path root;
    public final ContainerService svc;
    private final List<Integer> made = new ArrayList<>();

    public CtFixture(Path root) throws IOException {
        this.root = Files.createDirectories(root);
        grantRootSubordinateIds();
        Path launcher = root.resolve("hook-launcher");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Files.writeString(launcher, "#!/bin/sh\nexec " + java + " --enable-native-access=ALL-UNNAMED -XX:TieredStopAtLevel=1"
                + " -XX:+UseSerialGC -cp '" + System.getProperty("java.class.path") + "' io.berth.ct.hook.HookMain \"$@\"\n");
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        BerthRoots roots = BerthRoots.resolve(root.toString());
        svc = new ContainerService(roots, new HookCommand(launcher, Optional.of(root)));
    }

    /** What a Proxmox host has out of the box: root may map 100000:65536 (newuidmap checks it). */
    static synchronized void grantRootSubordinateIds() throws IOException {
        for (String f : List.of("/etc/subuid", "/etc/subgid")) {
            Path p = Path.of(f);
            String text = Files.exists(p) ? Files.readString(p) : "";
            if (!text.lines().anyMatch(l -> l.strip().equals("root:100000:65536"))) {
                Files.writeString(p, text + (text.isEmpty() || text.endsWith("\n") ? "" : "\n") + "root:100000:65536\n");
            }
        }
    }

    public CreateResult create(int vmid, Map<String, String> options) {
        made.add(vmid);
        return svc.create(new CreateRequest(vmid, TestTemplates.busybox().toString(), options, Optional.empty()), Progress.NONE);
    }

    /** A container made by other means (a clone) that teardown must remove too. */
    public void adopt(int vmid) {
        made.add(vmid);
    }

    /** The container's config file as it is on disk. */
    public String configText(int vmid) throws IOException {
        return java.nio.file.Files.readString(svc.roots().containerConfig(vmid));
    }

    public ExecResult exec(int vmid, String... cmd) {
        return svc.exec(vmid, List.of(cmd), Duration.ofSeconds(20));
    }

    /** Mount entries whose mount point lies under this test's root (in this process's namespace). */
    public List<String> mountsUnderRoot() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .filter(l -> l.split(" ")[4].startsWith(root.toString())).toList();
    }

    public boolean monitorRunning(int vmid) {
        return new LxcRuntime(svc.paths(vmid)).isRunning();
    }

    @Override public void close() {
        for (int vmid : made) {
            try {
                new LxcRuntime(svc.paths(vmid)).stopAndWait(Duration.ofSeconds(20));
            } catch (RuntimeException ignored) {
                // best effort
            }
            try {
                if (svc.vmids().contains(vmid)) svc.destroy(vmid, true, true);
            } catch (RuntimeException ignored) {
                // best effort
            }
        }
    }
}
