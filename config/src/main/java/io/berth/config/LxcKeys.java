package io.berth.config;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which raw {@code lxc.*} keys a container config may carry, as Proxmox decides it: a fixed list, whole families
 * ({@code lxc.cgroup2.*}, {@code lxc.prlimit.*}, {@code lxc.net.*}), deprecated names still accepted with a note,
 * and keys refused with a reason because Berth generates them.
 */
public final class LxcKeys {
    private LxcKeys() {}

    private static final Set<String> ALLOWED = Set.of(
            "lxc.apparmor.profile", "lxc.apparmor.allow_incomplete", "lxc.apparmor.allow_nesting", "lxc.apparmor.raw",
            "lxc.selinux.context", "lxc.include", "lxc.arch", "lxc.uts.name", "lxc.signal.halt", "lxc.signal.reboot",
            "lxc.signal.stop", "lxc.init.cmd", "lxc.init.cwd", "lxc.init.uid", "lxc.init.gid", "lxc.init.groups",
            "lxc.pty.max", "lxc.console.logfile", "lxc.console.path", "lxc.tty.max", "lxc.devtty.dir", "lxc.hook.autodev",
            "lxc.autodev", "lxc.kmsg", "lxc.mount.fstab", "lxc.mount.entry", "lxc.mount.auto", "lxc.rootfs.mount",
            "lxc.cap.drop", "lxc.cap.keep", "lxc.seccomp.profile", "lxc.seccomp.notify.proxy", "lxc.seccomp.notify.cookie",
            "lxc.idmap", "lxc.hook.pre-start", "lxc.hook.pre-mount", "lxc.hook.mount", "lxc.hook.start", "lxc.hook.stop",
            "lxc.hook.post-stop", "lxc.hook.clone", "lxc.hook.destroy", "lxc.hook.version", "lxc.log.level", "lxc.log.file",
            "lxc.start.auto", "lxc.start.delay", "lxc.start.order", "lxc.group", "lxc.environment",
            "lxc.environment.runtime", "lxc.environment.hooks", "lxc.sysctl.fs.mqueue", "lxc.sysctl.kernel.msgmax",
            "lxc.sysctl.kernel.msgmnb", "lxc.sysctl.kernel.msgmni", "lxc.sysctl.kernel.sem", "lxc.sysctl.kernel.shmall",
            "lxc.sysctl.kernel.shmmax", "lxc.sysctl.kernel.shmmni", "lxc.sysctl.kernel.shm_rmid_forced");

    private static final Map<String, String> REFUSED = Map.of(
            "lxc.rootfs.path", "lxc.rootfs.path is generated from the 'rootfs' key",
            "lxc.rootfs.options", "lxc.rootfs.options is not supported; use mount options of the 'rootfs' key");

    /** Old names LXC 3.0 removed; still accepted (LXC maps some of them), each with its new name. */
    private static final Map<String, String> DEPRECATED = Map.ofEntries(
            Map.entry("lxc.aa_profile", "lxc.apparmor.profile"), Map.entry("lxc.aa_allow_incomplete", "lxc.apparmor.allow_incomplete"),
            Map.entry("lxc.console", "lxc.console.path"), Map.entry("lxc.devttydir", "lxc.tty.dir"),
            Map.entry("lxc.haltsignal", "lxc.signal.halt"), Map.entry("lxc.rebootsignal", "lxc.signal.reboot"),
            Map.entry("lxc.stopsignal", "lxc.signal.stop"), Map.entry("lxc.id_map", "lxc.idmap"),
            Map.entry("lxc.init_cmd", "lxc.init.cmd"), Map.entry("lxc.loglevel", "lxc.log.level"),
            Map.entry("lxc.logfile", "lxc.log.file"), Map.entry("lxc.mount", "lxc.mount.fstab"),
            Map.entry("lxc.network.type", "lxc.net.INDEX.type"), Map.entry("lxc.network.flags", "lxc.net.INDEX.flags"),
            Map.entry("lxc.network.link", "lxc.net.INDEX.link"), Map.entry("lxc.network.mtu", "lxc.net.INDEX.mtu"),
            Map.entry("lxc.network.name", "lxc.net.INDEX.name"), Map.entry("lxc.network.hwaddr", "lxc.net.INDEX.hwaddr"),
            Map.entry("lxc.network.ipv4", "lxc.net.INDEX.ipv4.address"),
            Map.entry("lxc.network.ipv4.gateway", "lxc.net.INDEX.ipv4.gateway"),
            Map.entry("lxc.network.ipv6", "lxc.net.INDEX.ipv6.address"),
            Map.entry("lxc.network.ipv6.gateway", "lxc.net.INDEX.ipv6.gateway"),
            Map.entry("lxc.network.script.up", "lxc.net.INDEX.script.up"),
            Map.entry("lxc.network.script.down", "lxc.net.INDEX.script.down"), Map.entry("lxc.pts", "lxc.pty.max"),
            Map.entry("lxc.se_context", "lxc.selinux.context"), Map.entry("lxc.seccomp", "lxc.seccomp.profile"),
            Map.entry("lxc.tty", "lxc.tty.max"), Map.entry("lxc.utsname", "lxc.uts.name"));

    /** What the key is: allowed (possibly with a note for the user) or refused with the reason. */
    public sealed interface Verdict permits Allowed, Refused {}

    public record Allowed(Optional<String> note) implements Verdict {}

    public record Refused(String reason) implements Verdict {}

    public static Verdict check(String key) {
        if (key.startsWith("lxc.limit.")) return new Allowed(Optional.of(key + ": lxc.limit.* was renamed to lxc.prlimit.*"));
        String renamed = DEPRECATED.get(key);
        if (renamed != null) return new Allowed(Optional.of(key + " is deprecated and was renamed to " + renamed));
        if (ALLOWED.contains(key)) return new Allowed(Optional.empty());
        String reason = REFUSED.get(key);
        if (reason != null) return new Refused(reason);
        if (key.startsWith("lxc.cgroup.")) {
            return new Allowed(Optional.of(key + " is a cgroup v1 key and deprecated; use lxc.cgroup2.*"));
        }
        if (key.startsWith("lxc.cgroup2.") || key.startsWith("lxc.prlimit.") || key.startsWith("lxc.net.")) {
            return new Allowed(Optional.empty());
        }
        return new Refused("not an allowed raw LXC key; allowed: the keys Proxmox allows (lxc.apparmor.*, lxc.cgroup2.*, "
                + "lxc.prlimit.*, lxc.net.*, lxc.mount.entry, lxc.idmap, lxc.hook.*, ... see docs/config.md)");
    }
}
