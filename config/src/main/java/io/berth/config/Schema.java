package io.berth.config;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/** Every container config key, declared once. */
public final class Schema {
    private Schema() {}

    public static final int MAX_MP = 255;
    public static final int MAX_NET = 31;
    public static final int MAX_DEV = 255;
    public static final int MAX_UNUSED = 255;

    private static final String HOSTNAME_RE = "(?=.{1,253}$)[a-zA-Z0-9]([a-zA-Z0-9\\-]{0,61}[a-zA-Z0-9])?(\\.[a-zA-Z0-9]([a-zA-Z0-9\\-]{0,61}[a-zA-Z0-9])?)*";
    private static final String IP_ANY = "[0-9a-fA-F.:]{2,45}";
    private static final String VOLID = MountSource.STORAGE_ID + ":[^\\s,:/][^\\s,]*";

    private static ValueFormat text(String re, String what) { return new ValueFormat.Text(Pattern.compile(re), what); }

    private static ConfigKey key(String name, ValueFormat f, String dflt, String descr, ApplyMode apply) {
        return new ConfigKey(name, -1, f, Optional.ofNullable(dflt), descr, apply);
    }

    private static ConfigKey indexed(String name, int max, ValueFormat f, String descr, ApplyMode apply) {
        return new ConfigKey(name, max, f, Optional.empty(), descr, apply);
    }

    private static final ValueFormat BOOL = new ValueFormat.Bool();

    /** All keys, in documentation order. */
    public static final List<ConfigKey> KEYS = List.of(
            key("arch", new ValueFormat.Choice(List.of("amd64", "i386", "arm64", "armhf", "riscv32", "riscv64")), "amd64",
                    "OS architecture type.", ApplyMode.RESTART),
            key("ostype", new ValueFormat.Choice(List.of("debian", "devuan", "ubuntu", "centos", "fedora", "opensuse",
                    "archlinux", "alpine", "gentoo", "nixos", "unmanaged")), null,
                    "OS type, used to set up configuration inside the container and to select LXC's config includes. "
                            + "'unmanaged' skips OS-specific setup.", ApplyMode.RESTART),
            key("hostname", text(HOSTNAME_RE, "a DNS name (labels of [a-zA-Z0-9-], at most 253 characters)"), null,
                    "Host name of the container.", ApplyMode.HOTPLUG),
            key("description", text("(?s).{0,8192}", "free text of at most 8192 characters"), null,
                    "Description, stored as '#' comment lines at the top of the section.", ApplyMode.METADATA),
            key("memory", new ValueFormat.Int(16, Long.MAX_VALUE), "512", "Amount of RAM for the container in MiB.", ApplyMode.HOTPLUG),
            key("swap", new ValueFormat.Int(0, Long.MAX_VALUE), "512", "Amount of swap for the container in MiB.", ApplyMode.HOTPLUG),
            key("cores", new ValueFormat.Int(1, 8192), null, "Number of cores assigned to the container (a cpuset); all cores if unset.",
                    ApplyMode.HOTPLUG),
            key("cpulimit", new ValueFormat.Num(0, 8192), "0", "Limit of CPU usage in cores; 0 means no limit.", ApplyMode.HOTPLUG),
            key("cpuunits", new ValueFormat.Int(0, 500000), null,
                    "CPU weight relative to other containers (cgroup v1 cpu.shares, cgroup v2 cpu.weight); "
                            + "default 1024 on cgroup v1, 100 on cgroup v2.", ApplyMode.HOTPLUG),
            key("rootfs", new ValueFormat.Structured("[volume=]VOLUME[,acl=0|1][,idmap=MAP][,keepattrs=0|1][,mountoptions=OPT;..]"
                    + "[,quota=0|1][,replicate=0|1][,ro=0|1][,shared=0|1][,size=SIZE]", v -> MountPoint.parse("rootfs", v)), null,
                    "Root filesystem. VOLUME is STORAGE:VOLNAME, STORAGE:SIZE_GB to allocate, or a host path.", ApplyMode.RESTART),
            indexed("mp", MAX_MP, new ValueFormat.Structured("[volume=]VOLUME,mp=PATH[,acl=0|1][,backup=0|1][,idmap=MAP]"
                    + "[,keepattrs=0|1][,mountoptions=OPT;..][,quota=0|1][,replicate=0|1][,ro=0|1][,shared=0|1][,size=SIZE]",
                    v -> MountPoint.parse("mp0", v)),
                    "Mount point. VOLUME is STORAGE:VOLNAME, STORAGE:SIZE_GB (new volume), a host directory (bind mount) or "
                            + "/dev/... (device); mp is the path inside the container. mountoptions from "
                            + MountPoint.ALLOWED_MOUNT_OPTIONS + ". idmap is 'passthrough' or 'u:CT:DISK:LEN g:CT:DISK:LEN ...' "
                            + "mapping container ids to the ids stored on this mount; other ids keep the container's mapping.",
                    ApplyMode.HOTPLUG),
            indexed("net", MAX_NET, new ValueFormat.Structured("name=IFNAME[,bridge=BRIDGE][,firewall=0|1][,gw=IPv4][,gw6=IPv6]"
                    + "[,hwaddr=MAC][,ip=IPv4/CIDR|dhcp|manual][,ip6=IPv6/CIDR|auto|dhcp|manual][,link_down=0|1][,mtu=N]"
                    + "[,rate=MB/s][,tag=VLAN][,trunks=VLAN;..][,type=veth]", NetConfig::parse),
                    "Network interface (veth pair, host side veth<vmid>i<n>).", ApplyMode.HOTPLUG),
            indexed("dev", MAX_DEV, new ValueFormat.Structured("[path=]/dev/PATH[,deny-write=0|1][,gid=N][,mode=OCTAL][,uid=N]",
                    DevConfig::parse), "Device passed through to the container.", ApplyMode.HOTPLUG),
            indexed("unused", MAX_UNUSED, text(VOLID, "a volume id STORAGE:VOLNAME"),
                    "A volume that belongs to the container but is not mounted.", ApplyMode.METADATA),
            key("features", new ValueFormat.Structured("[force_rw_sys=0|1][,fuse=0|1][,keyctl=0|1][,mknod=0|1][,mount=FS;..][,nesting=0|1]",
                    Features::parse), null, "Advanced features: nesting, fuse, keyctl, mknod, allowed mount fs types, force_rw_sys.",
                    ApplyMode.RESTART),
            key("unprivileged", BOOL, "0", "Run the container in a user namespace (default id map u/g 0 100000 65536 unless "
                    + "lxc.idmap is given). Cannot be changed after creation without shifting file ownership.", ApplyMode.RESTART),
            key("nameserver", text(IP_ANY + "([ ,;]+" + IP_ANY + ")*", "IP addresses separated by spaces"), null,
                    "DNS server addresses for the container; the host's if unset.", ApplyMode.HOTPLUG),
            key("searchdomain", text(HOSTNAME_RE + "([ ,;]+" + HOSTNAME_RE + ")*", "DNS domain names separated by spaces"), null,
                    "DNS search domains for the container; the host's if unset.", ApplyMode.HOTPLUG),
            key("onboot", BOOL, "0", "Start the container when the host boots.", ApplyMode.METADATA),
            key("startup", new ValueFormat.Structured("[[order=]N][,up=SECONDS][,down=SECONDS]", Startup::parse), null,
                    "Start/stop order and delays at host boot/shutdown.", ApplyMode.METADATA),
            key("protection", BOOL, "0", "Protect against removal of the container and its disks.", ApplyMode.METADATA),
            key("tags", text("[a-zA-Z0-9_][a-zA-Z0-9_\\-+.]*([;, ][a-zA-Z0-9_][a-zA-Z0-9_\\-+.]*)*",
                    "tags of [a-zA-Z0-9_+.-] separated by ';'"), null, "Tags, metadata only.", ApplyMode.METADATA),
            key("timezone", text("host|[A-Za-z][A-Za-z0-9_+\\-]*(/[A-Za-z0-9_+\\-]+)*", "'host' or a zoneinfo name like Europe/Vienna"),
                    null, "Time zone inside the container; 'host' copies the host's.", ApplyMode.RESTART),
            key("tty", new ValueFormat.Int(0, 6), "2", "Number of ttys available to the container.", ApplyMode.RESTART),
            key("console", BOOL, "1", "Attach a console device (/dev/console) to the container.", ApplyMode.RESTART),
            key("cmode", new ValueFormat.Choice(List.of("shell", "console", "tty")), "tty",
                    "Console mode: tty (one of the ttys), console (/dev/console), shell (a shell, no login).", ApplyMode.METADATA),
            key("template", BOOL, "0", "The container is a template (read-only base for clones).", ApplyMode.METADATA),
            key("lock", new ValueFormat.Choice(List.of("backup", "create", "destroyed", "disk", "fstrim", "migrate", "mounted",
                    "rollback", "snapshot", "snapshot-delete")), null,
                    "Set while an operation is in progress; blocks others.", ApplyMode.METADATA),
            key("hookscript", text(VOLID, "a volume id STORAGE:snippets/NAME"), null,
                    "Script run as 'SCRIPT VMID PHASE' at pre-start (a failure aborts the start), post-start, pre-stop and "
                    + "post-stop (failures warn); checked when set: the storage's snippets/NAME must be an executable file. Only root@pam "
                    + "may change it through the API.", ApplyMode.METADATA),
            key("debug", BOOL, "0", "Run LXC with debug log level on start.", ApplyMode.RESTART),
            key("entrypoint", text("/[^\\n\\x00]{0,4095}", "an absolute path with optional arguments"), "/sbin/init",
                    "Command run as the container's init process.", ApplyMode.RESTART),
            key("parent", text("[a-zA-Z][a-zA-Z0-9_\\-]{1,39}", "a snapshot name ([a-zA-Z][a-zA-Z0-9_-]{1,39})"), null,
                    "Snapshot this state is based on (set by snapshot operations).", ApplyMode.METADATA),
            key("snaptime", new ValueFormat.Int(0, Long.MAX_VALUE), null, "Snapshot creation time (epoch seconds).", ApplyMode.METADATA),
            key("snapstate", new ValueFormat.Choice(List.of("prepare", "delete")), null,
                    "Snapshot in an unfinished state.", ApplyMode.METADATA),
            key("vmstate", text(VOLID, "a volume id STORAGE:VOLNAME"), null,
                    "Volume with a snapshot's saved RAM state (snapshot sections; containers do not write it).", ApplyMode.METADATA),
            key("env", text("\\w+=[^\\x00-\\x08\\x0a-\\x1f\\x7f]*(\\x00\\w+=[^\\x00-\\x08\\x0a-\\x1f\\x7f]*)*",
                    "NAME=VALUE entries separated by NUL characters"), null,
                    "Environment of the container's init, stored as one lxc.environment.runtime line per NAME=VALUE.",
                    ApplyMode.RESTART));

    /** The declaration of a concrete key ({@code mp10} -> the {@code mp[n]} declaration). */
    public static Optional<ConfigKey> lookup(String key) {
        for (ConfigKey k : KEYS) if (k.matches(key)) return Optional.of(k);
        return Optional.empty();
    }

    /**
     * Whether {@code key} belongs to the indexed family {@code family} ({@code mp}, {@code net}, {@code dev},
     * {@code unused}, ...) as declared here: the one place the key patterns live (index range included).
     */
    public static boolean inFamily(String family, String key) {
        if (!key.startsWith(family)) return false; // the common case on hot paths (start reads every key)
        ConfigKey k = FAMILIES.get(family);
        if (k == null) throw new IllegalArgumentException("'" + family + "' is not an indexed key family");
        return k.matches(key);
    }

    private static final java.util.Map<String, ConfigKey> FAMILIES = KEYS.stream().filter(ConfigKey::indexed)
            .collect(java.util.stream.Collectors.toUnmodifiableMap(ConfigKey::name, k -> k));

    /** Checks a value against its key; throws {@link ConfigValueException} naming what is allowed. */
    public static void check(String key, String value) {
        ConfigKey k = lookup(key).orElseThrow(() -> new ConfigValueException("unknown key '" + key + "'; see 'berth help' for the keys"));
        k.format().check(value);
    }
}
