package io.berth.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.access.Authenticator;
import io.berth.access.Authenticator.Caller;
import io.berth.access.Permissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The transport-independent API: finds a path's route in the schema, authenticates (ticket + CSRF for writes, or API
 * token), validates parameters, checks the method's permissions as the schema states them, and runs the handler.
 * The HTTPS front end and {@code berth api} both go through {@link #dispatch}, so every caller gets the same checks.
 */
public final class ApiService {
    private final ApiSchema schema;
    private final Authenticator auth;
    private final Map<String, Handler> handlers = new HashMap<>();
    private final List<java.util.function.IntConsumer> writeHooks = new java.util.concurrent.CopyOnWriteArrayList<>();

    public ApiService(ApiSchema schema, Authenticator auth) {
        this.schema = schema;
        this.auth = auth;
    }

    public ApiSchema schema() { return schema; }

    public Authenticator auth() { return auth; }

    public Permissions permissions() { return auth.store().permissions(); }

    /** Registers the handler of {@code method} on {@code template}; the schema must define it. */
    public void on(String method, String template, Handler h) {
        ApiSchema.Route r = schema.route(template).orElseThrow(() -> new IllegalArgumentException("not in the schema: " + template));
        if (!r.methods().containsKey(method)) throw new IllegalArgumentException("schema has no " + method + " " + template);
        handlers.put(method + " " + template, h);
    }

    /** {@code hook} learns the vmid of every non-GET request on a container, once its handler has returned or failed. */
    public void onContainerWrite(java.util.function.IntConsumer hook) { writeHooks.add(hook); }

    public boolean implemented(String method, String template) { return handlers.containsKey(method + " " + template); }

    /** Handles a {@code multipart/form-data} request on its route; the body is read by the handler, after the checks. */
    @FunctionalInterface
    public interface UploadHandler {
        Object handle(Call c, Multipart body) throws Exception;
    }

    private final Map<String, UploadHandler> uploads = new HashMap<>();

    /** Registers the multipart handler of {@code POST template} (its schema parameters arrive as form fields). */
    public void onUpload(String template, UploadHandler h) {
        if (schema.route(template).isEmpty()) throw new IllegalArgumentException("not in the schema: " + template);
        uploads.put(template, h);
        handlers.put("POST " + template, c -> {
            throw new ApiException(400, "this method takes the file in a multipart/form-data body");
        });
    }

    /**
     * A {@code multipart/form-data} request: authentication (CSRF included) and the schema's permission check run on
     * the path and query parameters before a byte of the body is read, so an anonymous or unauthorized client cannot
     * fill a disk; the handler then reads the body and validates its fields against the schema.
     */
    public Object dispatchUpload(String method, String path, Map<String, String> query, Credentials cred, Multipart body) {
        try {
            ApiSchema.Match m = schema.match(path).orElseThrow(() -> ApiException.notImplemented(method, path));
            JsonNode def = m.route().methods().get(method);
            UploadHandler h = uploads.get(m.route().template());
            if (def == null || h == null || !method.equals("POST")) {
                throw new ApiException(501, "Method '" + method + " " + m.route().template() + "' does not take a multipart/form-data body");
            }
            JsonNode perms = def.path("permissions");
            boolean world = "world".equals(perms.path("user").asText());
            Optional<Caller> caller = authenticate(method, def, cred, world);
            Map<String, String> all = new LinkedHashMap<>(query);
            all.putAll(m.pathParams());
            if (caller.isPresent() && !world) checkPermissions(perms, caller.get(), all);
            return h.handle(new Call(method, m.route().template(), all, caller, cred.rhost()), body);
        } catch (Throwable t) {
            throw ApiErrors.map(t);
        }
    }

    /** Runs one request; throws {@link ApiException} (already mapped) on failure. */
    public Object dispatch(String method, String path, Map<String, String> params, Credentials cred) {
        try {
            return run(method, path, params, cred);
        } catch (Throwable t) {
            throw ApiErrors.map(t);
        }
    }

    private Object run(String method, String path, Map<String, String> params, Credentials cred) throws Exception {
        ApiSchema.Match m = schema.match(path).orElseThrow(() -> ApiException.notImplemented(method, path));
        JsonNode def = m.route().methods().get(method);
        Handler h = handlers.get(method + " " + m.route().template());
        if (def == null) throw ApiException.notImplemented(method, path);
        JsonNode perms = def.path("permissions");
        boolean world = "world".equals(perms.path("user").asText());
        Optional<Caller> caller = authenticate(method, def, cred, world);
        Map<String, String> all = new LinkedHashMap<>(params);
        all.putAll(m.pathParams());
        Map<String, String> valid = ApiSchema.validate(def, all);
        if (h == null) {
            throw new ApiException(501, "Method '" + method + " " + m.route().template() + "' is not implemented by Berth");
        }
        if (caller.isPresent() && !world) checkPermissions(perms, caller.get(), valid);
        if (method.equals("GET") || !valid.containsKey("vmid")) return h.handle(new Call(method, m.route().template(), valid, caller, cred.rhost()));
        try {
            return h.handle(new Call(method, m.route().template(), valid, caller, cred.rhost()));
        } finally {
            String v = valid.get("vmid");
            if (v.matches("\\d{1,9}")) for (var hook : writeHooks) hook.accept(Integer.parseInt(v));
        }
    }

    private Optional<Caller> authenticate(String method, JsonNode def, Credentials cred, boolean world) {
        if (cred.trustedRoot()) return Optional.of(new Caller(Permissions.ROOT, Optional.empty()));
        Optional<Caller> c = Optional.empty();
        if (cred.authorization().isPresent() && cred.authorization().get().startsWith("PVEAPIToken")) {
            c = auth.byToken(cred.authorization().get());
            if (c.isEmpty()) {
                if (world) return Optional.empty();
                throw new ApiException(401, "invalid token value!");
            }
            if (def.path("allowtoken").asInt(1) == 0) throw new ApiException(401, "API tokens are not allowed for this method");
            return c;
        }
        if (cred.ticket().isPresent()) {
            c = auth.byTicket(cred.ticket().get());
            if (c.isEmpty() && !world) throw new ApiException(401, "authentication failure");
            if (c.isPresent() && !method.equals("GET") && !world && !auth.csrfOk(c.get(), cred.csrf().orElse(null))) {
                throw new ApiException(401, "Permission denied - invalid csrf token");
            }
        }
        if (c.isEmpty() && !world) throw new ApiException(401, "No ticket");
        return c;
    }

    // ---- permission checks as the schema states them ----

    private void checkPermissions(JsonNode perms, Caller caller, Map<String, String> params) {
        if (caller.isRoot()) return;
        if (perms.isMissingNode() || perms.isNull() || perms.isEmpty()) throw ApiException.forbidden(); // root only
        if ("all".equals(perms.path("user").asText())) return;
        JsonNode check = perms.get("check");
        if (check == null) throw ApiException.forbidden();
        Permissions p = permissions();
        if (!eval(check, caller, params, p)) throw new ApiException(403, "Permission check failed (" + describeFailure(check, caller, params, p) + ")");
    }

    private boolean eval(JsonNode c, Caller caller, Map<String, String> params, Permissions p) {
        String op = c.get(0).asText();
        return switch (op) {
            case "and" -> {
                for (int i = 1; i < c.size(); i++) if (!eval(c.get(i), caller, params, p)) yield false;
                yield true;
            }
            case "or" -> {
                for (int i = 1; i < c.size(); i++) if (eval(c.get(i), caller, params, p)) yield true;
                yield false;
            }
            case "perm" -> {
                Optional<String> path = substitute(c.get(1).asText(), params);
                if (path.isEmpty()) yield false;
                List<String> privs = new ArrayList<>();
                c.get(2).forEach(x -> privs.add(x.asText()));
                boolean any = c.size() > 4 && c.get(3).asText().equals("any") && c.get(4).asInt() == 1;
                yield p.check(caller.authid(), path.get(), privs, any);
            }
            case "perm-modify" -> {
                Optional<String> path = substitute(c.get(1).asText(), params);
                yield path.isPresent() && p.has(caller.authid(), AccessEndpoints.normalizePath(path.get()), "Permissions.Modify");
            }
            case "userid-param" -> {
                String target = params.get("userid");
                if (target == null) yield false;
                if (c.get(1).asText().equals("self")) yield caller.tokenid().isEmpty() && target.equals(caller.userid());
                String realm = target.substring(target.lastIndexOf('@') + 1);
                yield p.has(caller.authid(), "/access/realm/" + realm, c.get(1).asText());
            }
            case "userid-group" -> {
                List<String> privs = new ArrayList<>();
                c.get(1).forEach(x -> privs.add(x.asText()));
                if (p.check(caller.authid(), "/access/groups", privs, true)) yield true;
                String target = params.get("userid");
                if (target == null) yield false;
                for (String g : auth.store().read().groupsOf(target)) {
                    if (p.check(caller.authid(), "/access/groups/" + g, privs, true)) yield true;
                }
                yield false;
            }
            default -> false;
        };
    }

    private static Optional<String> substitute(String path, Map<String, String> params) {
        StringBuilder sb = new StringBuilder();
        int i = 0;
        while (i < path.length()) {
            int o = path.indexOf('{', i);
            if (o < 0) {
                sb.append(path, i, path.length());
                break;
            }
            int e = path.indexOf('}', o);
            sb.append(path, i, o);
            String v = params.get(path.substring(o + 1, e));
            if (v == null) return Optional.empty();
            sb.append(v);
            i = e + 1;
        }
        return Optional.of(sb.toString());
    }

    /** What failed: the first failing part of an {@code and}, the alternatives of an {@code or}, a privilege check's path and privileges. */
    private String describeFailure(JsonNode c, Caller caller, Map<String, String> params, Permissions p) {
        String op = c.get(0).asText();
        if (op.equals("and")) {
            for (int i = 1; i < c.size(); i++) if (!eval(c.get(i), caller, params, p)) return describeFailure(c.get(i), caller, params, p);
        }
        if (op.equals("or")) {
            List<String> alts = new ArrayList<>();
            for (int i = 1; i < c.size(); i++) alts.add(describeFailure(c.get(i), caller, params, p));
            return String.join(" or ", alts);
        }
        return describe(c, params);
    }

    private static String describe(JsonNode c, Map<String, String> params) {
        if (c.get(0).asText().equals("perm")) {
            List<String> privs = new ArrayList<>();
            c.get(2).forEach(x -> privs.add(x.asText()));
            return substitute(c.get(1).asText(), params).orElse(c.get(1).asText()) + ", " + String.join(" | ", privs);
        }
        return c.get(0).asText();
    }
}
