package io.berth.e2e;

import io.berth.access.AccessData;
import io.berth.api.Api;
import io.berth.api.ApiMain;
import io.berth.api.HttpsServer;
import io.berth.config.BerthRoots;
import io.berth.ct.ContainerService;
import io.berth.ct.hook.HookCommand;
import io.berth.web.WebUi;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The real server the browser talks to: one Berth root in a temp dir, the HTTPS API with the UI started exactly as
 * {@code ApiMain} serves it, a port in the web test range (18500-18999), and a bridge for the containers' NICs.
 * Containers made through it are destroyed and the bridge deleted at close.
 */
final class E2eServer implements AutoCloseable {
    private static final AtomicInteger NEXT_PORT = new AtomicInteger(18500 + (int) (ProcessHandle.current().pid() % 45) * 10);

    final Path root;
    ContainerService ct;
    Api api;
    HttpsServer server;
    WebUi web;
    String bridge;
    final List<Integer> vmids = new ArrayList<>();
    private String loop;
    private Path btrfsMount;

    E2eServer() throws Exception {
        root = Files.createTempDirectory("berth-web-e2e-");
        try {
            setUp();
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    private void setUp() throws Exception {
        Path launcher = root.resolve("hook-launcher");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Files.writeString(launcher, "#!/bin/sh\nexec " + java + " --enable-native-access=ALL-UNNAMED -XX:TieredStopAtLevel=1"
                + " -XX:+UseSerialGC -cp '" + System.getProperty("java.class.path") + "' io.berth.ct.hook.HookMain \"$@\"\n");
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        BerthRoots roots = BerthRoots.resolve(root.toString());
        // btrfs on a loop file of our own beside the default dir storage, so snapshots work
        Path img = root.resolve("btrfs.img");
        run("truncate", "-s", "1G", img.toString());
        loop = capture("losetup", "-f", "--show", img.toString()).strip();
        run("mkfs.btrfs", "-q", loop);
        btrfsMount = root.resolve("btrfs");
        Files.createDirectories(btrfsMount);
        run("mount", loop, btrfsMount.toString());
        Files.createDirectories(roots.storageCfg().getParent());
        Files.writeString(roots.storageCfg(), "dir: local\n\tpath " + roots.defaultStorageDir()
                + "\n\tcontent rootdir,images,vztmpl,backup\n\n"
                + "btrfs: e2ebtrfs\n\tpath " + btrfsMount.resolve("bt") + "\n\tcontent rootdir,images\n");
        ct = new ContainerService(roots, new HookCommand(launcher, Optional.of(root)));
        bridge = "bwe" + (ProcessHandle.current().pid() % 100000);
        run("ip", "link", "add", bridge, "type", "bridge");
        run("ip", "link", "set", bridge, "up");
        api = new Api(ct, line -> System.err.println("auth: " + line));
        HttpsServer s = null;
        for (int attempt = 0; attempt < 30 && s == null; attempt++) {
            int port = NEXT_PORT.getAndIncrement();
            if (port > 18989) NEXT_PORT.set(port = 18500);
            try {
                s = ApiMain.start(api, "127.0.0.1", port, null);
            } catch (IllegalStateException e) {
                // port taken by another test: next one
            }
        }
        if (s == null) throw new IllegalStateException("no free port in 18500-18989");
        server = s;
        web = api.web();
        spki = readSpki();
    }

    /** What Chromium's --ignore-certificate-errors-spki-list takes for the server's self-signed certificate. */
    String spki() { return spki; }

    private String spki;

    private String readSpki() throws Exception {
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(Api.accessDir(ct).resolve("pve-ssl.p12"))) {
            ks.load(in, ("berth-" + io.berth.api.Node.name()).toCharArray());
        }
        String alias = ks.aliases().nextElement();
        byte[] key = ks.getCertificate(alias).getPublicKey().getEncoded();
        return java.util.Base64.getEncoder().encodeToString(java.security.MessageDigest.getInstance("SHA-256").digest(key));
    }

    String url() { return "https://127.0.0.1:" + server.port() + "/"; }

    void addUser(String userid, String password, String role, String path) {
        api.store().update(d -> {
            d.users.put(userid, new AccessData.User(userid, true, 0, "", "", "", "", ""));
            if (role != null) d.acls.add(new AccessData.Acl(path, userid, role, true));
        });
        api.store().setPassword(userid, password);
    }

    static String capture(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0)
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        return out;
    }

    static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0)
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
    }

    @Override
    public void close() {
        for (int vmid : ct == null ? List.<Integer>of() : ct.vmids()) {
            try { ct.stop(vmid, true); } catch (RuntimeException ignored) { }
            try { ct.destroy(vmid, true, true); } catch (RuntimeException e) { System.err.println("cleanup " + vmid + ": " + e.getMessage()); }
        }
        try { if (server != null) server.close(); } catch (RuntimeException ignored) { }
        try { run("ip", "link", "del", bridge); } catch (Exception ignored) { }
        if (btrfsMount != null) {
            try { run("umount", btrfsMount.toString()); } catch (Exception e) { try { run("umount", "-l", btrfsMount.toString()); } catch (Exception ignored) { } }
        }
        if (loop != null) { try { run("losetup", "-d", loop); } catch (Exception ignored) { } }
        try (var w = Files.walk(root)) {
            w.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (Exception ignored) { }
    }
}
