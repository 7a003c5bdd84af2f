package io.berth.storage;

/** Proxmox volume formats a container can use: a raw image (ext4 inside) or a subvol directory. */
public enum VolumeFormat {
    RAW("raw"), SUBVOL("subvol");

    private final String key;

    VolumeFormat(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }
}
