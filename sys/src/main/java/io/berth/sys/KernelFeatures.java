package io.berth.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * What the running kernel supports, probed once on first use (ENOSYS, and EINVAL for unknown flags,
 * mean absent). {@code idmappedMounts} arrived with mount_setattr (5.12).
 */
public record KernelFeatures(boolean openat2, boolean openTree, boolean moveMount, boolean mountSetattr,
                             boolean idmappedMounts, boolean fsopen, boolean pidfd, boolean pidfdNamespaceIoctl) {

    private static final class Holder {
        static final KernelFeatures PROBED = probe();
    }

    /** The cached probe result. */
    public static KernelFeatures get() {
        return Holder.PROBED;
    }

    /** Probes now (uncached); cheap: a handful of syscalls that either fail early or open and close an fd. */
    public static KernelFeatures probe() {
        boolean openat2 = opens(PathCalls.NR_OPENAT2, true);
        boolean openTree = opens(Mounts.NR_OPEN_TREE, false);
        boolean moveMount = exists(Mounts.NR_MOVE_MOUNT, -1, 0, -1, 0, 0);
        boolean setattr = exists(Mounts.NR_MOUNT_SETATTR, -1, 0, 0, 0, 32);
        boolean fsopen = fsopenWorks();
        boolean pidfd = pidfdWorks();
        boolean nsIoctl = pidfd && pidfdNsIoctlWorks();
        return new KernelFeatures(openat2, openTree, moveMount, setattr, setattr, fsopen, pidfd, nsIoctl);
    }

    /** Tries openat2 / open_tree on "/" and closes the result. */
    private static boolean opens(long nr, boolean isOpenat2) {
        try (Arena a = Arena.ofConfined()) {
            long r;
            if (isOpenat2) {
                MemorySegment how = a.allocate(24, 8);
                how.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, PathCalls.O_PATH | PathCalls.O_CLOEXEC);
                r = Native.syscallRaw(a, nr, Fd.AT_FDCWD, a.allocateFrom("/").address(), how.address(), 24);
            } else {
                r = Native.syscallRaw(a, nr, Fd.AT_FDCWD, a.allocateFrom("/").address(), Mounts.OPEN_TREE_CLOEXEC);
            }
            if (r >= 0) {
                Fd.adopt((int) r).close();
                return true;
            }
            return false;
        }
    }

    /** A call with a bad fd: EBADF (or anything but ENOSYS) proves the syscall exists. */
    private static boolean exists(long nr, long... args) {
        try (Arena a = Arena.ofConfined()) {
            long[] withPaths = args.clone();
            MemorySegment empty = a.allocateFrom("");
            // string arguments must be valid pointers even when the fd is bad
            if (nr == Mounts.NR_MOVE_MOUNT) { withPaths[1] = empty.address(); withPaths[3] = empty.address(); }
            if (nr == Mounts.NR_MOUNT_SETATTR) {
                withPaths[1] = empty.address();
                withPaths[3] = a.allocate(32, 8).address();
            }
            long r = Native.syscallRaw(a, nr, withPaths);
            return r != -Errno.ENOSYS.number();
        }
    }

    private static boolean fsopenWorks() {
        try (Fd fs = Mounts.fsopen("tmpfs")) {
            return fs.isOpen();
        } catch (SysException e) {
            return false;
        }
    }

    private static boolean pidfdWorks() {
        try (Fd p = Processes.pidfdOpen(ProcessHandle.current().pid())) {
            return p.isOpen();
        } catch (SysException e) {
            return false;
        }
    }

    private static boolean pidfdNsIoctlWorks() {
        try (Fd p = Processes.pidfdOpen(ProcessHandle.current().pid());
             Arena a = Arena.ofConfined()) {
            long r = Native.callRaw(a, PIDFD_IOCTL, p.fd(), (long) NsType.MNT.pidfdIoctl(), 0L);
            if (r >= 0) {
                Fd.adopt((int) r).close();
                return true;
            }
            return false;
        } catch (SysException e) {
            return false;
        }
    }

    private static final Native.Fn PIDFD_IOCTL = Native.fnVariadic("ioctl", 2);
}
