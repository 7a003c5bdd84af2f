package io.berth.ct.backup;

import java.util.Map;
import java.util.Optional;

/**
 * {@code berth restore VMID ARCHIVE} / {@code berth create VMID ARCHIVE --restore 1}.
 *
 * @param archive   a path or {@code STORAGE:backup/NAME}
 * @param storage   where the volumes are re-allocated (default {@code local})
 * @param rootfs    a rootfs to use instead of the archive's ({@code STORAGE:SIZE_GB} or a bare size); the archive's
 *                  mount points are then not re-created, and their files land in the rootfs (as pct does)
 * @param unprivileged overrides the archive's {@code unprivileged}
 * @param force     replace an existing (stopped, unprotected) container; its volumes are freed once the new ones hold
 *                  the restored data
 * @param ignoreUnpackErrors keep going when tar reports errors on some members
 * @param options   further config keys given on the command line (they win over the archive's)
 */
public record RestoreRequest(int vmid, String archive, Optional<String> storage, Optional<String> rootfs,
                             Optional<Boolean> unprivileged, boolean force, boolean ignoreUnpackErrors,
                             Map<String, String> options) {
    public RestoreRequest {
        options = Map.copyOf(options);
    }

    public static RestoreRequest of(int vmid, String archive) {
        return new RestoreRequest(vmid, archive, Optional.empty(), Optional.empty(), Optional.empty(), false, false, Map.of());
    }
}
