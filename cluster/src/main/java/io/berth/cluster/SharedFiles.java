package io.berth.cluster;

import static io.berth.cluster.Etcd.await;
import static io.berth.cluster.Etcd.bytes;

import io.berth.config.BerthRoots;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node-independent files every node shares, as pmxcfs shares {@code storage.cfg} and {@code user.cfg}:
 * {@code storage.cfg}, the users/groups/roles/ACLs/pools ({@code access/user.cfg}), password hashes, API token
 * hashes, TOTP secrets and the ticket key ({@code access/priv/...}, so a ticket from one node is valid on all).
 * Kept in etcd under {@code /berth/cluster/files/PATH}. The cluster's copy wins on join; afterwards berthd
 * pushes a local change (seen by polling, {@link #pushChanged}) with a compare-and-swap on the revision it last
 * saw, and writes changes of other nodes (seen by watch) into the local files atomically.
 */
public final class SharedFiles implements AutoCloseable {
    /** The shared files, relative to the config dir, with the mode they are written with. */
    public static final Map<String, String> FILES = Map.of(
            "storage.cfg", "rw-r--r--",
            "access/user.cfg", "rw-r-----",
            "access/priv/shadow.cfg", "rw-------",
            "access/priv/token.cfg", "rw-------",
            "access/priv/tfa.cfg", "rw-------",
            "access/priv/authkey.key", "rw-------");

    private final Client client;
    private final KV kv;
    private final BerthRoots roots;
    private final EtcdLayout layout;
    private final Duration timeout;
    /** Per file: the etcd mod revision and bytes last in sync with the local file. */
    private final Map<String, Synced> synced = new ConcurrentHashMap<>();
    private volatile io.etcd.jetcd.Watch.Watcher watcher;

    private record Synced(long revision, byte[] bytes) {}

    public SharedFiles(Client client, BerthRoots roots, EtcdLayout layout, Duration timeout) {
        this.client = client;
        this.kv = client.getKVClient();
        this.roots = roots;
        this.layout = layout;
        this.timeout = timeout;
    }

    private String key(String rel) { return layout.prefix() + "/cluster/files/" + rel; }

    private Path path(String rel) { return roots.configDir().resolve(rel); }

    /** {@code cluster create}: this node's files become the cluster's (those it has). */
    public void publish() {
        for (String rel : FILES.keySet()) {
            byte[] b = local(rel);
            if (b == null) continue;
            await(kv.txn().If(new Cmp(bytes(key(rel)), Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                    .Then(Op.put(bytes(key(rel)), bytes(b), PutOption.DEFAULT)).commit(), timeout, "share " + rel);
        }
    }

    /**
     * {@code cluster join} and berthd's start: the cluster's files replace the local ones (a local file the cluster
     * does not have is pushed, as a node brings in what the cluster lacks). Returns the files that changed here.
     */
    public List<String> pull() {
        List<String> changed = new java.util.ArrayList<>();
        for (String rel : FILES.keySet()) {
            Optional<KeyValue> kvs = await(kv.get(bytes(key(rel))), timeout, "read the shared " + rel).getKvs().stream().findFirst();
            byte[] have = local(rel);
            if (kvs.isEmpty()) {
                if (have != null) push(rel, have, 0);
                continue;
            }
            byte[] want = kvs.get().getValue().getBytes();
            if (!Arrays.equals(want, have)) {
                writeLocal(rel, want);
                changed.add(rel);
            }
            synced.put(rel, new Synced(kvs.get().getModRevision(), want));
        }
        return changed;
    }

    /** Pushes local files changed since the last sync; a concurrent change elsewhere wins (and is written here). */
    public void pushChanged() {
        for (String rel : FILES.keySet()) {
            byte[] have = local(rel);
            Synced s = synced.get(rel);
            if (have == null || s != null && Arrays.equals(have, s.bytes())) continue;
            push(rel, have, s == null ? 0 : s.revision());
        }
    }

    private void push(String rel, byte[] b, long expectedRevision) {
        Cmp cmp = expectedRevision == 0 ? new Cmp(bytes(key(rel)), Cmp.Op.EQUAL, CmpTarget.createRevision(0))
                : new Cmp(bytes(key(rel)), Cmp.Op.EQUAL, CmpTarget.modRevision(expectedRevision));
        TxnResponse r = await(kv.txn().If(cmp).Then(Op.put(bytes(key(rel)), bytes(b), PutOption.DEFAULT)).commit(), timeout, "share " + rel);
        if (r.isSucceeded()) synced.put(rel, new Synced(r.getPutResponses().get(0).getHeader().getRevision(), b));
        else pullOne(rel); // another node changed it first: theirs stands, as with a digest mismatch
    }

    private void pullOne(String rel) {
        await(kv.get(bytes(key(rel))), timeout, "read the shared " + rel).getKvs().stream().findFirst().ifPresent(k -> {
            byte[] want = k.getValue().getBytes();
            if (!Arrays.equals(want, local(rel))) writeLocal(rel, want);
            synced.put(rel, new Synced(k.getModRevision(), want));
        });
    }

    /** Follows changes of the other nodes. */
    public synchronized void watch() {
        if (watcher != null) watcher.close();
        String dir = layout.prefix() + "/cluster/files/";
        watcher = client.getWatchClient().watch(bytes(dir), WatchOption.builder().isPrefix(true).build(), (WatchResponse r) -> {
            for (var e : r.getEvents()) {
                String rel = e.getKeyValue().getKey().toString(StandardCharsets.UTF_8).substring(dir.length());
                if (!FILES.containsKey(rel)) continue;
                Synced s = synced.get(rel);
                if (s != null && s.revision() >= e.getKeyValue().getModRevision()) continue; // our own push
                byte[] want = e.getKeyValue().getValue().getBytes();
                if (!Arrays.equals(want, local(rel))) writeLocal(rel, want);
                synced.put(rel, new Synced(e.getKeyValue().getModRevision(), want));
            }
        }, t -> { });
    }

    private byte[] local(String rel) {
        try {
            return Files.readAllBytes(path(rel));
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path(rel) + ": " + e.getMessage(), e);
        }
    }

    private void writeLocal(String rel, byte[] b) {
        Path p = path(rel);
        try {
            Files.createDirectories(p.getParent());
            if (rel.startsWith("access/priv/")) Files.setPosixFilePermissions(p.getParent(), PosixFilePermissions.fromString("rwx------"));
            Path tmp = p.resolveSibling("." + p.getFileName() + ".cluster-tmp");
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(FILES.get(rel))));
            Files.write(tmp, b);
            Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + p + ": " + e.getMessage(), e);
        }
    }

    @Override public synchronized void close() {
        if (watcher != null) watcher.close();
    }


}
