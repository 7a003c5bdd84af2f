package io.berth.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Proxmox's API schema (the contract: paths, methods, parameters, permissions), loaded from the bundled
 * {@code pve-api-schema.json}. It finds the route of a path, validates and normalizes parameters as Proxmox's
 * JSONSchema does (types, ranges, enums, patterns, unknown properties), and hands out each method's permission check.
 */
public final class ApiSchema {
    /** One path template with its variable names and its methods' definitions. */
    public record Route(String template, Pattern regex, List<String> vars, Map<String, JsonNode> methods) {}

    /** A matched path: its route and the values of its variables. */
    public record Match(Route route, Map<String, String> pathParams) {}

    private final List<Route> routes = new ArrayList<>();
    private final Map<String, Route> byTemplate = new HashMap<>();

    public static ApiSchema load() {
        try (InputStream in = ApiSchema.class.getResourceAsStream("pve-api-schema.json")) {
            return new ApiSchema(new ObjectMapper().readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the bundled API schema", e);
        }
    }

    private ApiSchema(JsonNode root) {
        for (JsonNode e : root) {
            String path = e.get("path").asText();
            List<String> vars = new ArrayList<>();
            StringBuilder rx = new StringBuilder();
            for (String part : path.split("/")) {
                if (part.isEmpty()) continue;
                rx.append('/');
                if (part.startsWith("{")) {
                    vars.add(part.substring(1, part.length() - 1));
                    rx.append("([^/]+)");
                } else {
                    rx.append(Pattern.quote(part));
                }
            }
            Map<String, JsonNode> methods = new LinkedHashMap<>();
            JsonNode info = e.get("info");
            if (info != null) info.properties().forEach(m -> methods.put(m.getKey(), m.getValue()));
            Route r = new Route(path, Pattern.compile(rx.toString()), vars, methods);
            routes.add(r);
            byTemplate.put(path, r);
        }
    }

    public Optional<Route> route(String template) { return Optional.ofNullable(byTemplate.get(template)); }

    public List<Route> routes() { return routes; }

    /** The route of a concrete path ({@code /nodes/pve1/lxc/100/status/current}); path values URL-decoded. */
    public Optional<Match> match(String path) {
        Optional<Match> m = matched.get(path);
        if (m != null) return m;
        m = scan(path);
        // bounded: paths carry ids, and a scanner sending random paths must not grow it without end
        if (matched.size() >= 4096) matched.clear();
        matched.put(path, m);
        return m;
    }

    /** Matches by path: a linear scan of the 180 route patterns costs more than the rest of a cheap request. */
    private final java.util.concurrent.ConcurrentHashMap<String, Optional<Match>> matched = new java.util.concurrent.ConcurrentHashMap<>();

    private Optional<Match> scan(String path) {
        String p = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        for (Route r : routes) {
            var m = r.regex().matcher(p);
            if (!m.matches()) continue;
            Map<String, String> vals = new LinkedHashMap<>();
            for (int i = 0; i < r.vars().size(); i++) {
                vals.put(r.vars().get(i), java.net.URLDecoder.decode(m.group(i + 1), java.nio.charset.StandardCharsets.UTF_8));
            }
            return Optional.of(new Match(r, java.util.Collections.unmodifiableMap(vals)));
        }
        return Optional.empty();
    }

    /**
     * Checks {@code params} against a method's parameter schema; returns them normalized (booleans as 0/1, numbers
     * as given). Throws a 400 naming each bad parameter.
     */
    public static Map<String, String> validate(JsonNode method, Map<String, String> params) {
        JsonNode ps = method.path("parameters");
        JsonNode props = ps.path("properties");
        boolean additional = ps.path("additionalProperties").asInt(0) != 0 || ps.path("additionalProperties").asBoolean(false);
        Map<String, String> errors = new LinkedHashMap<>();
        Map<String, String> out = new LinkedHashMap<>();
        for (var e : params.entrySet()) {
            String name = e.getKey();
            JsonNode def = property(props, name);
            if (def == null) {
                if (!additional) errors.put(name, "property is not defined in schema and the schema does not allow additional properties");
                else out.put(name, e.getValue());
                continue;
            }
            String v = e.getValue();
            String err = check(def, v);
            if (err != null) errors.put(name, err);
            else out.put(name, normalize(def, v));
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = props.properties().iterator(); it.hasNext(); ) {
            var p = it.next();
            if (p.getKey().contains("[n]")) continue;
            boolean optional = p.getValue().path("optional").asInt(0) == 1 || p.getValue().path("optional").asBoolean(false);
            if (!optional && !params.containsKey(p.getKey()) && !p.getValue().has("default")) {
                errors.put(p.getKey(), "property is missing and it is not optional");
            }
        }
        if (!errors.isEmpty()) throw ApiException.params(errors);
        return out;
    }

    /** The definition of {@code name}, also for indexed families ({@code mp0} matches {@code mp[n]}). */
    static JsonNode property(JsonNode props, String name) {
        JsonNode d = props.get(name);
        if (d != null) return d;
        int i = name.length();
        while (i > 0 && Character.isDigit(name.charAt(i - 1))) i--;
        if (i == name.length() || i == 0) return null;
        return props.get(name.substring(0, i) + "[n]");
    }

    private static final Pattern INT = Pattern.compile("[+-]?\\d+");
    private static final Pattern NUM = Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");

    private static String check(JsonNode def, String v) {
        String type = def.path("type").asText("string");
        switch (type) {
            case "boolean" -> {
                if (!v.matches("(?i)0|1|true|false|yes|no|on|off")) return "type check ('boolean') failed - got '" + v + "'";
            }
            case "integer" -> {
                if (!INT.matcher(v).matches()) return "type check ('integer') failed - got '" + v + "'";
                String r = range(def, Double.parseDouble(v));
                if (r != null) return r;
            }
            case "number" -> {
                if (!NUM.matcher(v).matches()) return "type check ('number') failed - got '" + v + "'";
                String r = range(def, Double.parseDouble(v));
                if (r != null) return r;
            }
            case "string" -> {
                if (def.has("maxLength") && v.length() > def.get("maxLength").asInt()) {
                    return "value may only be " + def.get("maxLength").asInt() + " characters long";
                }
                if (def.has("minLength") && v.length() < def.get("minLength").asInt()) {
                    return "value must be at least " + def.get("minLength").asInt() + " characters long";
                }
                if (def.has("enum")) {
                    boolean ok = false;
                    for (JsonNode en : def.get("enum")) ok |= en.asText().equals(v);
                    if (!ok) {
                        List<String> allowed = new ArrayList<>();
                        def.get("enum").forEach(x -> allowed.add(x.asText()));
                        return "value '" + v + "' does not have a value in the enumeration '" + String.join(", ", allowed) + "'";
                    }
                }
                if (def.has("pattern") && !pattern(def.get("pattern").asText()).matcher(v).matches()) {
                    return "value does not match the regex pattern";
                }
                String f = def.path("format").asText("");
                String fe = format(f, v);
                if (fe != null) return fe;
            }
            default -> { /* arrays/objects come as strings here; their handlers parse them */ }
        }
        return null;
    }

    private static final java.util.concurrent.ConcurrentHashMap<String, Pattern> PATTERNS = new java.util.concurrent.ConcurrentHashMap<>();

    /** Perl's {@code (?^:...)} / {@code (?^i:...)} groups as Java regex. */
    static Pattern pattern(String perl) {
        return PATTERNS.computeIfAbsent(perl, p -> Pattern.compile(p.replace("(?^:", "(?:").replace("(?^i:", "(?i:")));
    }

    private static String range(JsonNode def, double d) {
        if (def.has("minimum") && d < def.get("minimum").asDouble()) return "value must have a minimum value of " + def.get("minimum").asText();
        if (def.has("maximum") && d > def.get("maximum").asDouble()) return "value must have a maximum value of " + def.get("maximum").asText();
        return null;
    }

    private static final Pattern NODE = Pattern.compile("[a-zA-Z0-9]([a-zA-Z0-9\\-]*[a-zA-Z0-9])?");
    private static final Pattern DNS_NAME = Pattern.compile("[a-zA-Z0-9]([a-zA-Z0-9\\-]*[a-zA-Z0-9])?(\\.[a-zA-Z0-9]([a-zA-Z0-9\\-]*[a-zA-Z0-9])?)*");
    private static final Pattern CONFIGID = Pattern.compile("[a-z][a-z0-9_]{1,40}");
    private static final Pattern STORAGE_ID = Pattern.compile("[a-z][a-z0-9\\-_.]*[a-z0-9]", Pattern.CASE_INSENSITIVE);

    private static String format(String f, String v) {
        return switch (f) {
            case "pve-node" -> NODE.matcher(v).matches() ? null : "value does not look like a valid node name";
            case "dns-name" -> DNS_NAME.matcher(v).matches() ? null : "value does not look like a valid DNS name";
            case "pve-configid" -> CONFIGID.matcher(v).matches() ? null : "invalid configuration ID '" + v + "'";
            case "pve-storage-id" -> STORAGE_ID.matcher(v).matches() ? null : "storage ID '" + v + "' contains illegal characters";
            case "pve-userid" -> io.berth.access.AccessData.USERID.matcher(v).matches() ? null : "value '" + v + "' does not look like a valid user name";
            case "pve-vmid" -> null;
            default -> null;
        };
    }

    private static String normalize(JsonNode def, String v) {
        if ("boolean".equals(def.path("type").asText())) return v.matches("(?i)1|true|yes|on") ? "1" : "0";
        return v;
    }
}
