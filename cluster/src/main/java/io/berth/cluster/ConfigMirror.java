package io.berth.cluster;

import static io.berth.cluster.Etcd.await;
import static io.berth.cluster.Etcd.bytes;

import io.berth.config.ConfigStore;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The node's read cache of the cluster: its container configs in etcd ({@code /berth/nodes/NODE/lxc/}) mirrored to
 * the local config files, so every read stays a local file read. {@link #sync} catches up (at start, after a
 * rejoin, after the watch broke); {@link #watch} follows changes made elsewhere (a migration or an HA recovery
 * moving a config to or from this node, a write on another node). Each change is applied under the config's local
 * lock from a fresh read of the key, so a local write in flight is never undone by an older event.
 */
public final class ConfigMirror implements AutoCloseable {
    private static final Pattern CONF = Pattern.compile("([1-9][0-9]*)\\.conf");

    private final Client client;
    private final KV kv;
    private final ConfigStore store;
    private final String dir;
    private final Duration timeout;
    private volatile Watch.Watcher watcher;
    private volatile boolean closed;

    public ConfigMirror(Client client, EtcdLayout layout, String node, ConfigStore store, Duration timeout) {
        this.client = client;
        this.kv = client.getKVClient();
        this.store = store;
        this.dir = layout.nodeDir(node);
        this.timeout = timeout;
    }

    /** What a sync changed. */
    public record Changes(int written, int removed) {}

    /** Makes the local files equal to the cluster's copy; returns the etcd revision it is at. */
    public long sync() { return syncCounting().revision; }

    record Synced(long revision, Changes changes) {}

    Synced syncCounting() {
        GetResponse r = await(kv.get(bytes(dir), GetOption.builder().isPrefix(true).build()), timeout, "read this node's configs");
        Map<Integer, byte[]> remote = new HashMap<>();
        for (KeyValue k : r.getKvs()) vmid(k.getKey().toString(StandardCharsets.UTF_8)).ifPresent(id -> remote.put(id, k.getValue().getBytes()));
        int written = 0, removed = 0;
        Set<Integer> ids = new HashSet<>(remote.keySet());
        ids.addAll(store.list());
        for (int id : ids) {
            byte[] want = remote.get(id);
            if (want != null && Arrays.equals(want, local(id))) continue;
            if (want == null && local(id) == null) continue;
            switch (reconcile(id)) {
                case 1 -> written++;
                case -1 -> removed++;
                default -> { }
            }
        }
        return new Synced(r.getHeader().getRevision(), new Changes(written, removed));
    }

    /** Brings one config in line with the cluster: 1 written, -1 removed, 0 unchanged. */
    int reconcile(int vmid) {
        try (ConfigStore.Lock l = store.lock(vmid)) {
            Optional<byte[]> now = await(kv.get(bytes(dir + vmid + ".conf")), timeout, "read the config of container " + vmid)
                    .getKvs().stream().findFirst().map(k -> k.getValue().getBytes());
            byte[] have = local(vmid);
            if (now.isPresent()) {
                if (Arrays.equals(now.get(), have)) return 0;
                store.mirror(vmid, now.get());
                return 1;
            }
            if (have == null) return 0;
            store.unmirror(vmid);
            return -1;
        }
    }

    private byte[] local(int vmid) {
        try {
            return Files.readAllBytes(store.roots().containerConfig(vmid));
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private Optional<Integer> vmid(String key) {
        if (!key.startsWith(dir)) return Optional.empty();
        Matcher m = CONF.matcher(key.substring(dir.length()));
        return m.matches() ? Optional.of(Integer.parseInt(m.group(1))) : Optional.empty();
    }

    /**
     * Follows changes from {@code afterRevision} on; a broken watch (the cluster unreachable, the revision
     * compacted) is re-established after a full {@link #sync}.
     */
    public synchronized void watch(long afterRevision) {
        if (closed) return;
        if (watcher != null) watcher.close();
        watcher = client.getWatchClient().watch(bytes(dir),
                WatchOption.builder().isPrefix(true).withRevision(afterRevision + 1).withPrevKV(false).build(),
                this::onEvents, this::onError);
    }

    private void onEvents(WatchResponse r) {
        Set<Integer> ids = new HashSet<>();
        for (WatchEvent e : r.getEvents()) vmid(e.getKeyValue().getKey().toString(StandardCharsets.UTF_8)).ifPresent(ids::add);
        // not on the watch's own thread: reconcile makes etcd calls and waits for them
        Thread.ofVirtual().name("berth-mirror").start(() -> {
            for (int id : ids) {
                try {
                    reconcile(id);
                } catch (RuntimeException ex) {
                    System.getLogger("berth.cluster").log(System.Logger.Level.WARNING, "cannot mirror container " + id + ": " + ex.getMessage());
                }
            }
        });
    }

    private void onError(Throwable t) {
        if (closed) return;
        Thread.ofVirtual().name("berth-mirror-resync").start(() -> {
            for (long pause = 1000; !closed; pause = Math.min(pause * 2, 30_000)) {
                try {
                    Thread.sleep(pause);
                    watch(sync());
                    return;
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    // still unreachable: try again later
                }
            }
        });
    }

    @Override public synchronized void close() {
        closed = true;
        if (watcher != null) watcher.close();
    }
}
