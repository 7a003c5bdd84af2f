package io.berth.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.access.Permissions;
import io.berth.config.ConfigFile;
import io.berth.config.ContainerConfig;
import io.berth.config.MountPoint;
import io.berth.config.RawLxc;
import io.berth.config.Schema;
import io.berth.ct.CreateRequest;
import io.berth.ct.snapshot.SnapshotService;
import io.berth.ct.status.ContainerStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** {@code /nodes/{node}/lxc/...}: list, create, config, pending, status, lifecycle as tasks, destroy. */
final class LxcEndpoints {
    private static final String BASE = "/nodes/{node}/lxc/{vmid}";
    /** Parameters of POST /lxc that are not config keys. */
    private static final Set<String> CREATE_ONLY = Set.of("node", "vmid", "ostemplate", "storage", "password", "ssh-public-keys",
            "start", "restore", "force", "unique", "pool", "ignore-unpack-errors", "bwlimit", "ha-managed");

    private final Api api;

    LxcEndpoints(Api api) { this.api = api; }

    void register(ApiService s) {
        s.on("GET", "/nodes/{node}/lxc", this::list);
        s.on("POST", "/nodes/{node}/lxc", this::create);
        s.on("GET", BASE, c -> {
            exists(c);
            return NodeEndpoints.names("config", "status", "snapshot", "pending", "rrddata", "interfaces");
        });
        s.on("DELETE", BASE, this::destroy);
        s.on("GET", BASE + "/config", this::config);
        s.on("PUT", BASE + "/config", this::setConfig);
        s.on("GET", BASE + "/pending", this::pending);
        s.on("GET", BASE + "/status", c -> {
            exists(c);
            return NodeEndpoints.names("current", "start", "stop", "shutdown", "reboot", "suspend", "resume");
        });
        s.on("GET", BASE + "/status/current", c -> {
            Api.checkNode(c);
            ContainerStatus st = api.status().get(c.vmid());
            Map<String, Object> m = statusMap(st);
            m.put("ha", Map.of("managed", 0));
            return m;
        });
        s.on("POST", BASE + "/status/start", c -> task(c, "vzstart", () -> api.ct().start(c.vmid(), skiplock(c), c.flag("debug"))));
        s.on("POST", BASE + "/status/stop", c -> task(c, "vzstop", () -> api.ct().stop(c.vmid(), skiplock(c))));
        s.on("POST", BASE + "/status/shutdown", c -> task(c, "vzshutdown", () -> api.ct().shutdown(c.vmid(),
                c.opt("timeout").map(Integer::parseInt).orElse(60), c.flag("forceStop"), false)));
        s.on("POST", BASE + "/status/reboot", c -> task(c, "vzreboot", () -> api.ct().reboot(c.vmid(),
                c.opt("timeout").map(Integer::parseInt).orElse(60), false)));
        s.on("POST", BASE + "/status/suspend", c -> task(c, "vzsuspend", () -> api.ct().suspend(c.vmid(), false)));
        s.on("POST", BASE + "/status/resume", c -> task(c, "vzresume", () -> api.ct().resume(c.vmid(), false)));
        snapshots(s);
        s.on("POST", BASE + "/termproxy", c -> {
            exists(c);
            var offer = api.web().termproxy(c.who().userid(), c.vmid());
            // the task lasts as long as the console, as in Proxmox: until the browser disconnects or never comes
            String upid = api.tasks().start("vncproxy", String.valueOf(c.vmid()), c.who().authid(), log -> {
                log.line("console offer on port " + offer.port() + " for " + offer.user() + ": " + String.join(" ", offer.command()));
                try {
                    offer.claimed().get(io.berth.web.console.TermProxy.TICKET_LIFETIME.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    throw new io.berth.error.HostFailureException("connection timed out: no console client connected within "
                            + io.berth.web.console.TermProxy.TICKET_LIFETIME.toSeconds() + " s");
                }
                Integer exit = offer.ended().get();
                log.line("console closed" + (exit == null ? "" : " (exit " + exit + ")"));
            });
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("port", offer.port());
            m.put("ticket", offer.ticket());
            m.put("user", offer.user());
            m.put("upid", upid);
            return m;
        });
    }

    // ---- snapshots ----

    private void snapshots(ApiService s) {
        s.on("GET", BASE + "/snapshot", c -> {
            Api.checkNode(c);
            List<Map<String, Object>> out = new ArrayList<>();
            for (SnapshotService.Entry e : snaps().list(c.vmid())) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", e.name());
                m.put("description", e.description());
                e.snaptime().ifPresent(t -> m.put("snaptime", t));
                e.parent().ifPresent(p -> m.put("parent", p));
                e.snapstate().ifPresent(st -> m.put("snapstate", st));
                e.running().ifPresent(r -> m.put("running", r ? 1 : 0));
                e.digest().ifPresent(d -> m.put("digest", d));
                out.add(m);
            }
            return out;
        });
        s.on("POST", BASE + "/snapshot", c -> {
            String name = c.str("snapname");
            SnapshotService.checkName(name);
            return task(c, "vzsnapshot", () -> snaps().create(c.vmid(), name, c.opt("description")));
        });
        s.on("GET", BASE + "/snapshot/{snapname}", c -> {
            snapshotConfig(c);
            return NodeEndpoints.names("config", "rollback");
        });
        s.on("DELETE", BASE + "/snapshot/{snapname}", c -> task(c, "vzdelsnapshot",
                () -> snaps().delete(c.vmid(), c.str("snapname"), c.flag("force"))));
        s.on("POST", BASE + "/snapshot/{snapname}/rollback", c -> task(c, "vzrollback",
                () -> snaps().rollback(c.vmid(), c.str("snapname"), c.flag("start"))));
        s.on("GET", BASE + "/snapshot/{snapname}/config", c -> configMap(snapshotConfig(c), api.service().schema()));
        s.on("PUT", BASE + "/snapshot/{snapname}/config", c -> {
            snapshotConfig(c);
            String name = c.str("snapname");
            api.ct().writeConfig(c.vmid(), edit(api.ct().config(c.vmid()), name, c.opt("description")));
            return null;
        });
    }

    private SnapshotService snaps() { return new SnapshotService(api.ct()); }

    private ContainerConfig snapshotConfig(Call c) {
        Api.checkNode(c);
        ContainerConfig conf = api.ct().config(c.vmid()).snapshots().get(c.str("snapname"));
        if (conf == null) throw new io.berth.error.NotFoundException("snapshot '" + c.str("snapname") + "' does not exist");
        return conf;
    }

    private static ConfigFile edit(ConfigFile f, String snap, Optional<String> description) {
        ContainerConfig conf = f.snapshots().get(snap);
        return f.withSnapshot(snap, conf.withDescription(description.filter(d -> !d.isEmpty())));
    }

    private void exists(Call c) {
        Api.checkNode(c);
        api.ct().config(c.vmid());
    }

    /** skiplock is for root@pam only, as in Proxmox. */
    private static boolean skiplock(Call c) {
        if (c.flag("skiplock") && !c.who().isRoot()) throw new ApiException(403, "Only root may use this option.");
        return c.flag("skiplock");
    }

    private String task(Call c, String type, Runnable op) {
        exists(c);
        return api.tasks().start(type, String.valueOf(c.vmid()), c.who().authid(), log -> op.run());
    }

    private String task(Call c, String type, java.util.function.Supplier<SnapshotService.Result> op) {
        exists(c);
        return api.tasks().start(type, String.valueOf(c.vmid()), c.who().authid(), log -> {
            for (String w : op.get().warnings()) log.line("WARN: " + w);
        });
    }

    // ---- list / status ----

    static Map<String, Object> statusMap(ContainerStatus st) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("vmid", st.vmid());
        m.put("name", st.name());
        m.put("status", st.status().key());
        m.put("type", "lxc");
        m.put("uptime", st.uptime());
        m.put("cpu", st.cpu());
        m.put("cpus", st.cpus());
        m.put("mem", st.mem());
        m.put("maxmem", st.maxmem());
        m.put("swap", st.swap());
        m.put("maxswap", st.maxswap());
        m.put("disk", st.disk());
        m.put("maxdisk", st.maxdisk());
        m.put("diskread", st.diskread());
        m.put("diskwrite", st.diskwrite());
        m.put("netin", st.netin());
        m.put("netout", st.netout());
        st.pid().ifPresent(p -> m.put("pid", p));
        st.lock().ifPresent(l -> m.put("lock", l));
        if (st.template()) m.put("template", 1);
        return m;
    }

    private Object list(Call c) {
        Api.checkNode(c);
        Permissions p = api.service().permissions();
        List<Map<String, Object>> out = new ArrayList<>();
        for (ContainerStatus st : api.ct().list()) {
            if (p.has(c.who().authid(), "/vms/" + st.vmid(), "VM.Audit")) out.add(statusMap(st));
        }
        return out;
    }

    // ---- create / destroy ----

    private Object create(Call c) {
        Api.checkNode(c);
        int vmid = c.vmid();
        Permissions p = api.service().permissions();
        String who = c.who().authid();
        Optional<String> pool = c.opt("pool");
        if (!p.has(who, "/vms/" + vmid, "VM.Allocate") && !(pool.isPresent() && p.has(who, "/pool/" + pool.get(), "VM.Allocate"))) {
            throw new ApiException(403, "Permission check failed (/vms/" + vmid + ", VM.Allocate)");
        }
        if (c.flag("restore")) return restore(c, vmid, who, p);
        String template = c.opt("ostemplate").orElseThrow(() -> ApiException.param("ostemplate", "property is missing and it is not optional"));
        String storage = c.opt("storage").orElse("local");
        Map<String, String> opts = new LinkedHashMap<>();
        for (var e : c.params().entrySet()) if (!CREATE_ONLY.contains(e.getKey())) opts.put(e.getKey(), e.getValue());
        opts.putIfAbsent("rootfs", storage + ":4");
        for (String vol : volumeStorages(opts)) {
            if (!p.has(who, "/storage/" + vol, "Datastore.AllocateSpace")) {
                throw new ApiException(403, "Permission check failed (/storage/" + vol + ", Datastore.AllocateSpace)");
            }
        }
        if (template.contains(":") && !template.startsWith("/")) {
            String st = template.substring(0, template.indexOf(':'));
            if (!p.check(who, "/storage/" + st, List.of("Datastore.AllocateSpace", "Datastore.Audit"), true)) {
                throw new ApiException(403, "Permission check failed (/storage/" + st + ", Datastore.Audit)");
            }
        } else if (!c.who().isRoot()) {
            throw ApiException.param("ostemplate", "only root can use a template by path; use STORAGE:vztmpl/NAME");
        }
        if (opts.containsKey("hookscript")) requireRootForHookscript(c);
        if (!"1".equals(opts.get("unprivileged")) && !p.has(who, "/", "Sys.Modify")) {
            throw new ApiException(403, "Permission check failed (/, Sys.Modify): privileged containers need Sys.Modify on /");
        }
        if (api.ct().vmids().contains(vmid) && !c.flag("force")) {
            throw new ApiException(500, "CT " + vmid + " already exists on node '" + Node.name() + "'");
        }
        boolean start = c.flag("start");
        if (pool.isPresent() && !api.store().read().pools.containsKey(pool.get())) throw ApiException.param("pool", "pool '" + pool.get() + "' does not exist");
        return api.tasks().start("vzcreate", String.valueOf(vmid), who, log -> {
            var r = api.ct().create(new CreateRequest(vmid, template, opts, Optional.of(storage)), (done, total) -> {});
            for (String w : r.warnings()) log.line("WARN: " + w);
            log.line("created container " + vmid + " (ostype " + r.ostype() + ", arch " + r.arch() + ")");
            pool.ifPresent(pl -> addToPool(api, pl, vmid));
            if (start) {
                api.ct().start(vmid, false, false);
                log.line("started container " + vmid);
            }
        });
    }

    /** Adds {@code vmid} to pool {@code pool} (create, clone: {@code pool=}); a pool removed meanwhile is left alone. */
    static void addToPool(Api api, String pool, int vmid) {
        api.store().update(d -> {
            var old = d.pools.get(pool);
            if (old == null) return;
            Set<Integer> vms = new java.util.TreeSet<>(old.vms());
            vms.add(vmid);
            d.pools.put(pool, new io.berth.access.AccessData.Pool(pool, old.comment(), vms, old.storage()));
        });
    }

    /** {@code create ... restore=1}: the archive (STORAGE:backup/NAME) becomes container {@code vmid} (vzrestore task). */
    private String restore(Call c, int vmid, String who, Permissions p) {
        String archive = c.opt("ostemplate").orElseThrow(() -> ApiException.param("ostemplate", "property is missing and it is not optional"));
        if (archive.contains(":") && !archive.startsWith("/")) {
            String st = archive.substring(0, archive.indexOf(':'));
            if (!p.check(who, "/storage/" + st, List.of("Datastore.AllocateSpace", "Datastore.Audit"), true))
                throw new ApiException(403, "Permission check failed (/storage/" + st + ", Datastore.Audit)");
        } else if (!c.who().isRoot()) {
            throw ApiException.param("ostemplate", "only root can restore from a path; use STORAGE:backup/NAME");
        }
        boolean exists = api.ct().vmids().contains(vmid);
        if (exists && !c.flag("force")) throw new ApiException(500, "CT " + vmid + " already exists on node '" + Node.name() + "'");
        if (exists && !p.has(who, "/vms/" + vmid, "VM.Backup")) throw new ApiException(403, "Permission check failed (/vms/" + vmid + ", VM.Backup)");
        var req = new io.berth.ct.backup.RestoreRequest(vmid, archive, c.opt("storage"), c.opt("rootfs"),
                c.opt("unprivileged").map("1"::equals), c.flag("force"), c.flag("ignore-unpack-errors"), Map.of(), c.flag("unique"));
        boolean start = c.flag("start");
        return api.tasks().start("vzrestore", String.valueOf(vmid), who, log -> {
            // the service logs into this task (the same task store), its warnings counted
            var r = new io.berth.ct.backup.RestoreService(api.ct()).restore(req, (done, total) -> {}, line -> {});
            log.line("restored " + archive + " as container " + vmid);
            if (start) {
                api.ct().start(vmid, false, false);
                log.line("started container " + vmid);
            }
        });
    }

    private static List<String> volumeStorages(Map<String, String> opts) {
        List<String> out = new ArrayList<>();
        for (var e : opts.entrySet()) {
            if (!MountPoint.isVolumeKey(e.getKey())) continue;
            String v = e.getValue().split(",")[0];
            int colon = v.indexOf(':');
            if (colon > 0 && v.substring(colon + 1).matches("\\d+(\\.\\d+)?")) out.add(v.substring(0, colon));
        }
        return out;
    }

    private Object destroy(Call c) {
        exists(c);
        int vmid = c.vmid();
        boolean purge = c.flag("purge");
        return api.tasks().start("vzdestroy", String.valueOf(vmid), c.who().authid(), log -> {
            if (c.flag("force") && api.ct().status(vmid).running()) api.ct().stop(vmid, false);
            api.ct().destroy(vmid, purge, false);
            api.store().update(d -> {
                d.pools.replaceAll((k, pl) -> {
                    Set<Integer> vms = new java.util.TreeSet<>(pl.vms());
                    vms.remove(vmid);
                    return new io.berth.access.AccessData.Pool(pl.poolid(), pl.comment(), vms, pl.storage());
                });
                if (purge) d.acls.removeIf(a -> a.path().equals("/vms/" + vmid));
            });
            log.line("destroyed container " + vmid);
        });
    }

    // ---- config ----

    private String digest(int vmid) { return digest(api, vmid); }

    /** SHA-1 of the config file as it is on disk, Proxmox's {@code digest}. */
    static String digest(Api api, int vmid) {
        try {
            byte[] b = Files.readAllBytes(api.ct().roots().containerConfig(vmid));
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(b));
        } catch (IOException e) {
            throw new io.berth.config.NoSuchContainerException(vmid, api.ct().roots().containerConfig(vmid).toString());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new io.berth.error.HostFailureException("this JVM lacks SHA-1: " + e.getMessage(), e);
        }
    }

    private Object config(Call c) {
        Api.checkNode(c);
        int vmid = c.vmid();
        ConfigFile f = api.ct().config(vmid);
        ContainerConfig conf;
        if (c.opt("snapshot").isPresent()) {
            conf = f.snapshots().get(c.str("snapshot"));
            if (conf == null) throw new ApiException(500, "snapshot '" + c.str("snapshot") + "' does not exist");
        } else {
            // like Proxmox: pending values applied unless current=1
            conf = c.flag("current") || f.pending().isEmpty() ? f.main() : f.withPendingApplied();
        }
        Map<String, Object> out = configMap(conf, api.service().schema());
        out.put("digest", digest(vmid));
        return out;
    }

    static Map<String, Object> configMap(ContainerConfig conf, ApiSchema schema) {
        JsonNode returns = schema.route(BASE + "/config").orElseThrow().methods().get("GET").path("returns").path("properties");
        Map<String, Object> out = new LinkedHashMap<>();
        for (var e : conf.values().entrySet()) out.put(e.getKey(), typed(returns, e.getKey(), e.getValue()));
        conf.description().ifPresent(d -> out.put("description", d));
        if (!conf.lxcRaw().isEmpty()) {
            List<List<String>> raw = new ArrayList<>();
            for (RawLxc r : conf.lxcRaw()) raw.add(List.of(r.key(), r.value()));
            out.put("lxc", raw);
        }
        return out;
    }

    static Object typed(JsonNode props, String key, String value) {
        JsonNode def = ApiSchema.property(props, key);
        if (def == null) return value;
        try {
            return switch (def.path("type").asText()) {
                case "integer", "boolean" -> Long.parseLong(value);
                case "number" -> Double.parseDouble(value);
                default -> value;
            };
        } catch (NumberFormatException e) {
            return value;
        }
    }

    private Object setConfig(Call c) {
        Api.checkNode(c);
        int vmid = c.vmid();
        Map<String, String> set = new LinkedHashMap<>();
        for (var e : c.params().entrySet()) {
            if (!List.of("node", "vmid", "delete", "digest", "revert", "skiplock").contains(e.getKey())) set.put(e.getKey(), e.getValue());
        }
        List<String> delete = new ArrayList<>();
        c.opt("delete").ifPresent(d -> {
            for (String k : d.split("[,;\\s]+")) if (!k.isEmpty()) delete.add(k);
        });
        List<String> revert = new ArrayList<>();
        c.opt("revert").ifPresent(r -> {
            for (String k : r.split("[,;\\s]+")) if (!k.isEmpty()) revert.add(k);
        });
        for (String k : revert) {
            if (set.containsKey(k) || delete.contains(k)) throw ApiException.param("revert", "'" + k + "' is also set or deleted in this request");
        }
        checkConfigPrivileges(c, set.keySet(), delete);
        checkConfigPrivileges(c, Set.of(), revert);
        if (c.opt("digest").isPresent() && !c.str("digest").equalsIgnoreCase(digest(vmid))) {
            throw new io.berth.error.DigestMismatchException("config of " + vmid + " (file changed by other user? Try again.)", c.str("digest"), digest(vmid));
        }
        if (!revert.isEmpty()) revertPending(vmid, revert);
        if (!set.isEmpty() || !delete.isEmpty() || revert.isEmpty()) api.ct().set(vmid, set, delete, skiplock(c));
        return null;
    }

    /** {@code revert=}: drops pending values and pending deletions of these keys (the applied config stays). */
    private void revertPending(int vmid, List<String> keys) {
        new io.berth.config.ConfigStore(api.ct().roots()).update(vmid, f -> {
            if (f.pending().isEmpty()) return f;
            io.berth.config.ContainerConfig p = f.pending().get();
            for (String k : keys) p = k.equals("description") ? p.withDescription(java.util.Optional.empty()) : p.without(k);
            p = p.withDeletes(p.deletes().stream().filter(d -> !keys.contains(d)).toList());
            return f.withPending(p.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(p));
        });
    }

    /** Proxmox's per-key privileges for config changes. */
    private void checkConfigPrivileges(Call c, Set<String> set, List<String> delete) {
        Permissions p = api.service().permissions();
        String path = "/vms/" + c.vmid();
        List<String> keys = new ArrayList<>(set);
        keys.addAll(delete);
        for (String k : keys) {
            if (k.equals("hookscript")) requireRootForHookscript(c);
            String priv;
            if (MountPoint.isVolumeKey(k) || Schema.inFamily("unused", k)) priv = "VM.Config.Disk";
            else if (Schema.inFamily("net", k) || k.equals("nameserver") || k.equals("searchdomain") || k.equals("hostname")) priv = "VM.Config.Network";
            else if (k.equals("memory") || k.equals("swap")) priv = "VM.Config.Memory";
            else if (k.equals("cores") || k.equals("cpulimit") || k.equals("cpuunits")) priv = "VM.Config.CPU";
            else if (Schema.inFamily("dev", k) || k.equals("features") || k.equals("unprivileged") || k.startsWith("lxc")) priv = "Sys.Modify";
            else priv = "VM.Config.Options";
            String on = priv.equals("Sys.Modify") ? "/" : path;
            if (!p.has(c.who().authid(), on, priv)) throw new ApiException(403, "Permission check failed (" + on + ", " + priv + ")");
        }
    }

    private Object pending(Call c) {
        Api.checkNode(c);
        ConfigFile f = api.ct().config(c.vmid());
        JsonNode props = api.service().schema().route(BASE + "/config").orElseThrow().methods().get("GET").path("returns").path("properties");
        Map<String, Map<String, Object>> rows = new java.util.TreeMap<>();
        for (var e : f.main().values().entrySet()) {
            rows.computeIfAbsent(e.getKey(), k -> new LinkedHashMap<>(Map.of("key", k))).put("value", typed(props, e.getKey(), e.getValue()));
        }
        f.pending().ifPresent(p -> {
            for (var e : p.values().entrySet()) {
                rows.computeIfAbsent(e.getKey(), k -> new LinkedHashMap<>(Map.of("key", k))).put("pending", typed(props, e.getKey(), e.getValue()));
            }
            for (String d : p.deletes()) {
                String k = d.startsWith("!") ? d.substring(1) : d;
                rows.computeIfAbsent(k, x -> new LinkedHashMap<>(Map.of("key", x))).put("delete", d.startsWith("!") ? 2 : 1);
            }
        });
        return new ArrayList<>(rows.values());
    }

    /** As Proxmox (PVE::LXC check_ct_modify_config_perm): the hookscript runs as root on the host, so only root sets or deletes it. */
    private static void requireRootForHookscript(Call c) {
        if (!c.who().isRoot()) throw new ApiException(403, "changing the hookscript is only allowed for root@pam");
    }
}
