package io.berth.ct.backup;

import io.berth.config.ContainerConfig;
import io.berth.ct.ContainerService;
import io.berth.ct.lifecycle.CtMounts;
import io.berth.idmap.IdMap;
import io.berth.mount.MountEngine;
import io.berth.mount.MountRequest;
import io.berth.mount.MountedSet;
import io.berth.sys.Namespaces;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Test helper: mounts a stopped container's rootfs and volume mount points in a private mount namespace, as the
 * container sees them (through an idmapped mount for an unprivileged one, so ids are the container's), and runs a
 * shell script there with the rootfs as working directory.
 */
final class CtVolumes {
    private CtVolumes() {}

    static String sh(ContainerService svc, int vmid, String script) throws Exception {
        ContainerConfig c = svc.config(vmid).main();
        IdMap map = CtMounts.idMap(c);
        Path staging = svc.roots().runDir().resolve("test-" + vmid);
        Files.createDirectories(staging);
        try {
            return Namespaces.inNewMountNamespace(() -> {
                List<MountRequest> reqs = new CtMounts(svc.storages()).requests(c, true);
                if (!map.isEmpty()) {
                    var shift = CtMounts.shiftingIdmap(map);
                    reqs = reqs.stream().map(r -> r.withIdmap(shift).withOwner(0, 0)).toList();
                }
                try (MountedSet m = new MountEngine(w -> {}).mountAll(staging, reqs)) {
                    Process p = new ProcessBuilder("sh", "-ec", script).directory(staging.toFile()).start();
                    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                    if (p.waitFor() != 0) throw new AssertionError("script failed: " + err + "\n" + script);
                    return out;
                }
            });
        } finally {
            Files.deleteIfExists(staging);
        }
    }

    /** Files the test tree holds: owners, modes, ACLs, xattrs, device nodes, a sparse file, links, a capability. */
    static final String POPULATE = """
            mkdir -p srv/t/dir data/sub
            echo hello > srv/t/file
            chown 1000:1001 srv/t/file
            chmod 0640 srv/t/file
            chown 33:33 srv/t/dir
            chmod 2775 srv/t/dir
            setfacl -m u:1234:rwx,g:2345:r-x srv/t/dir
            setfacl -d -m u:1234:rwx srv/t/dir
            setfattr -n user.berth -v backup-test srv/t/file
            mknod srv/t/null c 1 3
            chmod 0666 srv/t/null
            mkfifo srv/t/fifo
            ln -s ../t/file srv/t/link
            ln srv/t/file srv/t/hard
            truncate -s 20M srv/t/sparse
            printf 'tail' >> srv/t/sparse
            cp /bin/busybox srv/t/cap
            setcap cap_net_raw+ep srv/t/cap
            head -c 300000 /dev/urandom > data/sub/random
            chown 65534:65534 data/sub/random
            echo skip > srv/t/skip.tmp
            """;

    /**
     * A manifest of every file below the rootfs (mount points included): type, owner, mode, size, link target,
     * content hash, ACLs and xattrs. lost+found and /dev contents are left out: mkfs makes the former, and restores
     * skip the latter (as pct does).
     */
    static final String MANIFEST = """
            list() { find . \\( -path ./lost+found -o -path ./data/lost+found -o -path './dev/*' \\) -prune -o "$@" -print0 | sort -z; }
            find . \\( -path ./lost+found -o -path ./data/lost+found -o -path './dev/*' \\) -prune -o -printf '%p %y %U:%G %m %n %l\\n' | sort
            list -type f | xargs -0 md5sum
            list -type c | xargs -0 -r stat -c '%n %t:%T'
            list | xargs -0 getfacl -n -p -s 2>/dev/null | grep -v '^$' || true
            list | xargs -0 getfattr -h -d -m '^(user|security[.]capability)' -e hex 2>/dev/null | grep -v '^$' || true
            echo "sparse-blocks $(stat -c %b srv/t/sparse 2>/dev/null)"
            """;
}
