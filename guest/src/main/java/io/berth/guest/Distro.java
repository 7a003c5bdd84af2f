package io.berth.guest;

/** The distributions setup knows; {@link #ostype()} is the config's {@code ostype} value. */
public enum Distro {
    DEBIAN("debian"),
    DEVUAN("devuan"),
    UBUNTU("ubuntu"),
    ALPINE("alpine"),
    /** CentOS, CentOS Stream, Rocky, AlmaLinux, RHEL, Oracle Linux: one family, ostype {@code centos}. */
    CENTOS("centos"),
    FEDORA("fedora"),
    OPENSUSE("opensuse"),
    ARCHLINUX("archlinux"),
    GENTOO("gentoo"),
    NIXOS("nixos"),
    OPENEULER("openeuler"),
    UNMANAGED("unmanaged");

    private final String ostype;

    Distro(String ostype) {
        this.ostype = ostype;
    }

    public String ostype() {
        return ostype;
    }
}
