package io.berth.lxc.host;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the LXC config renderer needs to know about the host. Probed once from /proc and /sys (no processes); tests
 * and golden files build it by hand.
 *
 * @param lxcVersion     LXC version such as {@code 5.0.2}, empty when it cannot be read
 * @param cgroupMode     legacy, hybrid or unified
 * @param v1Controllers  controllers mounted as cgroup v1 hierarchies (without named hierarchies such as name=systemd)
 * @param unifiedMount   where cgroup2 is mounted, if at all
 * @param v2Controllers  controllers enabled in the cgroup2 root ({@code cgroup.controllers})
 * @param cpus           cpus containers may use (cpuset effective cpus, else the online cpus), ascending
 * @param bridgeMtus     MTU of every bridge on the host by name
 * @param seccompNotify  whether the kernel supports {@code SECCOMP_RET_USER_NOTIF}
 * @param apparmor       whether AppArmor is enabled
 * @param kernelRelease  {@code uname -r}
 */
public record HostFacts(String lxcVersion, CgroupMode cgroupMode, Set<String> v1Controllers, Optional<Path> unifiedMount,
                        Set<String> v2Controllers, List<Integer> cpus, Map<String, Integer> bridgeMtus,
                        boolean seccompNotify, boolean apparmor, String kernelRelease, boolean lxcfs) {

    public HostFacts {
        v1Controllers = Collections.unmodifiableSet(new TreeSet<>(v1Controllers));
        v2Controllers = Collections.unmodifiableSet(new TreeSet<>(v2Controllers));
        cpus = List.copyOf(new TreeSet<>(cpus));
        bridgeMtus = Collections.unmodifiableMap(new TreeMap<>(bridgeMtus));
        if (cgroupMode == CgroupMode.UNIFIED && unifiedMount.isEmpty()) {
            throw new IllegalArgumentException("cgroup mode UNIFIED needs the cgroup2 mount path");
        }
    }

    /** The LXC major version, 0 when unknown. */
    public int lxcMajor() {
        int dot = lxcVersion.indexOf('.');
        try {
            return Integer.parseInt(dot < 0 ? lxcVersion : lxcVersion.substring(0, dot));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Whether LXC applies {@code lxc.cgroup2.*} keys on this host: only on a pure v2 host (LXC 5.0.2 logs "Ignoring cgroup2 limits on legacy cgroup system" otherwise). */
    public boolean usesCgroup2Keys() { return cgroupMode == CgroupMode.UNIFIED; }

    /** Probes the running host. */
    public static HostFacts probe() {
        return probe(Path.of("/"));
    }

    /** Probes a host whose /proc and /sys are found under {@code root} (tests may point at a fake tree). */
    static HostFacts probe(Path root) {
        Path mountinfo = root.resolve("proc/self/mountinfo");
        Set<String> v1 = new TreeSet<>();
        Path unified = null;
        Path cpusetV1 = null;
        boolean lxcfs = false;
        for (String line : readLines(mountinfo)) {
            // mountinfo: id parent maj:min root mountpoint opts [optional...] - fstype source superopts
            // (" - " is only ever the separator: a path's spaces are escaped); only cgroup and lxcfs mounts matter,
            // and berthd probes at every start, interpreted: the other lines are not split
            if (!line.contains(" - cgroup") && !line.contains(" - fuse.lxcfs ")) continue;
            int sep = line.indexOf(" - ");
            if (sep < 0) continue;
            String[] head = line.substring(0, sep).split(" ");
            String[] tail = line.substring(sep + 3).split(" ");
            if (head.length < 5 || tail.length < 3) continue;
            Path mountPoint = Path.of(unescape(head[4]));
            if (tail[0].equals("fuse.lxcfs")) lxcfs = true;
            if (tail[0].equals("cgroup2")) {
                if (unified == null) unified = mountPoint;
            } else if (tail[0].equals("cgroup")) {
                for (String opt : tail[2].split(",")) {
                    if (isControllerName(opt)) {
                        v1.add(opt);
                        if (opt.equals("cpuset")) cpusetV1 = mountPoint;
                    }
                }
            }
        }
        CgroupMode mode = v1.isEmpty() ? (unified != null ? CgroupMode.UNIFIED : CgroupMode.LEGACY)
                : (unified != null ? CgroupMode.HYBRID : CgroupMode.LEGACY);
        Set<String> v2 = new TreeSet<>();
        if (unified != null) {
            Path under = reroot(root, unified);
            v2.addAll(words(readFirstLine(under.resolve("cgroup.controllers"))));
        }
        List<Integer> cpus = List.of();
        if (cpusetV1 != null) cpus = parseCpuList(readFirstLine(reroot(root, cpusetV1).resolve("cpuset.effective_cpus")));
        if (cpus.isEmpty() && mode == CgroupMode.UNIFIED) {
            cpus = parseCpuList(readFirstLine(reroot(root, unified).resolve("cpuset.cpus.effective")));
        }
        if (cpus.isEmpty()) cpus = parseCpuList(readFirstLine(root.resolve("sys/devices/system/cpu/online")));

        Map<String, Integer> bridges = new TreeMap<>();
        Path net = root.resolve("sys/class/net");
        if (Files.isDirectory(net)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(net)) {
                for (Path dev : ds) {
                    if (!Files.isDirectory(dev.resolve("bridge"))) continue;
                    String mtu = readFirstLine(dev.resolve("mtu"));
                    if (!mtu.isEmpty()) bridges.put(dev.getFileName().toString(), Integer.parseInt(mtu));
                }
            } catch (IOException e) {
                // bridges vanish while we look: report what we saw
            }
        }
        Kernel k = Kernel.of(root);
        return new HostFacts(probeLxcVersion(root), mode, v1, Optional.ofNullable(unified), v2, cpus, bridges, k.seccompNotify(),
                k.apparmor(), k.release(), lxcfs);
    }

    /**
     * What only a reboot changes (the running kernel's release, its seccomp actions, whether AppArmor is enabled):
     * read once per process for the real host, as berthd probes at every start.
     */
    private record Kernel(boolean seccompNotify, boolean apparmor, String release) {
        private static volatile Kernel host;

        static Kernel of(Path root) {
            boolean real = root.equals(Path.of("/"));
            Kernel k = real ? host : null;
            if (k != null) return k;
            k = new Kernel(readFirstLine(root.resolve("proc/sys/kernel/seccomp/actions_avail")).contains("user_notif"),
                    readFirstLine(root.resolve("sys/module/apparmor/parameters/enabled")).startsWith("Y"),
                    readFirstLine(root.resolve("proc/sys/kernel/osrelease")));
            if (real && !k.release().isEmpty()) host = k;
            return k;
        }
    }

    private static final Pattern PC_VERSION = Pattern.compile("(?m)^Version:\\s*(\\S+)");

    /** From liblxc's pkg-config file (only a -dev package ships it), else from dpkg's database; no lxc-start --version is spawned. */
    private static String probeLxcVersion(Path root) {
        List<Path> candidates = new ArrayList<>();
        for (String dir : List.of("usr/lib/x86_64-linux-gnu/pkgconfig", "usr/lib/aarch64-linux-gnu/pkgconfig",
                "usr/lib64/pkgconfig", "usr/lib/pkgconfig", "usr/share/pkgconfig", "usr/local/lib/pkgconfig")) {
            candidates.add(root.resolve(dir).resolve("lxc.pc"));
        }
        for (Path pc : candidates) {
            try {
                if (!Files.isRegularFile(pc)) continue;
                Matcher m = PC_VERSION.matcher(Files.readString(pc));
                if (m.find()) return m.group(1);
            } catch (IOException e) {
                // try the next location
            }
        }
        return fromDpkgStatus(root.resolve("var/lib/dpkg/status"));
    }

    private static final Pattern DPKG_LXC = Pattern.compile("(?ms)^Package: lxc\\n(?:[^\\n]+\\n)*?Version: (?:\\d+:)?([0-9][0-9.]*)");

    /**
     * Without a -dev package there is no lxc.pc: the version of Debian's {@code lxc} package (epoch and Debian revision
     * dropped), which is what {@code lxc-start --version} prints, still without spawning it.
     */
    static String fromDpkgStatus(Path status) {
        try {
            if (!Files.isRegularFile(status)) return "";
            // the database is megabytes: berthd probes at every start, so read it again only when dpkg changed it
            String key = status + "@" + Files.getLastModifiedTime(status).toMillis();
            String[] cached = dpkgCache;
            if (cached != null && cached[0].equals(key)) return cached[1];
            Matcher m = DPKG_LXC.matcher(Files.readString(status, java.nio.charset.StandardCharsets.ISO_8859_1));
            String v = m.find() ? m.group(1) : "";
            dpkgCache = new String[] {key, v};
            return v;
        } catch (IOException | java.io.UncheckedIOException e) {
            return "";
        }
    }

    private static volatile String[] dpkgCache;

    /** Parses a kernel cpu list such as {@code 0-3,8,10-11}. */
    public static List<Integer> parseCpuList(String s) {
        List<Integer> out = new ArrayList<>();
        String t = s.strip();
        if (t.isEmpty()) return out;
        for (String part : t.split(",")) {
            int dash = part.indexOf('-');
            try {
                if (dash < 0) {
                    out.add(Integer.parseInt(part.strip()));
                } else {
                    int a = Integer.parseInt(part.substring(0, dash).strip());
                    int b = Integer.parseInt(part.substring(dash + 1).strip());
                    if (b < a) throw new IllegalArgumentException("cpu list '" + s + "': range " + part + " is reversed");
                    for (int i = a; i <= b; i++) out.add(i);
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("cpu list '" + s + "' is invalid: expected e.g. 0-3,8,10-11");
            }
        }
        return out;
    }

    private static boolean isControllerName(String opt) {
        return switch (opt) {
            case "cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "net_cls", "blkio", "perf_event",
                 "net_prio", "hugetlb", "pids", "rdma", "misc" -> true;
            default -> false;
        };
    }

    private static Path reroot(Path root, Path abs) {
        return root.resolve(abs.toString().substring(1));
    }

    private static String unescape(String s) {
        return s.indexOf('\\') < 0 ? s : s.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
    }

    private static List<String> words(String s) {
        String t = s.strip();
        return t.isEmpty() ? List.of() : List.of(t.split("\\s+"));
    }

    /**
     * The file's lines. Read whole and split here: berthd probes at every start and runs this interpreted, where
     * {@code Files.readAllLines} (a reader, a decoder, a line scanner) cost several times as much for mountinfo.
     * Bytes that are not UTF-8 (a mount point's name) are replaced instead of losing the whole file.
     */
    private static List<String> readLines(Path p) {
        String s;
        try {
            s = new String(Files.readAllBytes(p), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            return List.of();
        }
        List<String> lines = new ArrayList<>();
        int start = 0;
        for (int end; (end = s.indexOf('\n', start)) >= 0; start = end + 1) lines.add(s.substring(start, end));
        if (start < s.length()) lines.add(s.substring(start));
        return lines;
    }

    /** The first line, stripped; empty when the file cannot be read. */
    private static String readFirstLine(Path p) {
        try {
            String s = new String(Files.readAllBytes(p), java.nio.charset.StandardCharsets.UTF_8);
            int end = s.indexOf('\n');
            return (end < 0 ? s : s.substring(0, end)).strip();
        } catch (IOException e) {
            return "";
        }
    }
}
