package io.berth.guest;

/** Where a distribution keeps its network configuration. */
enum NetworkFormat {
    IFUPDOWN,
    NETWORKD,
    NM_KEYFILE,
    REDHAT_IFCFG,
    SUSE_IFCFG,
    NETIFRC,
    NONE;

    /**
     * Chooses by distribution, version and, where a distribution ships either, by what is installed: an
     * openSUSE with wicked keeps ifcfg, a Fedora or openSUSE with NetworkManager gets keyfiles.
     */
    static NetworkFormat of(Detected d, RootFs fs) {
        boolean nm = fs.existsInRoot("/usr/sbin/NetworkManager") || fs.existsInRoot("/usr/bin/NetworkManager");
        return switch (d.distro()) {
            case DEBIAN, DEVUAN, ALPINE -> IFUPDOWN;
            case UBUNTU -> ubuntuAtLeast1710(d.version()) ? NETWORKD : IFUPDOWN;
            case CENTOS -> Detection.major(d.version()) >= 9 ? NM_KEYFILE : REDHAT_IFCFG;
            case FEDORA -> nm ? NM_KEYFILE : NETWORKD;
            case OPENSUSE -> fs.existsInRoot("/usr/sbin/wicked") || !nm ? SUSE_IFCFG : NM_KEYFILE;
            case ARCHLINUX -> NETWORKD;
            case GENTOO -> fs.existsInRoot("/etc/init.d/net.lo") || !systemd(fs) ? NETIFRC : NETWORKD;
            case NIXOS, UNMANAGED -> NONE;
        };
    }

    static boolean systemd(RootFs fs) {
        return fs.existsInRoot("/lib/systemd/systemd") || fs.existsInRoot("/usr/lib/systemd/systemd");
    }

    private static boolean ubuntuAtLeast1710(String v) {
        String[] p = v.split("\\.");
        int major = Integer.parseInt(p[0]);
        int minor = p.length > 1 ? Integer.parseInt(p[1]) : 0;
        return major > 17 || (major == 17 && minor >= 10);
    }
}
