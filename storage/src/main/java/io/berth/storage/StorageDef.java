package io.berth.storage;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** One section of {@code storage.cfg}, typed by its storage type. */
public sealed interface StorageDef {
    String id();

    /** The section type as written in storage.cfg ({@code dir}, {@code btrfs}, {@code lvmthin}). */
    String type();

    Set<ContentType> content();

    boolean disable();

    /** Nodes this storage is available on; empty means all nodes. */
    List<String> nodes();

    default boolean has(ContentType c) {
        return content().contains(c);
    }

    /**
     * {@code dir: ID}.
     *
     * @param mkdir         create the directory layout if missing (Proxmox default: yes)
     * @param isMountpoint  {@code is_mountpoint}: "1"/"yes" (path must be a mount point), or a path that must be
     */
    record Dir(String id, Path path, Set<ContentType> content, boolean shared, boolean disable, List<String> nodes,
               boolean mkdir, Optional<String> isMountpoint, Optional<String> pruneBackups) implements StorageDef {
        public Dir {
            content = Set.copyOf(content);
            nodes = List.copyOf(nodes);
        }

        @Override
        public String type() {
            return "dir";
        }
    }

    /** {@code btrfs: ID}; with {@code quotas 1} sized subvols get a qgroup limit. */
    record Btrfs(String id, Path path, Set<ContentType> content, boolean disable, List<String> nodes,
                 Optional<String> isMountpoint, boolean quotas, Optional<String> pruneBackups) implements StorageDef {
        public Btrfs {
            content = Set.copyOf(content);
            nodes = List.copyOf(nodes);
        }

        @Override
        public String type() {
            return "btrfs";
        }
    }

    /** {@code lvmthin: ID}: thin LVs in {@code vgname/thinpool}. */
    record LvmThin(String id, String vgname, String thinpool, Set<ContentType> content, boolean disable,
                   List<String> nodes) implements StorageDef {
        public LvmThin {
            content = Set.copyOf(content);
            nodes = List.copyOf(nodes);
        }

        @Override
        public String type() {
            return "lvmthin";
        }
    }
}
