package io.berth.lxc.render;

import io.berth.config.ContainerConfig;
import io.berth.config.DevConfig;
import io.berth.config.Features;
import io.berth.config.NetConfig;
import io.berth.config.RawLxc;

import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.SortedMap;

/** The parts of a container config the renderer reads, with the schema defaults applied. */
record Settings(String arch, String ostype, Optional<String> hostname, boolean unprivileged, long memoryMiB,
                long swapMiB, OptionalInt cores, OptionalDouble cpulimit, OptionalInt cpuunits, int tty, boolean console,
                Features features, SortedMap<Integer, NetConfig> nets, SortedMap<Integer, DevConfig> devs,
                Optional<String> entrypoint, List<RawLxc> raw) {
    Settings {
        nets = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(nets));
        devs = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(devs));
        raw = List.copyOf(raw);
    }

    /** Reads a container config; defaults as the schema declares them (memory 512, swap 512, tty 2, console on). */
    static Settings of(ContainerConfig c) {
        return new Settings(c.arch(), c.ostype().orElse("unmanaged"), c.hostname(), c.unprivileged(), c.memory().orElse(512),
                c.swap().orElse(512), c.cores(), c.cpulimit(), c.cpuunits(), c.tty(), c.console(), c.features(), c.nets(),
                c.devices(), c.entrypoint(), withEnv(c));
    }

    /** The {@code env} key's entries go to LXC as {@code lxc.environment.runtime}, before the raw keys (as Proxmox orders them). */
    private static List<RawLxc> withEnv(ContainerConfig c) {
        List<RawLxc> out = new java.util.ArrayList<>();
        for (String v : c.env()) out.add(new RawLxc("lxc.environment.runtime", v));
        out.addAll(c.lxcRaw());
        return out;
    }

    boolean hasRaw(String key) {
        for (RawLxc r : raw) if (r.key().equals(key)) return true;
        return false;
    }

    boolean hasRawPrefix(String prefix) {
        for (RawLxc r : raw) if (r.key().startsWith(prefix)) return true;
        return false;
    }
}
