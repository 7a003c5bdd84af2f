package io.berth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.berth.api.Api;
import io.berth.api.ApiException;
import io.berth.api.Credentials;
import io.berth.api.Node;
import io.berth.access.Tickets;
import io.berth.cli.migrate.ClusterForward;
import io.berth.config.BerthRoots;
import java.util.Optional;
import io.berth.api.task.TaskManager;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Model.CommandSpec;

/**
 * How the access and {@code api} commands reach the API: in process, as root on the host (as pvesh and pveum do),
 * through the same dispatcher, parameter checks and handlers as HTTPS requests. A task the call starts is waited for
 * (it runs in this process) and its log printed.
 */
final class ApiCli {
    private ApiCli() {}

    static Api api(CommandSpec spec) {
        return new Api(CtCli.service(spec), line -> System.getLogger("berth.auth").log(System.Logger.Level.WARNING, line));
    }

    /** Runs one call and prints its result as {@code format} (text, json, json-pretty); returns the exit code. */
    static int run(CommandSpec spec, String method, String path, Map<String, String> params, String format) {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        try {
            Api api = api(spec);
            BerthRoots roots = CtCli.roots(spec);
            Optional<String> clusterNode = ClusterForward.nodeName(roots);
            if (clusterNode.isPresent()) {
                Node.use(clusterNode.get()); // in a cluster the node is named as in the cluster, as berthd names it
                Optional<ClusterForward.Route> route = ClusterForward.route(roots, path);
                if (route.isPresent()) return forwarded(api, roots, route.get(), method, params, format, out, err);
            }
            Object data = api.service().dispatch(method, path, params, Credentials.root());
            if (data instanceof String s && s.startsWith("UPID:")) return awaitTask(api, s, out, err);
            print(data, format, out);
            return 0;
        } catch (ApiException e) {
            err.println("error: " + e.getMessage());
            e.errors().forEach((k, v) -> err.println("error: " + k + ": " + v));
            return switch (e.status()) {
                case 400 -> CliErrors.EXIT_INVALID;
                case 404 -> CliErrors.EXIT_NOT_FOUND;
                case 401, 403 -> 10;
                case 501 -> 9;
                default -> CliErrors.EXIT_FAILED;
            };
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** A call answered by another node (or, for cluster-wide views, this node's berthd); its task awaited there. */
    private static int forwarded(Api api, BerthRoots roots, ClusterForward.Route route, String method, Map<String, String> params,
                                 String format, PrintWriter out, PrintWriter err) {
        Tickets t = api.service().auth().tickets();
        JsonNode data;
        try {
            data = ClusterForward.call(roots, t, route, method, params);
        } catch (ClusterForward.Refused e) {
            throw new ApiException(e.status(), e.getMessage());
        } catch (io.berth.error.BerthException e) {
            throw new ApiException(io.berth.error.HttpStatus.of(e), e.getMessage());
        }
        if (data.isTextual() && data.asText().startsWith("UPID:")) {
            String upid = data.asText();
            String node = io.berth.ct.task.Upid.parse(upid).node();
            String base = "/nodes/" + node + "/tasks/" + java.net.URLEncoder.encode(upid, java.nio.charset.StandardCharsets.UTF_8);
            ClusterForward.Route st = new ClusterForward.Route(node, base + "/status");
            JsonNode s;
            long until = System.nanoTime() + Duration.ofHours(6).toNanos();
            while (!(s = ClusterForward.call(roots, t, st, "GET", Map.of())).path("status").asText().equals("stopped")) {
                if (System.nanoTime() > until) throw new ApiException(500, "task " + upid + " still running after 6 hours");
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    err.println("error: interrupted waiting for " + upid);
                    return CliErrors.EXIT_FAILED;
                }
            }
            for (JsonNode l : ClusterForward.call(roots, t, new ClusterForward.Route(node, base + "/log"), "GET", Map.of("limit", "1000000")))
                out.println(l.path("t").asText());
            out.println(upid);
            return s.path("exitstatus").asText().equals("OK") ? 0 : CliErrors.EXIT_FAILED;
        }
        print(data, format, out);
        return 0;
    }

    private static int awaitTask(Api api, String upid, PrintWriter out, PrintWriter err) {
        try {
            TaskManager.Info i = api.tasks().await(upid, Duration.ofHours(6));
            for (String line : api.tasks().logLines(upid)) out.println(line);
            out.println(upid);
            return i.exitstatus().orElse("").equals("OK") ? 0 : CliErrors.EXIT_FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("error: interrupted waiting for " + upid);
            return CliErrors.EXIT_FAILED;
        }
    }

    static void print(Object data, String format, PrintWriter out) {
        try {
            switch (format) {
                case "json" -> out.println(io.berth.api.Json.MAPPER.writeValueAsString(data));
                case "json-pretty" -> out.println(io.berth.api.Json.MAPPER.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(data));
                case "text" -> text(io.berth.api.Json.MAPPER.valueToTree(data), out);
                default -> throw new IllegalArgumentException("--output-format '" + format + "': allowed: text, json, json-pretty");
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Lists of objects as aligned columns, objects as key/value lines, scalars as they are. */
    private static void text(JsonNode n, PrintWriter out) {
        if (n == null || n.isNull() || n.isMissingNode()) return;
        if (n.isArray() && n.size() > 0 && n.get(0).isObject()) {
            Set<String> cols = new LinkedHashSet<>();
            n.forEach(o -> o.fieldNames().forEachRemaining(cols::add));
            List<String> names = new ArrayList<>(cols);
            List<List<String>> rows = new ArrayList<>();
            rows.add(names);
            n.forEach(o -> {
                List<String> r = new ArrayList<>();
                for (String c : names) r.add(cell(o.get(c)));
                rows.add(r);
            });
            int[] w = new int[names.size()];
            for (List<String> r : rows) for (int i = 0; i < w.length; i++) w[i] = Math.max(w[i], r.get(i).length());
            for (List<String> r : rows) {
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < w.length; i++) sb.append(String.format("%-" + (w[i] + 2) + "s", r.get(i)));
                out.println(sb.toString().stripTrailing());
            }
        } else if (n.isArray()) {
            n.forEach(x -> out.println(cell(x)));
        } else if (n.isObject()) {
            Map<String, String> kv = new LinkedHashMap<>();
            n.properties().forEach(e -> kv.put(e.getKey(), cell(e.getValue())));
            int w = kv.keySet().stream().mapToInt(String::length).max().orElse(0);
            kv.forEach((k, v) -> out.println(String.format("%-" + (w + 1) + "s %s", k + ":", v)));
        } else {
            out.println(n.asText());
        }
    }

    private static String cell(JsonNode v) {
        if (v == null || v.isNull()) return "";
        if (v.isValueNode()) return v.asText();
        return v.toString();
    }

    /** {@code --key value} / {@code --key=value} pairs into API parameters; lists may repeat a key (joined by ','). */
    static Map<String, String> params(List<String> args) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (!a.startsWith("--") || a.length() < 3) throw new IllegalArgumentException("unexpected argument '" + a + "': allowed are --KEY VALUE parameters");
            int eq = a.indexOf('=');
            String key, value;
            if (eq > 0) {
                key = a.substring(2, eq);
                value = a.substring(eq + 1);
            } else {
                key = a.substring(2);
                value = i + 1 < args.size() && !args.get(i + 1).startsWith("--") ? args.get(++i) : "1";
            }
            out.merge(key, value, (x, y) -> x + "," + y);
        }
        return out;
    }
}
