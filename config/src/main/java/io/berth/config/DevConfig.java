package io.berth.config;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/** {@code devN}: {@code [path=]/dev/PATH[,mode=0660][,uid=N][,gid=N][,deny-write=0|1]}: a host device passed through. */
public record DevConfig(String path, Optional<String> mode, OptionalLong uid, OptionalLong gid, boolean denyWrite) {
    private static final Set<String> OPTS = Set.of("path", "mode", "uid", "gid", "deny-write");

    public static DevConfig parse(String value) {
        Map<String, String> o = PropertyString.parse(value, "path", OPTS);
        String path = o.get("path");
        if (path == null) throw new ConfigValueException("missing device path; allowed: an absolute path under /dev/");
        if (!path.startsWith("/dev/") || path.contains("/../") || path.endsWith("/..") || path.contains("//") || path.endsWith("/")) {
            throw new ConfigValueException("device path '" + path + "' is invalid; allowed: a normalized absolute path under /dev/");
        }
        Optional<String> mode = Optional.ofNullable(o.get("mode"));
        mode.ifPresent(m -> {
            if (!m.matches("0?[0-7]{3}")) throw new ConfigValueException("option 'mode' value '" + m + "' is invalid; allowed: octal access mode such as 0660");
        });
        OptionalLong uid = o.containsKey("uid") ? OptionalLong.of(PropertyString.integer("uid", o.get("uid"), 0, 4294967294L)) : OptionalLong.empty();
        OptionalLong gid = o.containsKey("gid") ? OptionalLong.of(PropertyString.integer("gid", o.get("gid"), 0, 4294967294L)) : OptionalLong.empty();
        boolean deny = o.containsKey("deny-write") && PropertyString.bool("deny-write", o.get("deny-write"));
        return new DevConfig(path, mode, uid, gid, deny);
    }

    public String format() {
        Map<String, String> o = new LinkedHashMap<>();
        if (denyWrite) o.put("deny-write", "1");
        gid.ifPresent(v -> o.put("gid", Long.toString(v)));
        mode.ifPresent(v -> o.put("mode", v));
        uid.ifPresent(v -> o.put("uid", Long.toString(v)));
        StringBuilder sb = new StringBuilder(path);
        o.forEach((k, v) -> sb.append(',').append(k).append('=').append(v));
        return sb.toString();
    }
}
