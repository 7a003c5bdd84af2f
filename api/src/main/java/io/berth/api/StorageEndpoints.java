package io.berth.api;

import io.berth.api.rrd.RrdSampler;
import io.berth.ct.storage.StorageOverview;
import io.berth.storage.ContentType;
import io.berth.storage.Storage;
import io.berth.storage.VolumeInfo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;

/**
 * Storage views and graphs data the web UI shows: {@code /nodes/{node}/storage} (list, status, content, removing
 * templates and backups) and {@code /nodes/{node}/lxc/{vmid}/rrddata} from {@link RrdSampler}. Permission checks are
 * the schema's, done by {@link ApiService} before a handler runs; a method another class registered first is kept.
 */
final class StorageEndpoints {
    private static final String CT = "/nodes/{node}/lxc/{vmid}";
    private static final String ST = "/nodes/{node}/storage/{storage}";

    private final Api api;
    private final RrdSampler rrd;

    StorageEndpoints(Api api, RrdSampler rrd) {
        this.api = api;
        this.rrd = rrd;
    }

    void register() {
        ApiService s = api.service();
        on(s, "GET", "/nodes/{node}/storage", this::storages);
        on(s, "GET", ST, c -> List.of(Map.of("subdir", "status"), Map.of("subdir", "content"), Map.of("subdir", "rrddata")));
        on(s, "GET", ST + "/status", c -> storageEntry(c, overview(c).stream().filter(e -> e.id().equals(c.str("storage"))).findFirst()
                .orElseThrow(() -> new ApiException(500, "storage '" + c.str("storage") + "' does not exist"))));
        on(s, "GET", ST + "/content", this::content);
        on(s, "DELETE", ST + "/content/{volume}", this::deleteContent);
        on(s, "POST", "/nodes/{node}/vzdump", this::vzdump);
        on(s, "GET", CT + "/rrddata", c -> {
            node(c);
            api.ct().config(c.vmid());
            return rrd.rrddata(c.vmid(), c.str("timeframe"), c.opt("cf").orElse("AVERAGE"));
        });
    }

    /** vzdump for the given containers to a backup storage, as one task whose log is the backup's. */
    private Object vzdump(Call c) {
        node(c);
        var p = api.service().permissions();
        String who = c.who().authid();
        List<Integer> vmids = new ArrayList<>();
        for (String v : c.opt("vmid").orElseThrow(() -> ApiException.param("vmid", "give the containers to back up")).split("[,;\\s]+")) {
            if (v.isEmpty()) continue;
            if (!v.matches("\\d+")) throw ApiException.param("vmid", "value '" + v + "' is not a VMID");
            int id = Integer.parseInt(v);
            api.ct().config(id);
            if (!p.has(who, "/vms/" + id, "VM.Backup")) throw new ApiException(403, "Permission check failed (/vms/" + id + ", VM.Backup)");
            vmids.add(id);
        }
        var req = io.berth.ct.backup.BackupRequest.of(vmids);
        if (c.opt("storage").isPresent()) {
            String st = c.str("storage");
            if (!p.has(who, "/storage/" + st, "Datastore.AllocateSpace")) throw new ApiException(403, "Permission check failed (/storage/" + st + ", Datastore.AllocateSpace)");
            req = req.withStorage(st);
        }
        if (c.opt("mode").isPresent()) req = req.withMode(io.berth.ct.backup.BackupMode.parse(c.str("mode")));
        if (c.opt("compress").isPresent()) req = req.withCompress(io.berth.ct.backup.Compression.parse(c.str("compress")));
        if (c.opt("notes-template").isPresent()) req = req.withNotes(c.str("notes-template"));
        if (c.flag("protected")) req = req.withProtect(true);
        var request = req;
        return api.tasks().start("vzdump", vmids.size() == 1 ? vmids.getFirst().toString() : "", who, log -> {
            // the service logs into this task (the same task store): nothing more to echo; it throws when any
            // container failed (after backing up the others), which fails the task
            new io.berth.ct.backup.BackupService(api.ct()).backup(request, line -> {});
        });
    }

    private static void on(ApiService s, String method, String template, Handler h) {
        if (!s.implemented(method, template)) s.on(method, template, h);
    }

    private static void node(Call c) {
        String node = c.str("node");
        if (!node.equals(Node.name()) && !node.equals("localhost")) throw new ApiException(500, "no such cluster node '" + node + "'");
    }

    private String task(Call c, String type, Runnable op) {
        node(c);
        api.ct().config(c.vmid());
        return api.tasks().start(type, Integer.toString(c.vmid()), c.who().authid(), log -> op.run());
    }

    private List<StorageOverview.Entry> overview(Call c) {
        node(c);
        return new StorageOverview(api.storageContext()).list(true);
    }

    private Object storages(Call c) {
        var p = api.service().permissions();
        String who = c.who().authid();
        Optional<ContentType> want = c.opt("content").map(k -> ContentType.of(k).orElseThrow(() -> ApiException.param("content", "value '" + k + "' is not one of " + ContentType.allowed())));
        List<Map<String, Object>> out = new ArrayList<>();
        for (StorageOverview.Entry e : overview(c)) {
            if (want.isPresent() && !e.content().contains(want.get())) continue;
            if (c.flag("enabled") && !e.enabled()) continue;
            if (c.opt("storage").isPresent() && !c.str("storage").equals(e.id())) continue;
            if (!p.check(who, "/storage/" + e.id(), List.of("Datastore.Audit", "Datastore.AllocateSpace"), true)) continue;
            out.add(storageEntry(c, e));
        }
        return out;
    }

    private static Map<String, Object> storageEntry(Call c, StorageOverview.Entry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("storage", e.id());
        m.put("type", e.type());
        m.put("content", String.join(",", e.content().stream().map(ContentType::key).sorted().toList()));
        m.put("enabled", e.enabled() ? 1 : 0);
        m.put("active", e.active() ? 1 : 0);
        m.put("shared", e.shared() ? 1 : 0);
        e.usage().ifPresent(u -> {
            m.put("total", u.total());
            m.put("used", u.used());
            m.put("avail", u.avail());
            m.put("used_fraction", u.total() == 0 ? 0.0 : (double) u.used() / u.total());
        });
        return m;
    }

    private Object content(Call c) {
        node(c);
        Storage st = api.ct().storages().get(c.str("storage"));
        Optional<String> want = c.opt("content");
        OptionalInt vmid = c.opt("vmid").map(v -> OptionalInt.of(Integer.parseInt(v))).orElse(OptionalInt.empty());
        List<Map<String, Object>> out = new ArrayList<>();
        if (want.isEmpty() || want.get().equals("vztmpl")) {
            Optional<Path> dir = st.def().has(ContentType.VZTMPL) ? st.templateDir() : Optional.empty();
            if (dir.isPresent() && vmid.isEmpty()) out.addAll(files(dir.get(), c.str("storage"), "vztmpl", n -> n.matches(".*\\.(tar|tar\\.(gz|xz|zst|bz2)|tgz)$")));
        }
        if (want.isEmpty() || want.get().equals("backup")) {
            Optional<Path> dump = st.templateDir().map(t -> t.getParent().getParent().resolve("dump"));
            if (st.def().has(ContentType.BACKUP) && dump.isPresent()) {
                for (Map<String, Object> m : files(dump.get(), c.str("storage"), "backup", n -> n.startsWith("vzdump-lxc-") && !n.endsWith(".log") && !n.endsWith(".notes"))) {
                    String name = (String) m.get("volid");
                    String[] parts = name.substring(name.indexOf("vzdump-lxc-") + 11).split("-");
                    int owner = parts.length > 0 && parts[0].matches("\\d+") ? Integer.parseInt(parts[0]) : 0;
                    if (vmid.isPresent() && owner != vmid.getAsInt()) continue;
                    m.put("vmid", owner);
                    m.put("subtype", "lxc");
                    out.add(m);
                }
            }
        }
        if (want.isEmpty() || want.get().equals("rootdir") || want.get().equals("images")) {
            if (st.def().has(ContentType.ROOTDIR) || st.def().has(ContentType.IMAGES)) {
                for (VolumeInfo v : st.list(vmid)) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("volid", v.volid().toString());
                    m.put("content", "rootdir");
                    m.put("format", v.format().key());
                    m.put("size", v.sizeBytes());
                    m.put("vmid", v.vmid());
                    v.usedBytes().ifPresent(u -> m.put("used", u));
                    out.add(m);
                }
            }
        }
        out.sort(Comparator.comparing(m -> (String) m.get("volid")));
        return out;
    }

    private static List<Map<String, Object>> files(Path dir, String storage, String content, java.util.function.Predicate<String> ok) {
        List<Map<String, Object>> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) return out;
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.sorted().toList()) {
                String n = p.getFileName().toString();
                if (!Files.isRegularFile(p) || !ok.test(n)) continue;
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("volid", storage + ":" + content + "/" + n);
                m.put("content", content);
                m.put("format", n.replaceFirst("^.*?\\.(tar(\\.[a-z0-9]+)?|tgz)$", "$1").replace("tar.", "t").replace("tgz", "tgz"));
                m.put("size", Files.size(p));
                m.put("ctime", Files.getLastModifiedTime(p).toMillis() / 1000);
                out.add(m);
            }
        } catch (IOException e) {
            throw new ApiException(500, "cannot list " + dir + ": " + e.getMessage());
        }
        return out;
    }

    private Object deleteContent(Call c) {
        node(c);
        String volume = c.str("volume");
        String storage = c.str("storage");
        String rel = volume.startsWith(storage + ":") ? volume.substring(storage.length() + 1) : volume;
        Storage st = api.ct().storages().get(storage);
        Path base = st.templateDir().map(t -> t.getParent().getParent())
                .orElseThrow(() -> new ApiException(501, "deleting '" + volume + "' on storage '" + storage + "' is not supported"));
        Path file;
        if (rel.startsWith("vztmpl/")) file = base.resolve("template/cache").resolve(rel.substring(7));
        else if (rel.startsWith("backup/")) file = base.resolve("dump").resolve(rel.substring(7));
        else throw new ApiException(501, "only templates and backups can be deleted here; remove a container's volume from its config");
        String name = file.getFileName().toString();
        if (name.contains("/") || name.startsWith(".") || !file.normalize().startsWith(base)) throw ApiException.param("volume", "invalid volume name '" + volume + "'");
        try {
            if (!Files.deleteIfExists(file)) throw new ApiException(500, "volume '" + volume + "' does not exist");
            Files.deleteIfExists(file.resolveSibling(name + ".notes"));
        } catch (IOException e) {
            throw new ApiException(500, "cannot delete " + volume + ": " + e.getMessage());
        }
        return null;
    }
}
