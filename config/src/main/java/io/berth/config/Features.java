package io.berth.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code features}: {@code [force_rw_sys=0|1][,fuse=0|1][,keyctl=0|1][,mknod=0|1][,mount=fstype;fstype][,nesting=0|1]}. */
public record Features(boolean forceRwSys, boolean fuse, boolean keyctl, boolean mknod, List<String> mount, boolean nesting) {
    public static final Features NONE = new Features(false, false, false, false, List.of(), false);
    private static final Set<String> OPTS = Set.of("force_rw_sys", "fuse", "keyctl", "mknod", "mount", "nesting");

    public Features {
        mount = List.copyOf(mount);
    }

    public static Features parse(String value) {
        Map<String, String> o = PropertyString.parse(value, null, OPTS);
        List<String> mount = new ArrayList<>();
        if (o.containsKey("mount")) {
            for (String fs : o.get("mount").split(";", -1)) {
                if (!fs.matches("[a-zA-Z0-9_.\\-]{1,32}")) {
                    throw new ConfigValueException("option 'mount' value '" + fs + "' is invalid; allowed: filesystem type names separated by ';'");
                }
                mount.add(fs);
            }
        }
        return new Features(b(o, "force_rw_sys"), b(o, "fuse"), b(o, "keyctl"), b(o, "mknod"), mount, b(o, "nesting"));
    }

    private static boolean b(Map<String, String> o, String k) { return o.containsKey(k) && PropertyString.bool(k, o.get(k)); }

    /** Only the enabled features, alphabetically; empty string when none. */
    public String format() {
        Map<String, String> o = new LinkedHashMap<>();
        if (forceRwSys) o.put("force_rw_sys", "1");
        if (fuse) o.put("fuse", "1");
        if (keyctl) o.put("keyctl", "1");
        if (mknod) o.put("mknod", "1");
        if (!mount.isEmpty()) o.put("mount", String.join(";", mount));
        if (nesting) o.put("nesting", "1");
        StringBuilder sb = new StringBuilder();
        o.forEach((k, v) -> sb.append(sb.isEmpty() ? "" : ",").append(k).append('=').append(v));
        return sb.toString();
    }
}
