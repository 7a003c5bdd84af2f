package io.berth.guest;

import java.util.Optional;

/**
 * What the rootfs is.
 *
 * @param distro the family (rocky is {@link Distro#CENTOS})
 * @param id the os-release {@code ID} or the file it was recognised from, e.g. {@code rocky}
 * @param version the version as setup compares it, e.g. {@code 12}, {@code 22.04}, {@code 3.19}, {@code rolling}
 * @param arch from the ELF header of /bin/sh, /sbin/init or busybox; empty if none could be read
 */
public record Detected(Distro distro, String id, String version, Optional<Arch> arch) {
    /** The config's {@code ostype} value. */
    public String ostype() {
        return distro.ostype();
    }
}
