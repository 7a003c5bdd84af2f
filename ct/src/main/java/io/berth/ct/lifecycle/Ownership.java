package io.berth.ct.lifecycle;

import io.berth.idmap.IdKind;
import io.berth.idmap.IdMap;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Shifts a freshly extracted rootfs into a container's id range file by file (lchown, never following symlinks):
 * the fallback when the rootfs cannot be mounted idmapped.
 */
public final class Ownership {
    private Ownership() {}

    public static void shift(Path root, IdMap map) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                shiftOne(dir, map);
                return FileVisitResult.CONTINUE;
            }

            @Override public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                shiftOne(file, map);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void shiftOne(Path p, IdMap map) throws IOException {
        int uid = (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        int gid = (Integer) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS);
        long hu = map.toHost(IdKind.UID, uid).orElseThrow(() -> new IOException(p + ": uid " + uid + " is not mapped into the container"));
        long hg = map.toHost(IdKind.GID, gid).orElseThrow(() -> new IOException(p + ": gid " + gid + " is not mapped into the container"));
        boolean link = Files.isSymbolicLink(p);
        Object mode = link ? null : Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:uid", (int) hu, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", (int) hg, LinkOption.NOFOLLOW_LINKS);
        // chown clears setuid/setgid: put the whole mode back
        if (!link) Files.setAttribute(p, "unix:mode", mode, LinkOption.NOFOLLOW_LINKS);
    }
}
