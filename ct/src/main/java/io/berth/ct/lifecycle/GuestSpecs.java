package io.berth.ct.lifecycle;

import io.berth.config.ContainerConfig;
import io.berth.config.NetConfig;
import io.berth.guest.GuestNet;
import io.berth.guest.GuestSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/** Maps a container config onto what guest setup reads. */
public final class GuestSpecs {
    private static final Pattern NET_KEY = Pattern.compile("net\\d+");

    private GuestSpecs() {}

    public static GuestSpec of(int vmid, ContainerConfig c, int ownerUid, int ownerGid) {
        List<GuestNet> nets = new ArrayList<>();
        for (String k : c.keys()) {
            if (!NET_KEY.matcher(k).matches()) continue;
            NetConfig n = NetConfig.parse(c.get(k).orElseThrow());
            nets.add(GuestNet.of(n.name(), n.ip().orElse(null), n.gw().orElse(null), n.ip6().orElse(null), n.gw6().orElse(null)));
        }
        List<String> ns = c.nameserver().map(s -> Arrays.stream(s.split("[ ,;]+")).filter(x -> !x.isBlank()).toList())
                .orElse(List.of());
        return new GuestSpec(c.hostname().orElse("CT" + vmid), c.searchdomain(), ns, nets, c.timezone(), Optional.empty(),
                List.of(), c.ostype().orElse(""), ownerUid, ownerGid);
    }
}
