package io.berth.storage;

import java.util.OptionalLong;

/** One volume found on a storage. {@code usedBytes} is present only where it is cheap to learn. */
public record VolumeInfo(VolumeId volid, int vmid, VolumeFormat format, long sizeBytes,
                         OptionalLong usedBytes, VolumePath path) {}
