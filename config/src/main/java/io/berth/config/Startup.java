package io.berth.config;

import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/** {@code startup}: {@code [[order=]N][,up=SECONDS][,down=SECONDS]}: boot order and delays. */
public record Startup(OptionalInt order, OptionalInt up, OptionalInt down) {
    private static final Set<String> OPTS = Set.of("order", "up", "down");

    public static Startup parse(String value) {
        Map<String, String> o = PropertyString.parse(value, "order", OPTS);
        return new Startup(i(o, "order"), i(o, "up"), i(o, "down"));
    }

    private static OptionalInt i(Map<String, String> o, String k) {
        return o.containsKey(k) ? OptionalInt.of((int) PropertyString.integer(k, o.get(k), 0, Integer.MAX_VALUE)) : OptionalInt.empty();
    }

    public String format() {
        StringBuilder sb = new StringBuilder();
        order.ifPresent(v -> sb.append("order=").append(v));
        up.ifPresent(v -> sb.append(sb.isEmpty() ? "" : ",").append("up=").append(v));
        down.ifPresent(v -> sb.append(sb.isEmpty() ? "" : ",").append("down=").append(v));
        return sb.toString();
    }
}
