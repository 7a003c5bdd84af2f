package io.berth.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Optional;
import java.util.SequencedMap;

/** A whole {@code <vmid>.conf}: the main section, the optional {@code [pve:pending]} section, and snapshots in file order. */
public record ConfigFile(ContainerConfig main, Optional<ContainerConfig> pending, SequencedMap<String, ContainerConfig> snapshots) {
    public ConfigFile {
        snapshots = Collections.unmodifiableSequencedMap(new LinkedHashMap<>(snapshots));
        pending = pending.filter(p -> !p.isEmpty());
    }

    public static ConfigFile of(ContainerConfig main) { return new ConfigFile(main, Optional.empty(), new LinkedHashMap<>()); }

    public ConfigFile withMain(ContainerConfig m) { return new ConfigFile(m, pending, snapshots); }

    public ConfigFile withPending(Optional<ContainerConfig> p) { return new ConfigFile(main, p, snapshots); }

    public ConfigFile withSnapshot(String name, ContainerConfig snap) {
        LinkedHashMap<String, ContainerConfig> s = new LinkedHashMap<>(snapshots);
        s.put(name, snap);
        return new ConfigFile(main, pending, s);
    }

    public ConfigFile withoutSnapshot(String name) {
        LinkedHashMap<String, ContainerConfig> s = new LinkedHashMap<>(snapshots);
        s.remove(name);
        return new ConfigFile(main, pending, s);
    }

    /**
     * The config as it will be once pending changes are applied: pending values override, pending deletes
     * remove; raw lxc entries and description are taken from pending when it has them.
     */
    public ContainerConfig withPendingApplied() {
        if (pending.isEmpty()) return main;
        ContainerConfig p = pending.get();
        LinkedHashMap<String, String> values = new LinkedHashMap<>(main.values());
        Optional<String> descr = main.description();
        var raw = main.lxcRawAsStored();
        for (String d : p.deletes()) {
            String k = d.startsWith("!") ? d.substring(1) : d;
            values.remove(k);
            if (k.equals("description")) descr = Optional.empty();
            if (k.startsWith("lxc.")) raw = raw.stream().filter(r -> !r.key().equals(k)).toList();
        }
        values.putAll(p.values());
        if (p.description().isPresent()) descr = p.description();
        if (!p.lxcRawAsStored().isEmpty()) raw = p.lxcRawAsStored();
        return ContainerConfig.lenient(values, raw, descr, java.util.List.of(), main.locator());
    }
}
