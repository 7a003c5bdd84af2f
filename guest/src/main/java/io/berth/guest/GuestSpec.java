package io.berth.guest;

import io.berth.config.ContainerConfig;
import java.util.Optional;

/**
 * What guest setup is asked to do for one container.
 *
 * @param conf the container config (hostname, nameserver, searchdomain, netN, tty, timezone, unprivileged, ostype)
 * @param rootPassword at create: root's password, plain or already a crypt(3) hash ({@code $6$...}); without one
 *     root's password is locked ({@code *}), as Proxmox does
 * @param sshKeys at create: public keys for root's authorized_keys, one per line
 * @param rootUid host uid of the container's root (0 privileged, e.g. 100000 unprivileged); owner of new files
 * @param rootGid host gid of the container's root
 */
public record GuestSpec(ContainerConfig conf, Optional<String> rootPassword, Optional<String> sshKeys, int rootUid, int rootGid) {
    public GuestSpec {
        if (rootUid < 0 || rootGid < 0) {
            throw new IllegalArgumentException("root uid/gid: bad value " + rootUid + ":" + rootGid + " (allowed: >= 0)");
        }
        sshKeys.ifPresent(k -> {
            if (k.contains("\r") || k.contains("\0")) {
                throw new io.berth.error.InvalidInputException("ssh-public-keys", "keys must not contain CR or NUL characters");
            }
        });
    }

    /** A privileged container's config, nothing else. */
    public static GuestSpec of(ContainerConfig conf) {
        return new GuestSpec(conf, Optional.empty(), Optional.empty(), 0, 0);
    }

    public GuestSpec withOwner(int uid, int gid) {
        return new GuestSpec(conf, rootPassword, sshKeys, uid, gid);
    }
}
