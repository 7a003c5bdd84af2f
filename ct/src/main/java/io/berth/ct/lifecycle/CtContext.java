package io.berth.ct.lifecycle;

import io.berth.config.BerthRoots;
import io.berth.config.ConfigRepository;
import io.berth.config.ContainerConfig;
import io.berth.config.Locks;
import io.berth.config.NoSuchContainerException;
import io.berth.config.Vmid;
import io.berth.ct.hook.HookCommand;
import io.berth.ct.task.Tasks;
import io.berth.error.LockedException;
import io.berth.error.StateException;
import io.berth.storage.Storages;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * What the feature services of one Berth root share (built once by the façade): the configs, the operation locks,
 * the task store, the storages, and the two checks every state-changing operation starts with (the container
 * exists; its {@code lock:} value does not refuse the operation).
 */
public record CtContext(BerthRoots roots, HookCommand hookCommand, ConfigIo configs, ConfigRepository repository,
                        Locks locks, Tasks tasks, Supplier<Storages> storageSource) {
    /** How long an operation waits for the container's lock before it is refused as locked. */
    public static final Duration LOCK_WAIT = Duration.ofSeconds(30);
    /** The CLI runs as root; the API passes its authenticated user by submitting the task itself. */
    private static final String TASK_USER = "root@pam";

    /** The storages of storage.cfg as they are now (the façade reloads them when the file changed). */
    public Storages storages() { return storageSource.get(); }

    public CtPaths paths(int vmid) { return new CtPaths(roots.lxcPath(), vmid); }

    /**
     * Runs a state-changing operation as a task of this node ({@code berth task list}); inside a task already
     * (the API submitted one), the operation is part of it.
     */
    public <T> T task(String type, int vmid, Tasks.Body<T> body) {
        Vmid.check(vmid);
        // a request for a container that does not exist is refused before it becomes a task, as pct does
        if (!type.equals("vzcreate") && !configs.exists(vmid)) throw new NoSuchContainerException(vmid, configs.path(vmid).toString());
        return tasks.run(type, Integer.toString(vmid), TASK_USER, body);
    }

    /** Refuses an operation on a container whose config carries a {@code lock:} value, unless {@code skiplock}. */
    public static void checkLock(int vmid, ContainerConfig c, boolean skiplock) {
        if (!skiplock && c.lock().isPresent()) {
            throw new LockedException("container " + vmid + " is locked (" + c.lock().get() + "); use --skiplock to override, or berth unlock "
                    + vmid + " when no operation runs any more", c.lock().get());
        }
    }

    /** The container's runtime, refused as {@link StateException} when it is not running. */
    public LxcRuntime running(int vmid) {
        LxcRuntime rt = new LxcRuntime(paths(vmid));
        if (!rt.isRunning()) throw new StateException("container " + vmid + " is not running");
        return rt;
    }
}
