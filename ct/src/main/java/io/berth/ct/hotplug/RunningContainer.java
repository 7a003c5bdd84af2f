package io.berth.ct.hotplug;

import java.util.OptionalInt;
import java.util.function.Supplier;

import io.berth.sys.Fd;
import io.berth.sys.NsType;
import io.berth.sys.Processes;

/**
 * A running container pinned through pidfds (seed 000 {@code open_lxc_pid}/{@code open_ppid}): its init
 * process and LXC's monitor (init's parent). Namespaces are taken from the pidfds, so a pid that was
 * reused between the lookup and now is detected instead of entering a stranger's namespaces.
 */
public final class RunningContainer implements AutoCloseable {
    private final String name;
    private final long initPid;
    private final Fd initPidfd;
    private final long monitorPid;
    private final Fd monitorPidfd;

    private RunningContainer(String name, long initPid, Fd initPidfd, long monitorPid, Fd monitorPidfd) {
        this.name = name;
        this.initPid = initPid;
        this.initPidfd = initPidfd;
        this.monitorPid = monitorPid;
        this.monitorPidfd = monitorPidfd;
    }

    /**
     * Pins container {@code name}: opens pidfds for {@code initPid} and its parent, then asks
     * {@code currentInitPid} (LXC's command socket) again to be sure the pid still is that container's init.
     */
    public static RunningContainer pin(String name, long initPid, Supplier<OptionalInt> currentInitPid) {
        Fd init = Processes.pidfdOpen(initPid);
        Fd monitor = null;
        try {
            long ppid = Processes.parentPid(initPid);
            monitor = Processes.pidfdOpen(ppid);
            if (Processes.parentPid(initPid) != ppid || !Processes.isAlive(init)) {
                throw new HotplugException("container " + name + ": init process " + initPid + " changed while pinning it");
            }
            OptionalInt again = currentInitPid.get();
            if (again.isEmpty() || again.getAsInt() != initPid) {
                throw new HotplugException("container " + name + ": init pid changed from " + initPid + " to "
                        + (again.isEmpty() ? "none (stopped)" : again.getAsInt()) + " while pinning it");
            }
            return new RunningContainer(name, initPid, init, ppid, monitor);
        } catch (RuntimeException e) {
            init.close();
            if (monitor != null) monitor.close();
            throw e;
        }
    }

    public String name() { return name; }

    public long initPid() { return initPid; }

    public long monitorPid() { return monitorPid; }

    /** The container's namespace of {@code type} (caller closes). */
    public Fd namespace(NsType type) {
        return Processes.nsFd(initPidfd, type);
    }

    /** The monitor's namespace of {@code type} (caller closes). */
    public Fd monitorNamespace(NsType type) {
        return Processes.nsFd(monitorPidfd, type);
    }

    /** Fails if the init process is gone (e.g. the container stopped during the change). */
    public void checkAlive() {
        if (!Processes.isAlive(initPidfd)) throw new HotplugException("container " + name + " stopped during the change");
    }

    @Override
    public void close() {
        initPidfd.close();
        monitorPidfd.close();
    }
}
