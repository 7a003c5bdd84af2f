package io.berth.storage;

import io.berth.error.NotFoundException;
import io.berth.error.InvalidInputException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.IntFunction;

/**
 * The {@code <path>/images/<vmid>/} layout shared by dir and btrfs storages: raw image files
 * {@code vm-<vmid>-disk-<n>.raw} and subvol directories {@code subvol-<vmid>-disk-<n>}.
 */
final class ImageDirectory {
    private static final java.util.regex.Pattern RAW_SUBVOL = java.util.regex.Pattern.compile("(?:vm|base)-(\\d+)-disk-(\\d+)");
    /** The image file inside a raw volume's subvolume, as Proxmox's btrfs plugin names it. */
    static final String RAW_IN_SUBVOL = "disk.raw";

    private final String storageId;
    private final Path root;
    private final boolean rawInSubvolume;

    ImageDirectory(String storageId, Path root) {
        this(storageId, root, false);
    }

    /**
     * @param rawInSubvolume raw volume {@code <vmid>/vm-<vmid>-disk-<n>.raw} lives at
     *                       {@code images/<vmid>/vm-<vmid>-disk-<n>/disk.raw} (btrfs: a subvolume per volume)
     */
    ImageDirectory(String storageId, Path root, boolean rawInSubvolume) {
        this.storageId = storageId;
        this.root = root;
        this.rawInSubvolume = rawInSubvolume;
    }

    Path root() {
        return root;
    }

    Path images() {
        return root.resolve("images");
    }

    Path vmDir(int vmid) {
        return images().resolve(Integer.toString(vmid));
    }

    /** The image file or the subvol directory of a volume. */
    Path file(VolumeName name) {
        if (rawInSubvolume && name.layout() == VolumeName.Layout.IMAGE_FILE)
            return volumeDir(name).resolve(RAW_IN_SUBVOL);
        return vmDir(name.vmid()).resolve(name.fileName());
    }

    /**
     * The directory that is the volume's own subvolume when {@code rawInSubvolume}: {@code vm-<vmid>-disk-<n>} for
     * raw volumes, the subvol itself for subvol volumes.
     */
    Path volumeDir(VolumeName name) {
        if (name.layout() == VolumeName.Layout.IMAGE_FILE) {
            String f = name.fileName();
            return vmDir(name.vmid()).resolve(f.substring(0, f.length() - ".raw".length()));
        }
        return vmDir(name.vmid()).resolve(name.base().fileName());
    }

    /** {@code <volumeDir>@<snap>}, as Proxmox's btrfs plugin names snapshots. */
    Path snapshotDir(VolumeName name, String snap) {
        Path d = volumeDir(name.base());
        return d.resolveSibling(d.getFileName() + "@" + snap);
    }

    /** Snapshot names of a volume: the {@code <volumeDir>@<snap>} entries next to it, sorted. */
    List<String> snapshotNames(VolumeName name) {
        Path d = volumeDir(name.base());
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(d.getParent())) return out;
        String prefix = d.getFileName() + "@";
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(d.getParent(), prefix + "*")) {
            for (Path p : ds) {
                String snap = p.getFileName().toString().substring(prefix.length());
                if (VolumeName.SNAPSHOT_NAME.matcher(snap).matches()) out.add(snap);
            }
        } catch (IOException e) {
            throw new StorageException("cannot list snapshots in " + d.getParent() + ": " + e.getMessage(), e);
        }
        out.sort(null);
        return out;
    }

    /** All parsed volume names under images/ (snapshots included), optionally of one vmid. */
    List<VolumeName> names(OptionalInt vmid) {
        List<VolumeName> result = new ArrayList<>();
        List<Path> dirs = new ArrayList<>();
        if (vmid.isPresent()) {
            dirs.add(vmDir(vmid.getAsInt()));
        } else if (Files.isDirectory(images())) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(images(), "[0-9]*")) {
                ds.forEach(dirs::add);
            } catch (IOException e) {
                throw new StorageException("cannot list " + images() + ": " + e.getMessage(), e);
            }
        }
        for (Path dir : dirs) {
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) continue;
            String owner = dir.getFileName().toString();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                for (Path p : ds) {
                    String f = p.getFileName().toString();
                    if (rawInSubvolume) {
                        if (f.endsWith(".raw")) continue; // not this layout
                        if (RAW_SUBVOL.matcher(f).matches()) f = f + ".raw";
                    }
                    String candidate = f.endsWith(".raw") ? owner + "/" + f : f;
                    VolumeName.tryParse(candidate)
                            .filter(n -> n.layout() != VolumeName.Layout.LV && Integer.toString(n.vmid()).equals(owner))
                            .ifPresent(result::add);
                }
            } catch (IOException e) {
                throw new StorageException("cannot list " + dir + ": " + e.getMessage(), e);
            }
        }
        return result;
    }

    /** Smallest disk number of {@code vmid} not used by any layout (as Proxmox's find_free_diskname). */
    static int nextFree(List<VolumeName> used) {
        BitSet taken = new BitSet();
        for (VolumeName n : used) taken.set(n.disk());
        return taken.nextClearBit(0);
    }

    /**
     * Creates the next free volume of {@code vmid}: {@code create} gets a candidate name and returns true if it
     * created it, false if someone else took the name meanwhile (then the next one is tried).
     */
    VolumeName allocName(int vmid, IntFunction<VolumeName> nameForDisk, java.util.function.Predicate<VolumeName> create) {
        for (int attempt = 0; attempt < 1000; attempt++) {
            VolumeName name = nameForDisk.apply(nextFree(names(OptionalInt.of(vmid))));
            if (create.test(name)) return name;
        }
        throw new StorageException("cannot find a free disk name for vmid " + vmid + " on storage '" + storageId + "'");
    }

    /**
     * Renames volume {@code n} (its file or directory {@code pathOf(n)}) to the next free disk of {@code targetVmid}
     * (or to {@code disk}), never over an existing entry; images/<targetVmid>/ is made if needed and the source's
     * vmid directory removed if it became empty. rename(2) moves btrfs subvolumes too.
     */
    VolumeName rename(VolumeId volid, int targetVmid, OptionalInt disk, java.util.function.Function<VolumeName, Path> pathOf) {
        VolumeName n = volid.name();
        if (n.isBase()) throw new StorageException("cannot give base volume '" + volid + "' to container " + targetVmid
                + ": template base volumes cannot be renamed");
        if (n.snapshot().isPresent()) throw new StorageException("cannot rename snapshot '" + volid + "': name the volume");
        Path src = pathOf.apply(n);
        if (!Files.exists(src, LinkOption.NOFOLLOW_LINKS))
            throw new NotFoundException("volume '" + volid + "' does not exist (" + src + ")");
        IntFunction<VolumeName> named = k -> VolumeName.of(n.layout(), targetVmid, k);
        java.util.function.Predicate<VolumeName> move = c -> {
            Path dst = pathOf.apply(c);
            if (Files.exists(dst, LinkOption.NOFOLLOW_LINKS)) return false; // rename(2) would replace it
            try {
                Files.move(src, dst, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                return true;
            } catch (IOException e) {
                throw new StorageException("cannot rename " + src + " to " + dst + ": " + e.getMessage(), e);
            }
        };
        boolean createdDir = ensureVmDir(targetVmid);
        try {
            VolumeName to;
            if (disk.isPresent()) {
                to = named.apply(disk.getAsInt());
                if (!move.test(to))
                    throw new io.berth.error.ExistsException("cannot rename '" + volid + "' to '" + to + "': "
                            + pathOf.apply(to) + " exists already");
            } else {
                to = allocName(targetVmid, named, move);
            }
            removeVmDirIfEmpty(n.vmid());
            return to;
        } catch (RuntimeException e) {
            if (createdDir) {
                try {
                    removeVmDirIfEmpty(targetVmid);
                } catch (RuntimeException undo) {
                    e.addSuppressed(undo);
                }
            }
            throw e;
        }
    }

    /** Ensures images/<vmid>/ exists; returns true if this call created it (so an undo can remove it). */
    boolean ensureVmDir(int vmid) {
        Path dir = vmDir(vmid);
        if (Files.isDirectory(dir)) return false;
        try {
            Files.createDirectories(images());
            Files.createDirectory(dir);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (IOException e) {
            throw new StorageException("cannot create " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Removes images/<vmid>/ if it is empty (it is shared by all disks of the vmid). */
    void removeVmDirIfEmpty(int vmid) {
        try {
            Files.deleteIfExists(vmDir(vmid));
        } catch (java.nio.file.DirectoryNotEmptyException e) {
            // other disks of this vmid are still there
        } catch (IOException e) {
            throw new StorageException("cannot remove " + vmDir(vmid) + ": " + e.getMessage(), e);
        }
    }

    /** Allocates a sparse raw image formatted ext4; removes it again if formatting fails. */
    VolumeId allocRaw(int vmid, long sizeBytes, int uid, int gid) {
        if (sizeBytes <= 0) throw new InvalidInputException("size", "invalid raw image size " + sizeBytes + ": allowed > 0 bytes");
        boolean createdDir = ensureVmDir(vmid);
        VolumeName name = null;
        try {
            name = allocName(vmid, n -> VolumeName.of(VolumeName.Layout.IMAGE_FILE, vmid, n), n -> {
                try {
                    Files.createFile(file(n));
                    return true;
                } catch (FileAlreadyExistsException e) {
                    return false;
                } catch (IOException e) {
                    throw new StorageException("cannot create " + file(n) + ": " + e.getMessage(), e);
                }
            });
            Path f = file(name);
            setLength(f, sizeBytes);
            Ext4.mkfs(f, uid, gid);
            return new VolumeId(storageId, name);
        } catch (RuntimeException e) {
            undo(e, name, createdDir, vmid);
            throw e;
        }
    }

    /** Allocates a plain subvol directory owned by uid:gid. */
    VolumeId allocSubvolDir(int vmid, int uid, int gid) {
        boolean createdDir = ensureVmDir(vmid);
        VolumeName name = null;
        try {
            name = allocName(vmid, n -> VolumeName.of(VolumeName.Layout.SUBVOL, vmid, n), n -> {
                try {
                    Files.createDirectory(file(n));
                    return true;
                } catch (FileAlreadyExistsException e) {
                    return false;
                } catch (IOException e) {
                    throw new StorageException("cannot create " + file(n) + ": " + e.getMessage(), e);
                }
            });
            chown(file(name), uid, gid);
            return new VolumeId(storageId, name);
        } catch (RuntimeException e) {
            undo(e, name, createdDir, vmid);
            throw e;
        }
    }

    private void undo(RuntimeException cause, VolumeName created, boolean createdDir, int vmid) {
        try {
            if (created != null) removeTree(file(created));
            if (createdDir) removeVmDirIfEmpty(vmid);
        } catch (RuntimeException undoFailure) {
            cause.addSuppressed(undoFailure);
        }
    }

    static void setLength(Path f, long size) {
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(size);
        } catch (IOException e) {
            throw new StorageException("cannot set size of " + f + " to " + size + ": " + e.getMessage(), e);
        }
    }

    static void chown(Path p, int uid, int gid) {
        try {
            Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(p, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw new StorageException("cannot chown " + p + " to " + uid + ":" + gid + ": " + e.getMessage(), e);
        }
    }

    /** Removes a file or directory tree without crossing into other filesystems mounted inside it. */
    static void removeTree(Path p) {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) return;
        HostCommand.of("rm", "-rf", "--one-file-system", "--", p.toString()).run();
    }

    /** An existing volume's file (raw image) or directory (subvol). */
    VolumePath existingPath(VolumeId volid) {
        Path f = requireExisting(volid);
        return volid.name().layout() == VolumeName.Layout.IMAGE_FILE ? new VolumePath.ImageFile(f) : new VolumePath.Directory(f);
    }

    /** Where the storage keeps container templates ({@code template/cache}), when it has vztmpl content. */
    Optional<Path> templateDir(boolean vztmpl) {
        return vztmpl ? Optional.of(root.resolve("template").resolve("cache")) : Optional.empty();
    }

    Path requireExisting(VolumeId volid) {
        Path f = file(volid.name());
        if (!Files.exists(f, LinkOption.NOFOLLOW_LINKS))
            throw new NotFoundException("volume '" + volid + "' does not exist (" + f + ")");
        return f;
    }

    static long fileSize(Path f) {
        try {
            return Files.size(f);
        } catch (IOException e) {
            throw new StorageException("cannot stat " + f + ": " + e.getMessage(), e);
        }
    }

    /**
     * Grows a raw image and its ext4: through its loop device if one is attached, else on the file. If the
     * filesystem is mounted anywhere (a running container), it is grown online, which is refused up front when
     * this process may not.
     */
    static void growRaw(VolumeId volid, Path f, long newSize) {
        long old = fileSize(f);
        if (newSize < old)
            throw new InvalidInputException("size", "cannot shrink volume '" + volid + "' from " + old + " to " + newSize
                    + " bytes: only growing is allowed");
        if (newSize == old) return;
        List<Path> loops = loopDevicesOf(f);
        Optional<Path> busy = loops.stream().filter(Ext4::inUse).findFirst();
        Path dev = busy.orElse(loops.isEmpty() ? f : loops.getFirst());
        if (busy.isPresent()) Ext4.requireOnlineResize(volid, dev);
        setLength(f, newSize);
        try {
            for (Path loop : loops) HostCommand.of("losetup", "--set-capacity", loop.toString()).run();
            if (busy.isPresent()) Ext4.resizeOnline(dev);
            else Ext4.checkBeforeResize(dev);
        } catch (RuntimeException e) {
            // offline the filesystem is untouched yet; online the kernel grows it in one ioctl or not at all
            try {
                setLength(f, old);
                for (Path loop : loops) HostCommand.of("losetup", "--set-capacity", loop.toString()).run();
            } catch (RuntimeException undo) {
                e.addSuppressed(undo);
            }
            throw e;
        }
        if (busy.isEmpty()) Ext4.resize(dev);
    }

    /** statvfs of the storage directory; it must exist (status never creates it). */
    StorageUsage usage() {
        if (!Files.isDirectory(root))
            throw new StorageException("storage '" + storageId + "' is not available: directory " + root + " does not exist");
        try {
            java.nio.file.FileStore fs = Files.getFileStore(root);
            long total = fs.getTotalSpace();
            return new StorageUsage(total, Math.max(0, total - fs.getUnallocatedSpace()), fs.getUsableSpace());
        } catch (IOException e) {
            throw new StorageException("storage '" + storageId + "': cannot statvfs " + root + ": " + e.getMessage(), e);
        }
    }

    /** Loop devices backed by {@code f} ({@code losetup -j}). */
    static List<Path> loopDevicesOf(Path f) {
        String out = HostCommand.of("losetup", "-n", "-O", "NAME", "-j", f.toString()).run();
        return out.lines().map(String::strip).filter(s -> !s.isEmpty()).map(Path::of).toList();
    }
}
