package io.berth.ct.backup;

import java.util.Map;
import java.util.Optional;

/**
 * {@code berth restore VMID ARCHIVE} / {@code berth create VMID ARCHIVE --restore 1}.
 *
 * @param archive   a path, {@code STORAGE:backup/NAME}, or {@code -} for standard input (the stream given to the restore)
 * @param storage   where the volumes are re-allocated (default {@code local})
 * @param rootfs    a rootfs to use instead of the archive's ({@code STORAGE:SIZE_GB} or a bare size); the archive's
 *                  mount points are then not re-created, and their files land in the rootfs (as pct does)
 * @param unprivileged overrides the archive's {@code unprivileged}
 * @param force     replace an existing (stopped, unprotected) container; its volumes are freed once the new ones hold
 *                  the restored data
 * @param ignoreUnpackErrors keep going when tar reports errors on some members
 * @param options   further config keys given on the command line (they win over the archive's)
 * @param unique    give every NIC of the archive's config a new random MAC ({@code pct restore --unique})
 */
public record RestoreRequest(int vmid, String archive, Optional<String> storage, Optional<String> rootfs,
                             Optional<Boolean> unprivileged, boolean force, boolean ignoreUnpackErrors,
                             Map<String, String> options, boolean unique) {
    public RestoreRequest {
        options = Map.copyOf(options);
    }

    public RestoreRequest(int vmid, String archive, Optional<String> storage, Optional<String> rootfs, Optional<Boolean> unprivileged,
                          boolean force, boolean ignoreUnpackErrors, Map<String, String> options) {
        this(vmid, archive, storage, rootfs, unprivileged, force, ignoreUnpackErrors, options, false);
    }

    public static RestoreRequest of(int vmid, String archive) {
        return new RestoreRequest(vmid, archive, Optional.empty(), Optional.empty(), Optional.empty(), false, false, Map.of());
    }

    /** True when the archive is read from the stream given to the restore ({@code berth restore VMID -}). */
    public boolean fromStdin() { return archive.equals("-"); }

    public RestoreRequest withUnique(boolean u) {
        return new RestoreRequest(vmid, archive, storage, rootfs, unprivileged, force, ignoreUnpackErrors, options, u);
    }
}
