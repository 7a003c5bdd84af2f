package io.berth.guest;

/** When setup runs, and which of Proxmox's setup steps it does then. */
public enum Phase {
    /** After template extraction (Proxmox's post-create hook): clean-ups, template fix-ups, password, SSH keys, then all below. */
    CREATE,
    /** From the pre-start hook: /fastboot, ttys and getty units, network, hostname and hosts, DNS, time zone. */
    PRE_START,
    /** A netN changed on a running container: the network files only. */
    NETWORK_CHANGE,
    /** The hostname changed: /etc/hostname (or its distribution's equivalent) and /etc/hosts. */
    HOSTNAME_CHANGE,
    /** nameserver/searchdomain changed: resolv.conf. */
    DNS_CHANGE
}
