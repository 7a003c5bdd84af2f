package io.berth.storage;

import java.util.OptionalLong;

/** One volume found on a storage. {@code usedBytes} is present only where it is cheap to learn. */
public record VolumeInfo(VolumeId volid, int vmid, VolumeFormat format, long sizeBytes,
                         OptionalLong usedBytes, VolumePath path) {
    /** The order every storage lists its volumes in: by VMID, then disk number. */
    public static final java.util.Comparator<VolumeInfo> BY_VMID_AND_DISK =
            java.util.Comparator.comparing((VolumeInfo v) -> v.volid().name().vmid()).thenComparing(v -> v.volid().name().disk());
}
