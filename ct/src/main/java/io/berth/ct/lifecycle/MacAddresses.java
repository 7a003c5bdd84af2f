package io.berth.ct.lifecycle;

import io.berth.config.ContainerConfig;
import java.security.SecureRandom;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A {@code netN} without {@code hwaddr=} gets one once, stored in the config, as Proxmox's {@code parse_lxc_network}
 * does: otherwise LXC picks a new MAC at every start and DHCP leases, neighbour caches and firewall rules break
 * (issue 10.12). Proxmox's default prefix BC:24:11, the rest random.
 */
public final class MacAddresses {
    static final String PREFIX = "BC:24:11";
    private static final Pattern HAS_HWADDR = Pattern.compile("(^|,)hwaddr=");

    private MacAddresses() {}

    /**
     * Only when a MAC is generated: every start passes through {@link #fill}, and a SecureRandom loads the JCA
     * providers (~70 classes and the Sun provider's service tables, ~0.5 MB that berthd would keep for its life).
     */
    private static final class Random {
        static final SecureRandom RANDOM = new SecureRandom();
    }

    public static String random() {
        byte[] b = new byte[3];
        Random.RANDOM.nextBytes(b);
        return PREFIX + String.format(Locale.ROOT, ":%02X:%02X:%02X", b[0] & 0xff, b[1] & 0xff, b[2] & 0xff);
    }

    /**
     * {@code value} of a {@code netN} key with {@code hwaddr=} added when it has none, in the order Proxmox prints a
     * property string: the required {@code name} first, then the options by name (so {@code ...,hwaddr=...,ip=...}).
     */
    public static String withHwaddr(String value) {
        if (HAS_HWADDR.matcher(value).find()) return value;
        java.util.List<String> parts = new java.util.ArrayList<>(value.isEmpty() ? java.util.List.of() : java.util.List.of(value.split(",", -1)));
        parts.add("hwaddr=" + random());
        java.util.Comparator<String> order = java.util.Comparator.comparing((String p) -> !p.startsWith("name="))
                .thenComparing(p -> p.indexOf('=') < 0 ? p : p.substring(0, p.indexOf('=')));
        parts.sort(order);
        return String.join(",", parts);
    }

    /** {@code value} of a {@code netN} key with a new random {@code hwaddr=} in place of the one it has (if any). */
    public static String withNewHwaddr(String value) {
        String without = value.replaceAll("(^|,)hwaddr=[^,]*", "").replaceFirst("^,", "");
        return withHwaddr(without);
    }

    /** Adds a MAC to every {@code netN} value in {@code values} (keys and values as given to create or set). */
    public static void fill(Map<String, String> values) {
        for (var e : values.entrySet()) if (io.berth.config.Schema.inFamily("net", e.getKey())) e.setValue(withHwaddr(e.getValue()));
    }

    /** The config with a MAC on every NIC that has none (the same config object when all have one). */
    public static ContainerConfig fill(ContainerConfig c) {
        for (String k : c.keys()) {
            if (!io.berth.config.Schema.inFamily("net", k)) continue;
            String v = c.get(k).orElseThrow();
            String w = withHwaddr(v);
            if (!w.equals(v)) c = c.with(k, w);
        }
        return c;
    }
}
