package io.berth.guest;

/** When setup runs; each phase touches a defined subset of the guest's files. */
public enum Phase {
    /** After template extraction: everything, including root password, SSH keys and SSH host keys. */
    CREATE,
    /** From the pre-start hook: hostname, hosts, network, DNS, timezone, unit masks. */
    PRE_START,
    /** A netN changed: the network configuration only. */
    NETWORK_CHANGE,
    /** The hostname changed: /etc/hostname and /etc/hosts. */
    HOSTNAME_CHANGE,
    /** nameserver/searchdomain changed: resolv.conf and /etc/hosts (the FQDN depends on the search domain). */
    DNS_CHANGE;

    boolean hostname() {
        return this != NETWORK_CHANGE && this != DNS_CHANGE;
    }

    boolean hosts() {
        return this != NETWORK_CHANGE;
    }

    boolean network() {
        return this == CREATE || this == PRE_START || this == NETWORK_CHANGE;
    }

    boolean dns() {
        return this == CREATE || this == PRE_START || this == DNS_CHANGE;
    }

    boolean systemWide() {
        return this == CREATE || this == PRE_START;
    }
}
