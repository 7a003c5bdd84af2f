package io.berth.ct.access;

import io.berth.ct.ContainerService;
import io.berth.ct.CtException;
import io.berth.ct.lifecycle.CtMounts;
import io.berth.idmap.IdKind;
import io.berth.idmap.IdMap;
import io.berth.sys.Fd;
import io.berth.sys.PathCalls;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.OptionalInt;

/**
 * {@code pct push} and {@code pct pull}: files into and out of a running container, through its own root
 * ({@link ContainerRoot}), never following a symlink the container planted. Owners given to push are the
 * container's ids, mapped to the host ids its id map gives them.
 */
public final class FileTransfer {
    private final ContainerService ct;

    public FileTransfer(ContainerService ct) {
        this.ct = ct;
    }

    /**
     * @param user  numeric container uid (default 0); group likewise
     * @param perms octal (e.g. 0644 or 644) or 0x-prefixed hex, default 0644
     */
    public long push(int vmid, Path file, String dest, OptionalInt user, OptionalInt group, String perms) {
        int mode = parsePerms(perms);
        IdMap map = CtMounts.idMap(ct.config(vmid).main());
        int uid = (int) toHost(map, IdKind.UID, user.orElse(0), "user"), gid = (int) toHost(map, IdKind.GID, group.orElse(0), "group");
        if (!Files.isRegularFile(file)) throw new io.berth.error.InvalidInputException("file", "cannot push '" + file + "': not a regular file on the host");
        try (ContainerRoot root = ContainerRoot.open(ct.paths(vmid));
             Fd fd = root.open("destination", dest, PathCalls.O_WRONLY | PathCalls.O_CREAT | PathCalls.O_TRUNC, mode);
             InputStream in = Files.newInputStream(file);
             FileChannel ch = FileChannel.open(Path.of(fd.procPath()), StandardOpenOption.WRITE)) {
            long n = in.transferTo(Channels.newOutputStream(ch));
            PathCalls.fchownat(fd, "", uid, gid, PathCalls.AT_EMPTY_PATH);
            // the mode of an existing file is not changed by O_CREAT: set it explicitly, through the fd
            Files.setPosixFilePermissions(Path.of(fd.procPath()), permissions(mode));
            return n;
        } catch (IOException e) {
            throw new CtException("cannot push '" + file + "' to '" + dest + "' in container " + vmid + ": " + e.getMessage(), e);
        }
    }

    /** Copies a regular file of the container to {@code dest} on the host. */
    public long pull(int vmid, String path, Path dest) {
        try (ContainerRoot root = ContainerRoot.open(ct.paths(vmid));
             Fd fd = root.open("path", path, PathCalls.O_RDONLY, 0)) {
            io.berth.sys.Stat st = PathCalls.fstat(fd);
            if (st.type() != io.berth.sys.Stat.FileType.REGULAR)
                throw new io.berth.error.InvalidInputException("path", "cannot pull '" + path + "' from container " + vmid + ": not a regular file");
            try (FileChannel ch = FileChannel.open(Path.of(fd.procPath()), StandardOpenOption.READ);
                 OutputStream out = Files.newOutputStream(dest)) {
                return Channels.newInputStream(ch).transferTo(out);
            }
        } catch (IOException e) {
            throw new CtException("cannot pull '" + path + "' from container " + vmid + " to '" + dest + "': " + e.getMessage(), e);
        }
    }

    private static long toHost(IdMap map, IdKind kind, int ctId, String what) {
        if (ctId < 0) throw new io.berth.error.InvalidInputException(what, "invalid " + what + " " + ctId + ": allowed 0 or more");
        if (map.isEmpty()) return ctId;
        return map.toHost(kind, ctId).orElseThrow(() -> new io.berth.error.InvalidInputException(what,
                "invalid " + what + " " + ctId + ": not mapped by the container's id map " + map));
    }

    static int parsePerms(String perms) {
        if (perms == null) return 0644;
        try {
            int m = perms.startsWith("0x") ? Integer.parseInt(perms.substring(2), 16) : Integer.parseInt(perms, 8);
            if (m < 0 || m > 07777) throw new NumberFormatException();
            return m;
        } catch (NumberFormatException e) {
            throw new io.berth.error.InvalidInputException("perms", "invalid --perms '" + perms + "': allowed an octal mode like 0644, or 0x-prefixed hex");
        }
    }

    private static java.util.Set<java.nio.file.attribute.PosixFilePermission> permissions(int mode) {
        StringBuilder s = new StringBuilder();
        String rwx = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) s.append((mode & (1 << (8 - i))) != 0 ? rwx.charAt(i) : '-');
        return java.nio.file.attribute.PosixFilePermissions.fromString(s.toString());
    }
}
