package io.berth.ct.hotplug;

import io.berth.sys.Reverter;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

import io.berth.config.ContainerConfig;
import io.berth.ct.lifecycle.GuestSpecs;
import io.berth.guest.GuestSetup;
import io.berth.guest.GuestSpec;
import io.berth.guest.Phase;
import io.berth.guest.SetupReport;
import io.berth.idmap.IdMap;
import io.berth.sys.Fd;
import io.berth.sys.Hostnames;
import io.berth.sys.NsType;
import io.berth.sys.PathCalls;

/**
 * hostname, nameserver and searchdomain on a running container. The files (/etc/hostname, /etc/hosts,
 * /etc/resolv.conf) are written by the guest setup the start hook uses, into the container's root as its init
 * sees it: {@code /proc/PID/root} opened once and checked against the pinned pidfd, then used through that fd,
 * so a recycled pid cannot redirect the writes; the guest setup itself never follows a symlink out of the root.
 * The kernel host name is set with sethostname(2) from a thread that joined the container's UTS namespace.
 * With ostype {@code unmanaged} only the kernel host name changes. Failures undo in reverse: the kernel name is
 * set back and the files are rewritten from the old config.
 */
final class GuestHotplug {
    private GuestHotplug() {}

    /** Applies the change from {@code before} to {@code after} (which differ only in the guest keys). */
    static void apply(int vmid, ContainerConfig before, ContainerConfig after, RunningContainer ct, Reverter undo,
                      List<String> warnings) {
        boolean hostname = !before.hostname().equals(after.hostname());
        boolean dns = !before.nameserver().equals(after.nameserver()) || !before.searchdomain().equals(after.searchdomain());
        boolean unmanaged = before.ostype().filter("unmanaged"::equals).isPresent();
        if (unmanaged) {
            warnings.add("ostype is unmanaged: " + (hostname ? "only the kernel host name was changed; " : "")
                    + "/etc/hostname, /etc/hosts and /etc/resolv.conf in the container are left alone");
        } else {
            IdMap ids = before.idmap();
            GuestSpec oldSpec = GuestSpecs.of(vmid, before, (int) ids.rootUid(), (int) ids.rootGid());
            GuestSpec newSpec = GuestSpecs.of(vmid, after, (int) ids.rootUid(), (int) ids.rootGid());
            if (hostname) files(ct, oldSpec, newSpec, Phase.HOSTNAME_CHANGE, undo, warnings);
            if (dns) files(ct, oldSpec, newSpec, Phase.DNS_CHANGE, undo, warnings);
        }
        if (hostname) {
            // the same name the LXC config gives lxc.uts.name at start
            String name = after.hostname().orElse("CT" + vmid);
            try (Fd uts = ct.namespace(NsType.UTS)) {
                String old = Hostnames.setIn(uts, name);
                undo.push("set the kernel host name back to " + old, () -> {
                    try (Fd u = ct.namespace(NsType.UTS)) {
                        Hostnames.setIn(u, old);
                    }
                });
            } catch (IllegalArgumentException e) {
                throw new HotplugException("hostname: " + e.getMessage(), e);
            }
        }
        ct.checkAlive();
    }

    /**
     * After a live netN change: rewrites the distro's network configuration inside the container (seed 001 does
     * setup_network after update_ipconfig), so a restart of networking in the guest keeps the new addresses.
     */
    static void network(int vmid, ContainerConfig before, ContainerConfig after, RunningContainer ct, Reverter undo,
                        List<String> warnings) {
        if (before.ostype().filter("unmanaged"::equals).isPresent()) return;
        IdMap ids = before.idmap();
        files(ct, GuestSpecs.of(vmid, before, (int) ids.rootUid(), (int) ids.rootGid()),
                GuestSpecs.of(vmid, after, (int) ids.rootUid(), (int) ids.rootGid()), Phase.NETWORK_CHANGE, undo, warnings);
    }

    private static void files(RunningContainer ct, GuestSpec oldSpec, GuestSpec newSpec, Phase phase, Reverter undo,
                              List<String> warnings) {
        SetupReport r = inRoot(ct, root -> GuestSetup.apply(root, newSpec, phase));
        undo.push("rewrite the " + phase + " files from the old config", () -> inRoot(ct, root -> GuestSetup.apply(root, oldSpec, phase)));
        for (String w : r.warnings()) warnings.add(phase + ": " + w);
        for (String s : r.skipped()) warnings.add(phase + ": skipped " + s);
    }

    /** Runs {@code f} with the container's root directory as a path naming exactly the pinned container's root. */
    private static <T> T inRoot(RunningContainer ct, Function<Path, T> f) {
        try (Fd root = PathCalls.openat(Fd.CWD, "/proc/" + ct.initPid() + "/root",
                PathCalls.O_PATH | PathCalls.O_DIRECTORY | PathCalls.O_CLOEXEC, 0)) {
            // opened while the pidfd says init is alive: the pid was not recycled
            ct.checkAlive();
            return f.apply(Path.of(root.procPath()));
        }
    }
}
