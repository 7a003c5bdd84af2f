package io.berth.api;

import io.berth.access.Authenticator.Caller;
import io.berth.access.Permissions;
import io.berth.api.task.TaskManager;
import io.berth.ct.status.ContainerStatus;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Beyond Proxmox: Prometheus metrics at {@code /metrics} (API token or ticket; containers the caller may audit) and
 * a server-sent event stream at {@code /events} of task starts/ends and container state changes.
 */
final class Observability {
    private final Api api;
    final AtomicLong requests = new AtomicLong();
    private final List<BlockingQueue<String>> subscribers = new CopyOnWriteArrayList<>();
    private volatile Thread stateWatcher;

    Observability(Api api) {
        this.api = api;
        api.tasks().listen(this::taskEvent);
    }

    /** The caller of a non-API request, or a 401. */
    Caller authenticate(Credentials cred) {
        Optional<Caller> c = Optional.empty();
        if (cred.authorization().isPresent() && cred.authorization().get().startsWith("PVEAPIToken")) c = api.service().auth().byToken(cred.authorization().get());
        else if (cred.ticket().isPresent()) c = api.service().auth().byTicket(cred.ticket().get());
        return c.orElseThrow(() -> new ApiException(401, "No ticket"));
    }

    String metrics(Caller caller) {
        Permissions p = api.service().permissions();
        StringBuilder sb = new StringBuilder();
        Map<String, StringBuilder> families = new LinkedHashMap<>();
        String[][] defs = {
                {"berth_ct_up", "gauge", "1 if the container runs"},
                {"berth_ct_cpu_ratio", "gauge", "CPU use as a share of the container's cpus"},
                {"berth_ct_cpus", "gauge", "CPUs the container may use"},
                {"berth_ct_memory_bytes", "gauge", "memory in use"},
                {"berth_ct_memory_max_bytes", "gauge", "memory limit"},
                {"berth_ct_disk_bytes", "gauge", "root disk in use"},
                {"berth_ct_disk_max_bytes", "gauge", "root disk size"},
                {"berth_ct_network_receive_bytes_total", "counter", "bytes received"},
                {"berth_ct_network_transmit_bytes_total", "counter", "bytes sent"},
                {"berth_ct_disk_read_bytes_total", "counter", "bytes read from block devices"},
                {"berth_ct_disk_write_bytes_total", "counter", "bytes written to block devices"},
                {"berth_ct_uptime_seconds", "gauge", "seconds since start"}};
        for (String[] d : defs) families.put(d[0], new StringBuilder("# HELP " + d[0] + " " + d[2] + "\n# TYPE " + d[0] + " " + d[1] + "\n"));
        for (ContainerStatus st : api.ct().list()) {
            if (!p.has(caller.authid(), "/vms/" + st.vmid(), "VM.Audit")) continue;
            String l = "{vmid=\"" + st.vmid() + "\",name=\"" + st.name().replace("\\", "\\\\").replace("\"", "\\\"") + "\"} ";
            add(families, "berth_ct_up", l, st.running() ? 1 : 0);
            add(families, "berth_ct_cpu_ratio", l, st.cpu());
            add(families, "berth_ct_cpus", l, st.cpus());
            add(families, "berth_ct_memory_bytes", l, st.mem());
            add(families, "berth_ct_memory_max_bytes", l, st.maxmem());
            add(families, "berth_ct_disk_bytes", l, st.disk());
            add(families, "berth_ct_disk_max_bytes", l, st.maxdisk());
            add(families, "berth_ct_network_receive_bytes_total", l, st.netin());
            add(families, "berth_ct_network_transmit_bytes_total", l, st.netout());
            add(families, "berth_ct_disk_read_bytes_total", l, st.diskread());
            add(families, "berth_ct_disk_write_bytes_total", l, st.diskwrite());
            add(families, "berth_ct_uptime_seconds", l, st.uptime());
        }
        families.values().forEach(sb::append);
        sb.append("# HELP berth_api_requests_total API requests served\n# TYPE berth_api_requests_total counter\n")
                .append("berth_api_requests_total ").append(requests.get()).append('\n');
        return sb.toString();
    }

    private static void add(Map<String, StringBuilder> f, String name, String labels, double v) {
        f.get(name).append(name).append(labels).append(v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v)
                : String.format(Locale.ROOT, "%.6f", v)).append('\n');
    }

    // ---- events ----

    private void taskEvent(TaskManager.Info i) {
        Map<String, Object> m = NodeEndpoints.taskEntry(i);
        m.put("status", i.running() ? "running" : "stopped");
        i.exitstatus().ifPresent(e -> m.put("exitstatus", e));
        publish("task", m);
    }

    private void publish(String type, Object data) {
        String msg = "event: " + type + "\ndata: " + new String(Json.bytes(data), StandardCharsets.UTF_8) + "\n\n";
        for (BlockingQueue<String> q : subscribers) q.offer(msg);
    }

    private synchronized void ensureStateWatcher() {
        if (stateWatcher != null) return;
        stateWatcher = Thread.ofVirtual().name("events-state").start(() -> {
            Map<Integer, String> last = new HashMap<>();
            while (true) {
                try {
                    Map<Integer, String> now = new HashMap<>();
                    for (ContainerStatus st : api.ct().list()) now.put(st.vmid(), st.status().key());
                    for (var e : now.entrySet()) {
                        if (!e.getValue().equals(last.get(e.getKey()))) publish("state", Map.of("vmid", e.getKey(), "status", e.getValue()));
                    }
                    for (Integer gone : last.keySet()) if (!now.containsKey(gone)) publish("state", Map.of("vmid", gone, "status", "deleted"));
                    last = now;
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    // a container vanishing mid-read: the next round sees it
                }
            }
        });
    }

    /** Streams events to {@code out} until the client goes away; only events about what the caller may audit. */
    void stream(Caller caller, OutputStream out) throws IOException {
        BlockingQueue<String> q = new LinkedBlockingQueue<>(10_000);
        subscribers.add(q);
        ensureStateWatcher();
        try {
            out.write(": berth events\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            while (true) {
                String msg = q.poll(15, TimeUnit.SECONDS);
                if (msg == null) msg = ": keep-alive\n\n";
                else if (!visible(caller, msg)) continue;
                out.write(msg.getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            subscribers.remove(q);
        }
    }

    private boolean visible(Caller caller, String msg) {
        Permissions p = api.service().permissions();
        var m = java.util.regex.Pattern.compile("\"(?:vmid|id)\":\"?(\\d+)").matcher(msg);
        boolean sys = p.has(caller.authid(), "/nodes/" + Node.name(), "Sys.Audit");
        if (msg.startsWith("event: task") && (sys || msg.contains(":" + caller.authid() + ":"))) return true;
        return m.find() && p.has(caller.authid(), "/vms/" + m.group(1), "VM.Audit");
    }
}
