package io.berth.cluster;

import static io.berth.cluster.Etcd.await;
import static io.berth.cluster.Etcd.bytes;

import io.berth.config.TaskIndex;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The cluster's task index in etcd (Proxmox broadcasts each node's task list through pmxcfs): a node writes its
 * running tasks as {@code /PREFIX/tasks/NODE/active/UPID} and its finished ones as
 * {@code /PREFIX/tasks/NODE/index/UPID} = {@code ENDTIME STATUS} (the end replaces the start in one transaction).
 * Every node reads every node's entries, so a node that is down still has its tasks listed. Bounded per node: past
 * {@link #MAX_FINISHED} + a margin the oldest finished entries (by etcd revision) are deleted. The logs stay on the
 * node that ran the task.
 */
public final class EtcdTaskIndex implements TaskIndex {
    /** Finished tasks kept per node (about what {@code /cluster/tasks} shows on Proxmox, and a few pages more). */
    public static final int MAX_FINISHED = 500;
    private static final int TRIM_MARGIN = 50;

    private final KV kv;
    private final EtcdLayout layout;
    private final String node;
    private final Duration timeout;
    private final int maxFinished;

    public EtcdTaskIndex(Client client, EtcdLayout layout, String node, Duration timeout) {
        this(client, layout, node, timeout, MAX_FINISHED);
    }

    EtcdTaskIndex(Client client, EtcdLayout layout, String node, Duration timeout, int maxFinished) {
        this.maxFinished = maxFinished;
        this.kv = client.getKVClient();
        this.layout = layout;
        this.node = EtcdLayout.checkNode(node);
        this.timeout = timeout;
    }

    private String active(String upid) { return layout.tasksDir() + node + "/active/" + upid; }

    private String finishedKey(String upid) { return layout.tasksDir() + node + "/index/" + upid; }

    @Override public void started(String upid) {
        await(kv.put(bytes(active(upid)), bytes("")), timeout, "record task " + upid + " in the cluster's task index");
    }

    @Override public void finished(String upid, long endtime, String status) {
        await(kv.txn().Then(
                Op.put(bytes(finishedKey(upid)), bytes(String.format("%08X %s", endtime, status)), PutOption.DEFAULT),
                Op.delete(bytes(active(upid)), DeleteOption.DEFAULT)).commit(), timeout, "record the end of task " + upid + " in the cluster's task index");
        trim();
    }

    /** Deletes this node's oldest finished entries once there are more than {@code maxFinished} + a margin. */
    private void trim() {
        String dir = layout.tasksDir() + node + "/index/";
        long count = await(kv.get(bytes(dir), GetOption.builder().isPrefix(true).withCountOnly(true).build()), timeout,
                "count this node's tasks in the cluster's task index").getCount();
        if (count <= maxFinished + Math.min(TRIM_MARGIN, maxFinished)) return;
        List<KeyValue> keys = new ArrayList<>(await(kv.get(bytes(dir), GetOption.builder().isPrefix(true).withKeysOnly(true).build()), timeout,
                "list this node's tasks in the cluster's task index").getKvs());
        keys.sort(Comparator.comparingLong(KeyValue::getModRevision));
        for (KeyValue k : keys.subList(0, Math.max(0, keys.size() - maxFinished)))
            await(kv.delete(k.getKey()), timeout, "drop an old task from the cluster's task index");
    }

    @Override public List<Entry> entries() {
        String dir = layout.tasksDir();
        Map<String, Entry> all = new LinkedHashMap<>();
        List<KeyValue> kvs = await(kv.get(bytes(dir), GetOption.builder().isPrefix(true).build()), timeout, "read the cluster's task index").getKvs();
        for (KeyValue k : kvs) {
            // NODE/(active|index)/UPID
            String[] p = k.getKey().toString(StandardCharsets.UTF_8).substring(dir.length()).split("/", 3);
            if (p.length < 3) continue;
            String upid = p[2];
            if (p[1].equals("active")) all.putIfAbsent(upid, new Entry(upid, OptionalLong.empty(), ""));
            else if (p[1].equals("index")) {
                String[] v = k.getValue().toString(StandardCharsets.UTF_8).split(" ", 2);
                try {
                    all.put(upid, new Entry(upid, OptionalLong.of(Long.parseLong(v[0], 16)), v.length > 1 ? v[1] : ""));
                } catch (NumberFormatException e) {
                    // a damaged entry: skip it rather than hide every other task
                }
            }
        }
        return new ArrayList<>(all.values());
    }

    /** Removes every entry of {@code node} (the node left the cluster). */
    static void forget(KV kv, EtcdLayout layout, String node, Duration timeout) {
        await(kv.delete(bytes(layout.tasksDir() + EtcdLayout.checkNode(node) + "/"), DeleteOption.builder().isPrefix(true).build()), timeout,
                "remove node " + node + "'s tasks from the cluster's task index");
    }
}
