package io.berth.guest;

import java.util.List;
import java.util.Optional;

/**
 * What the container config says about the guest, independent of the config classes (the ct layer maps onto it).
 *
 * @param hostname short name or FQDN ({@code hostname} key)
 * @param searchdomain {@code searchdomain}; also completes a short hostname into the FQDN in /etc/hosts
 * @param nameservers {@code nameserver}; empty means "use the host's resolv.conf"
 * @param nets {@code net0..net31} in index order
 * @param timezone {@code timezone}: a zone such as {@code Europe/Vienna}, or {@code host} to copy the host's;
 *     empty leaves the guest's timezone alone
 * @param rootPasswordHash a crypt(3) hash ({@code $6$...}, {@code $y$...}) written into /etc/shadow at create
 * @param sshKeys public keys for /root/.ssh/authorized_keys at create, one per entry
 * @param ostype the config's {@code ostype} or "" when unset; {@code unmanaged} turns setup off
 * @param rootUid host uid of the container's root (0 for privileged, e.g. 100000 for unprivileged); new files
 *     and directories are owned by it
 * @param rootGid host gid of the container's root
 */
public record GuestSpec(
        String hostname,
        Optional<String> searchdomain,
        List<String> nameservers,
        List<GuestNet> nets,
        Optional<String> timezone,
        Optional<String> rootPasswordHash,
        List<String> sshKeys,
        String ostype,
        int rootUid,
        int rootGid) {

    public GuestSpec {
        nameservers = List.copyOf(nameservers);
        nets = List.copyOf(nets);
        sshKeys = List.copyOf(sshKeys);
        if (!hostname.matches("[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*")
                || hostname.length() > 253) {
            throw new IllegalArgumentException("hostname: bad value '" + hostname
                    + "' (allowed: DNS labels of A-Z a-z 0-9 -, separated by dots)");
        }
        searchdomain.ifPresent(d -> {
            if (!d.matches("[A-Za-z0-9.\\- ]{1,253}")) {
                throw new IllegalArgumentException("searchdomain: bad value '" + d
                        + "' (allowed: space separated domain names)");
            }
        });
        for (String ns : nameservers) {
            if (!ns.matches("[0-9A-Fa-f.:]{2,45}")) {
                throw new IllegalArgumentException("nameserver: bad value '" + ns
                        + "' (allowed: IPv4 or IPv6 addresses)");
            }
        }
        timezone.ifPresent(tz -> {
            if (!tz.equals("host") && !Timezones.isValidName(tz)) {
                throw new IllegalArgumentException("timezone: bad value '" + tz
                        + "' (allowed: 'host' or a zone name such as Europe/Vienna)");
            }
        });
        rootPasswordHash.ifPresent(h -> {
            if (!h.startsWith("$") || h.contains(":") || h.contains("\n") || h.length() < 4) {
                throw new IllegalArgumentException("rootPasswordHash: bad value (allowed: a crypt(3) hash like"
                        + " $6$salt$hash or $y$..., without ':' or newlines)");
            }
        });
        for (String k : sshKeys) {
            if (k.contains("\n") || k.contains("\r") || k.isBlank()) {
                throw new IllegalArgumentException("ssh-public-keys: bad key '" + k
                        + "' (allowed: one non-empty key per entry, no newlines)");
            }
        }
        if (rootUid < 0 || rootGid < 0) {
            throw new IllegalArgumentException("root uid/gid: bad value " + rootUid + ":" + rootGid
                    + " (allowed: >= 0)");
        }
    }

    /** A privileged container with only a hostname: the smallest useful spec. */
    public static GuestSpec minimal(String hostname) {
        return new GuestSpec(hostname, Optional.empty(), List.of(), List.of(), Optional.empty(),
                Optional.empty(), List.of(), "", 0, 0);
    }

    /** The short name, the part before the first dot. */
    public String shortName() {
        int dot = hostname.indexOf('.');
        return dot < 0 ? hostname : hostname.substring(0, dot);
    }

    /** The FQDN: the hostname itself if it has a dot, else hostname + first search domain, if any. */
    public Optional<String> fqdn() {
        if (hostname.indexOf('.') >= 0) {
            return Optional.of(hostname);
        }
        return searchdomain.map(d -> d.strip().split("\\s+")[0]).filter(d -> !d.isEmpty())
                .map(d -> hostname + "." + d);
    }

    public GuestSpec withOwner(int uid, int gid) {
        return new GuestSpec(hostname, searchdomain, nameservers, nets, timezone, rootPasswordHash, sshKeys, ostype,
                uid, gid);
    }
}
