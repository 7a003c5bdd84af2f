package io.berth.ct.access;

import io.berth.ct.CtException;
import io.berth.ct.hotplug.RunningContainer;
import io.berth.ct.lifecycle.CtPaths;
import io.berth.ct.lifecycle.LxcRuntime;
import io.berth.mount.SafePath;
import io.berth.sys.Fd;
import io.berth.sys.PathCalls;
import io.berth.sys.SysException;
import java.util.List;
import java.util.OptionalInt;

/**
 * A running container's root directory as the host reaches it: {@code /proc/<init>/root}, opened once and checked
 * against a pidfd-pinned init (so a recycled pid cannot hand us another process's root). Paths inside are opened
 * with {@code openat2(RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)}: ".." cannot leave the root
 * and a symlink the container planted anywhere on the path fails the call instead of being followed.
 */
final class ContainerRoot implements AutoCloseable {
    static final long RESOLVE = PathCalls.RESOLVE_IN_ROOT | PathCalls.RESOLVE_NO_SYMLINKS | PathCalls.RESOLVE_NO_MAGICLINKS;

    private final RunningContainer pinned;
    private final Fd root;

    private ContainerRoot(RunningContainer pinned, Fd root) {
        this.pinned = pinned;
        this.root = root;
    }

    static ContainerRoot open(CtPaths paths) {
        LxcRuntime rt = new LxcRuntime(paths);
        OptionalInt pid = rt.initPid();
        if (pid.isEmpty()) throw new io.berth.error.StateException("container " + paths.vmid() + " is not running");
        RunningContainer pinned = RunningContainer.pin(paths.name(), pid.getAsInt(), rt::initPid);
        try {
            Fd root = PathCalls.openat(Fd.CWD, "/proc/" + pid.getAsInt() + "/root",
                    PathCalls.O_PATH | PathCalls.O_DIRECTORY | PathCalls.O_CLOEXEC, 0);
            pinned.checkAlive(); // the root we opened belongs to the pinned init
            return new ContainerRoot(pinned, root);
        } catch (RuntimeException e) {
            pinned.close();
            throw e;
        }
    }

    Fd root() {
        return root;
    }

    /** The path relative to the root, rejecting '..' and empty paths; the error names {@code what}. */
    static String relative(String what, String path) {
        if (path == null || !path.startsWith("/"))
            throw new io.berth.error.InvalidInputException(what, what + " '" + path + "' is invalid: an absolute path inside the container is required");
        List<String> comps = SafePath.components(what, path);
        if (comps.isEmpty()) throw new io.berth.error.InvalidInputException(what, what + " '" + path + "' names the root directory, not a file");
        return String.join("/", comps);
    }

    /** openat2 inside the root; symlinks (also in the last component) are refused with an error naming the path. */
    Fd open(String what, String path, long flags, long mode) {
        String rel = relative(what, path);
        try {
            return PathCalls.openat2(root, rel, flags | PathCalls.O_CLOEXEC | PathCalls.O_NOFOLLOW, mode, RESOLVE);
        } catch (SysException e) {
            if (e.is(io.berth.sys.Errno.ELOOP))
                throw new CtException(what + " '" + path + "': a component is a symbolic link; it is not followed "
                        + "(the container could point it anywhere on the host)", e);
            throw new CtException(what + " '" + path + "' in container " + pinned.name() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            root.close();
        } finally {
            pinned.close();
        }
    }
}
