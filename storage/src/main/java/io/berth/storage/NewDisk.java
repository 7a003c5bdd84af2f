package io.berth.storage;

import io.berth.error.InvalidInputException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The new-disk syntax {@code STORAGE:SIZE_GB} ({@code local:8}, {@code local:0.5}, {@code local:0} = subvol).
 * As Proxmox does, the size is rounded down to whole MiB: {@code int(gb * 1024)} MiB.
 */
public record NewDisk(String storage, long sizeBytes) {
    private static final Pattern SYNTAX = Pattern.compile("([^:\\s]+):(\\d+(?:\\.\\d+)?)");
    private static final long MIB = 1024L * 1024;
    /** Bounds the size to what a long holds in bytes. */
    private static final BigDecimal MAX_GB = BigDecimal.valueOf(Long.MAX_VALUE / (1024 * MIB));

    public NewDisk {
        VolumeId.checkStorageId(storage);
        if (sizeBytes < 0) throw new InvalidInputException("size", "invalid size " + sizeBytes + ": allowed 0 or more bytes");
    }

    /** True if {@code value} has the new-disk syntax (it may still name a bad storage id or size). */
    public static boolean looksLikeNewDisk(String value) {
        return SYNTAX.matcher(value).matches();
    }

    public static Optional<NewDisk> tryParse(String value) {
        try {
            return Optional.of(parse(value));
        } catch (InvalidInputException e) {
            return Optional.empty();
        }
    }

    public static NewDisk parse(String value) {
        Matcher m = SYNTAX.matcher(value);
        if (!m.matches())
            throw new InvalidInputException("volume", "invalid new disk '" + value
                    + "': allowed STORAGE:SIZE_GB, e.g. local:8, local:0.5, local:0 (subvol)");
        BigDecimal gb = new BigDecimal(m.group(2));
        if (gb.compareTo(MAX_GB) > 0)
            throw new InvalidInputException("size", "invalid new disk size '" + m.group(2) + "' in '" + value
                    + "': allowed at most " + MAX_GB + " GB");
        long mib = gb.multiply(BigDecimal.valueOf(1024)).setScale(0, RoundingMode.FLOOR).longValueExact();
        return new NewDisk(m.group(1), mib * MIB);
    }

    public boolean isSubvol() {
        return sizeBytes == 0;
    }
}
