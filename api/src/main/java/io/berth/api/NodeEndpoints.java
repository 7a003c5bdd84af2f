package io.berth.api;

import io.berth.access.Permissions;
import io.berth.api.task.TaskManager;
import io.berth.ct.task.Upid;
import io.berth.ct.status.ContainerStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code /version}, {@code /nodes}, node status, tasks, and the {@code /cluster} views of a one-node cluster. */
final class NodeEndpoints {
    static final String PVE_VERSION = "8.4.1";
    static final String PVE_RELEASE = "8.4";

    private final Api api;

    NodeEndpoints(Api api) { this.api = api; }

    void register(ApiService s) {
        s.on("GET", "/version", c -> Map.of("version", PVE_VERSION, "release", PVE_RELEASE, "repoid", "berth"));
        s.on("GET", "/nodes", c -> List.of(nodeEntry(c)));
        s.on("GET", "/nodes/{node}", c -> {
            Api.checkNode(c);
            return names("lxc", "status", "storage", "tasks", "vzdump");
        });
        s.on("GET", "/nodes/{node}/status", c -> {
            Api.checkNode(c);
            return nodeStatus();
        });
        s.on("GET", "/nodes/{node}/tasks", this::listTasks);
        s.on("GET", "/nodes/{node}/tasks/{upid}", c -> names("log", "status"));
        s.on("GET", "/nodes/{node}/tasks/{upid}/status", c -> taskStatus(task(c)));
        s.on("GET", "/nodes/{node}/tasks/{upid}/log", this::taskLog);
        s.on("DELETE", "/nodes/{node}/tasks/{upid}", c -> {
            TaskManager.Info i = task(c);
            if (!owner(c, i) && !api.service().permissions().has(c.who().authid(), "/nodes/" + Node.name(), "Sys.Modify")) {
                throw ApiException.forbidden();
            }
            api.tasks().stop(c.str("upid"));
            return null;
        });
        s.on("GET", "/cluster", c -> names("resources", "tasks", "nextid", "status"));
        s.on("GET", "/cluster/status", c -> List.of(Map.of("type", "node", "name", Node.name(), "id", "node/" + Node.name(),
                "online", 1, "local", 1, "nodeid", 1, "ip", "127.0.0.1", "level", "")));
        s.on("GET", "/cluster/resources", this::resources);
        s.on("GET", "/cluster/tasks", c -> {
            List<Map<String, Object>> out = new ArrayList<>();
            // on a cluster node: every node's tasks, from the cluster's task index (a node that is down included)
            for (TaskManager.Info i : api.tasks().listCluster()) if (visible(c, i)) out.add(taskEntry(i));
            return out;
        });
        s.on("GET", "/cluster/nextid", c -> {
            List<Integer> used = api.ct().vmids();
            if (c.opt("vmid").isPresent()) {
                int v = c.vmid();
                if (used.contains(v)) throw ApiException.param("vmid", "VM " + v + " already exists");
                return v;
            }
            for (int id = 100; ; id++) if (!used.contains(id)) return String.valueOf(id);
        });
    }

    static List<Map<String, Object>> names(String... names) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String n : names) out.add(Map.of("name", n, "subdir", n));
        return out;
    }

    private Map<String, Object> nodeEntry(Call c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("node", Node.name());
        m.put("status", "online");
        m.put("id", "node/" + Node.name());
        m.put("type", "node");
        m.put("level", "");
        if (api.service().permissions().has(c.who().authid(), "/nodes/" + Node.name(), "Sys.Audit")) {
            Map<String, Object> st = nodeStatus();
            m.put("cpu", st.get("cpu"));
            m.put("maxcpu", ((Map<?, ?>) st.get("cpuinfo")).get("cpus"));
            m.put("mem", ((Map<?, ?>) st.get("memory")).get("used"));
            m.put("maxmem", ((Map<?, ?>) st.get("memory")).get("total"));
            m.put("disk", ((Map<?, ?>) st.get("rootfs")).get("used"));
            m.put("maxdisk", ((Map<?, ?>) st.get("rootfs")).get("total"));
            m.put("uptime", st.get("uptime"));
        }
        return m;
    }

    private long[] lastCpu = null;
    private double lastCpuShare = 0;

    synchronized Map<String, Object> nodeStatus() {
        Map<String, Object> m = new LinkedHashMap<>();
        Map<String, Long> mem = meminfo();
        long total = mem.getOrDefault("MemTotal", 0L) * 1024, avail = mem.getOrDefault("MemAvailable", 0L) * 1024;
        m.put("memory", Map.of("total", total, "used", total - avail, "free", avail));
        long st = mem.getOrDefault("SwapTotal", 0L) * 1024, sf = mem.getOrDefault("SwapFree", 0L) * 1024;
        m.put("swap", Map.of("total", st, "used", st - sf, "free", sf));
        try {
            String[] la = read("/proc/loadavg").split(" ");
            m.put("loadavg", List.of(la[0], la[1], la[2]));
            m.put("uptime", (long) Double.parseDouble(read("/proc/uptime").split(" ")[0]));
            m.put("kversion", "Linux " + read("/proc/sys/kernel/osrelease").strip() + " " + read("/proc/sys/kernel/version").strip());
            String[] cpu = read("/proc/stat").lines().findFirst().orElse("cpu 0 0 0 0").trim().split("\\s+");
            long busy = 0, all = 0;
            for (int i = 1; i < cpu.length && i <= 8; i++) {
                long v = Long.parseLong(cpu[i]);
                all += v;
                if (i != 4 && i != 5) busy += v;
            }
            if (lastCpu != null && all > lastCpu[1]) lastCpuShare = (double) (busy - lastCpu[0]) / (all - lastCpu[1]);
            lastCpu = new long[]{busy, all};
            m.put("cpu", lastCpuShare);
        } catch (IOException | RuntimeException e) {
            m.put("cpu", 0);
        }
        int cpus = Runtime.getRuntime().availableProcessors();
        m.put("cpuinfo", Map.of("cpus", cpus, "cores", cpus, "sockets", 1, "model", cpuModel()));
        var fs = new java.io.File("/");
        m.put("rootfs", Map.of("total", fs.getTotalSpace(), "used", fs.getTotalSpace() - fs.getFreeSpace(),
                "avail", fs.getUsableSpace(), "free", fs.getFreeSpace()));
        m.put("pveversion", "pve-manager/" + PVE_VERSION + "/berth");
        return m;
    }

    private static String cpuModel() {
        try {
            return read("/proc/cpuinfo").lines().filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static Map<String, Long> meminfo() {
        Map<String, Long> m = new LinkedHashMap<>();
        try {
            for (String l : read("/proc/meminfo").split("\n")) {
                String[] f = l.split(":?\\s+");
                if (f.length >= 2) m.put(f[0].replace(":", ""), Long.parseLong(f[1]));
            }
        } catch (IOException | NumberFormatException ignored) {
            // zeros
        }
        return m;
    }

    private static String read(String p) throws IOException { return Files.readString(Path.of(p)); }

    // ---- tasks ----

    private TaskManager.Info task(Call c) {
        Api.checkNode(c);
        String upid = c.str("upid");
        Upid u;
        try {
            u = Upid.parse(upid);
        } catch (RuntimeException e) {
            throw ApiException.param("upid", "unable to parse worker upid '" + upid + "'");
        }
        TaskManager.Info i = api.tasks().get(upid).orElseThrow(() -> new ApiException(404, "no such task"));
        if (!visible(c, i)) throw new ApiException(403, "Permission check failed (" + u.user() + " task, Sys.Audit)");
        return i;
    }

    private static boolean owner(Call c, TaskManager.Info i) {
        String user = i.upid().user();
        return user.equals(c.who().authid()) || user.equals(c.who().userid());
    }

    private boolean visible(Call c, TaskManager.Info i) {
        return owner(c, i) || api.service().permissions().has(c.who().authid(), "/nodes/" + i.upid().node(), "Sys.Audit");
    }

    static Map<String, Object> taskEntry(TaskManager.Info i) {
        Map<String, Object> m = new LinkedHashMap<>();
        Upid u = i.upid();
        m.put("upid", u.toString());
        m.put("node", u.node());
        m.put("pid", u.pid());
        m.put("pstart", u.pstart());
        m.put("starttime", u.starttime());
        m.put("type", u.type());
        m.put("id", u.id());
        m.put("user", u.user());
        if (!i.running()) {
            m.put("endtime", i.endtime());
            m.put("status", i.exitstatus().orElse(""));
        }
        return m;
    }

    private Map<String, Object> taskStatus(TaskManager.Info i) {
        Map<String, Object> m = taskEntry(i);
        m.put("status", i.running() ? "running" : "stopped");
        i.exitstatus().ifPresent(e -> m.put("exitstatus", e));
        return m;
    }

    private Object taskLog(Call c) {
        TaskManager.Info i = task(c);
        List<String> lines = api.tasks().logLines(i.upid().toString());
        int start = c.opt("start").map(Integer::parseInt).orElse(0);
        int limit = c.opt("limit").map(Integer::parseInt).orElse(50);
        List<Map<String, Object>> out = new ArrayList<>();
        for (int n = start; n < lines.size() && out.size() < limit; n++) out.add(Map.of("n", n + 1, "t", lines.get(n)));
        if (out.isEmpty() && lines.isEmpty()) out.add(Map.of("n", 1, "t", "no content"));
        return out;
    }

    private Object listTasks(Call c) {
        Api.checkNode(c);
        int start = c.opt("start").map(Integer::parseInt).orElse(0);
        int limit = c.opt("limit").map(Integer::parseInt).orElse(50);
        String vmid = c.params().get("vmid");
        String type = c.params().get("typefilter");
        String user = c.params().get("userfilter");
        boolean errors = c.flag("errors");
        String source = c.opt("source").orElse("archive");
        List<Map<String, Object>> out = new ArrayList<>();
        int skipped = 0;
        for (TaskManager.Info i : api.tasks().list()) {
            if (!visible(c, i)) continue;
            if (vmid != null && !vmid.equals(i.upid().id())) continue;
            if (type != null && !type.equals(i.upid().type())) continue;
            if (user != null && !i.upid().user().contains(user)) continue;
            if (errors && (i.running() || i.exitstatus().orElse("").equals("OK"))) continue;
            if (source.equals("active") && !i.running()) continue;
            if (source.equals("archive") && i.running()) continue;
            if (skipped++ < start) continue;
            if (out.size() >= limit) break;
            out.add(taskEntry(i));
        }
        return out;
    }

    // ---- cluster resources ----

    private Object resources(Call c) {
        String type = c.params().get("type");
        Permissions p = api.service().permissions();
        String who = c.who().authid();
        List<Map<String, Object>> out = new ArrayList<>();
        if (type == null || type.equals("vm")) {
            for (ContainerStatus st : api.ct().list()) {
                if (!p.has(who, "/vms/" + st.vmid(), "VM.Audit")) continue;
                Map<String, Object> m = LxcEndpoints.statusMap(st);
                m.put("id", "lxc/" + st.vmid());
                m.put("type", "lxc");
                m.put("node", Node.name());
                String pool = poolOf(st.vmid());
                if (pool != null) m.put("pool", pool);
                out.add(m);
            }
        }
        if ((type == null || type.equals("node")) && p.has(who, "/nodes/" + Node.name(), "Sys.Audit")) {
            Map<String, Object> m = nodeEntry(c);
            m.put("id", "node/" + Node.name());
            out.add(m);
        }
        if (type == null || type.equals("storage")) {
            for (var e : new io.berth.ct.storage.StorageOverview(api.storageContext()).list(false)) {
                if (!p.check(who, "/storage/" + e.id(), List.of("Datastore.Audit", "Datastore.AllocateSpace"), true)) continue;
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("id", "storage/" + Node.name() + "/" + e.id());
                m.put("type", "storage");
                m.put("storage", e.id());
                m.put("node", Node.name());
                m.put("plugintype", e.type());
                m.put("status", e.enabled() ? "available" : "disabled");
                m.put("shared", e.shared() ? 1 : 0);
                m.put("content", String.join(",", e.content().stream().map(io.berth.storage.ContentType::key).toList()));
                out.add(m);
            }
        }
        if (type == null || type.equals("pool")) {
            for (var pool : api.store().read().pools.values()) {
                if (!p.has(who, "/pool/" + pool.poolid(), "Pool.Audit")) continue;
                out.add(new LinkedHashMap<>(Map.of("id", "/pool/" + pool.poolid(), "type", "pool", "pool", pool.poolid())));
            }
        }
        return out;
    }

    private String poolOf(int vmid) {
        for (var pool : api.store().read().pools.values()) if (pool.vms().contains(vmid)) return pool.poolid();
        return null;
    }
}
