package io.berth.ct.backup;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** One finished backup: the archive (and its volid on a storage), size, SHA-256, timing, and what retention removed. */
public record BackupResult(int vmid, Path archive, Optional<String> volid, long size, long tarBytes, String sha256,
                           double seconds, List<String> pruned) {}
