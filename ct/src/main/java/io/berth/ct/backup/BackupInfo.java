package io.berth.ct.backup;

import java.nio.file.Path;
import java.util.Optional;

/**
 * One backup archive on a storage ({@code volid} {@code STORAGE:backup/NAME}) or in a plain dump directory (no
 * volid), with its size, protection and notes.
 */
public record BackupInfo(Optional<String> volid, Path path, ArchiveName name, long size, boolean protectedFlag,
                         Optional<String> notes) {
    public String display() { return volid.orElse(path.toString()); }
}
