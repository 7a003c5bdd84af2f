package io.berth.ct.hotplug;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What network hotplug needs of one {@code netN} entry (veth type only).
 *
 * @param name     interface name inside the container
 * @param bridge   host bridge to plug the host end into
 * @param hwaddr   MAC of the container end
 * @param mtu      MTU; empty for the bridge's
 * @param tag      VLAN tag (needs a VLAN-aware bridge)
 * @param rateMBs  rate limit in MB/s; empty for none
 * @param linkDown keep the host end down (disconnected)
 * @param ip       {@code CIDR}, {@code dhcp}, {@code manual} or empty
 * @param ip6      {@code CIDR}, {@code dhcp}, {@code auto}, {@code manual} or empty
 */
public record Nic(String name, Optional<String> bridge, Optional<String> hwaddr, OptionalInt mtu, OptionalInt tag,
                  Optional<Double> rateMBs, boolean linkDown, Optional<String> ip, Optional<String> gw,
                  Optional<String> ip6, Optional<String> gw6) {
    public Nic {
        Objects.requireNonNull(name, "name");
    }

    /** From a parsed {@code netN} value. */
    public static Nic of(io.berth.config.NetConfig n) {
        return new Nic(n.name(), n.bridge(), n.hwaddr(), n.mtu(), n.tag(),
                n.rate().isPresent() ? Optional.of(n.rate().getAsDouble()) : Optional.empty(), n.linkDown(),
                n.ip(), n.gw(), n.ip6(), n.gw6());
    }

    /** Changes that need the veth pair to be recreated (the container end is created with them). */
    boolean needsRecreate(Nic n) {
        return !name.equals(n.name) || !hwaddr.equals(n.hwaddr);
    }

    /** Changes that need the host end unplugged from its bridge and plugged again. */
    boolean needsReplug(Nic n) {
        return !bridge.equals(n.bridge) || !tag.equals(n.tag) || linkDown != n.linkDown;
    }

    /** A CIDR address the container should carry (not dhcp/auto/manual). */
    static Optional<String> realIp(Optional<String> ip) {
        return ip.filter(s -> s.contains("/"));
    }
}
