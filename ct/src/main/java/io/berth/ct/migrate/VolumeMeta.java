package io.berth.ct.migrate;

/**
 * What the receiving node needs before the bytes of one volume: the stream format, whether the volume is a subvol
 * (a directory) or a sized image, its size (image size or quota limit, 0 = unlimited subvol), the owner of its root
 * and the expected number of bytes on the wire (for progress; an estimate).
 */
public record VolumeMeta(StreamFormat format, boolean subvol, long sizeBytes, int rootUid, int rootGid, long estimatedBytes) {
    public VolumeMeta {
        if (sizeBytes < 0) throw new IllegalArgumentException("size " + sizeBytes + " < 0");
        if (!subvol && sizeBytes == 0) throw new IllegalArgumentException("an image volume needs a size");
    }

    /** The size to allocate on the target: 0 for an unlimited subvol. */
    public long allocSize() { return sizeBytes; }
}
