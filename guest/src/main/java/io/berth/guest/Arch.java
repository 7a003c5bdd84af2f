package io.berth.guest;

/** CPU architecture of the guest's binaries, named as Proxmox's {@code arch} key and LXC do. */
public enum Arch {
    AMD64("amd64"),
    I386("i386"),
    ARM64("arm64"),
    ARMHF("armhf"),
    RISCV64("riscv64"),
    PPC64EL("ppc64el"),
    S390X("s390x");

    private final String configName;

    Arch(String configName) {
        this.configName = configName;
    }

    /** The value of the config's {@code arch} key. */
    public String configName() {
        return configName;
    }
}
