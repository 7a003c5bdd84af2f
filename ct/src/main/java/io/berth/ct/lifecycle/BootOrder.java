package io.berth.ct.lifecycle;

import io.berth.config.ContainerConfig;
import io.berth.config.Startup;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Proxmox's start order (pvenode startall/stopall): ascending {@code startup: order=N}, containers without an order
 * after all with one, then by id; stop goes in the reverse order. Pure.
 */
public final class BootOrder {
    private BootOrder() {}

    /** One container to start or stop, with its delays. */
    public record Entry(int vmid, boolean onboot, OptionalInt order, OptionalInt up, OptionalInt down) {}

    public static List<Entry> startOrder(Map<Integer, ContainerConfig> configs) {
        List<Entry> out = new ArrayList<>();
        configs.forEach((vmid, c) -> {
            Startup s;
            try {
                s = c.startup().orElse(new Startup(OptionalInt.empty(), OptionalInt.empty(), OptionalInt.empty()));
            } catch (RuntimeException e) {
                s = new Startup(OptionalInt.empty(), OptionalInt.empty(), OptionalInt.empty());
            }
            boolean onboot;
            try {
                onboot = c.onboot();
            } catch (RuntimeException e) {
                onboot = false;
            }
            out.add(new Entry(vmid, onboot, s.order(), s.up(), s.down()));
        });
        out.sort(Comparator.<Entry>comparingLong(e -> e.order().isPresent() ? e.order().getAsInt() : Long.MAX_VALUE)
                .thenComparingInt(Entry::vmid));
        return out;
    }

    public static List<Entry> stopOrder(Map<Integer, ContainerConfig> configs) {
        return startOrder(configs).reversed();
    }
}
