package io.berth.guest;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Recognises the distribution, its version and the binaries' architecture from files in the rootfs. */
final class Detection {
    private Detection() {}

    /** Versions setup knows how to configure, per distribution, as shown in refusals. */
    static final Map<Distro, String> SUPPORTED = Map.ofEntries(
            Map.entry(Distro.DEBIAN, "Debian 4 to 13 (and testing/sid, treated as 14)"),
            Map.entry(Distro.DEVUAN, "Devuan 1.0 (jessie) to 6 (excalibur)"),
            Map.entry(Distro.UBUNTU, "Ubuntu 12.04 to 25.10 (YY.04 and YY.10 releases)"),
            Map.entry(Distro.ALPINE, "Alpine 3.0 to 3.23 and edge"),
            Map.entry(Distro.CENTOS, "CentOS/RHEL/Rocky/AlmaLinux/Oracle 6 to 10"),
            Map.entry(Distro.FEDORA, "Fedora 22 to 43"),
            Map.entry(Distro.OPENSUSE, "openSUSE Leap 15.x and 16.x, 42.x, and Tumbleweed"),
            Map.entry(Distro.ARCHLINUX, "Arch Linux (rolling)"),
            Map.entry(Distro.GENTOO, "Gentoo (rolling)"),
            Map.entry(Distro.NIXOS, "NixOS (any; setup leaves it to its own configuration)"),
            Map.entry(Distro.UNMANAGED, "anything (setup does nothing)"));

    private static final Map<String, String> DEBIAN_CODENAMES = Map.ofEntries(
            Map.entry("etch", "4"), Map.entry("lenny", "5"), Map.entry("squeeze", "6"), Map.entry("wheezy", "7"),
            Map.entry("jessie", "8"), Map.entry("stretch", "9"), Map.entry("buster", "10"),
            Map.entry("bullseye", "11"), Map.entry("bookworm", "12"), Map.entry("trixie", "13"),
            Map.entry("forky", "14"), Map.entry("sid", "14"));

    private static final Map<String, String> DEVUAN_CODENAMES = Map.of(
            "jessie", "1", "ascii", "2", "beowulf", "3", "chimaera", "4", "daedalus", "5", "excalibur", "6",
            "ceres", "6");

    /** Reads the rootfs; throws when it does not look like any known distribution. */
    static Detected detect(RootFs fs) {
        Optional<Arch> arch = arch(fs);
        Map<String, String> os = osRelease(fs);
        String id = os.getOrDefault("ID", "").toLowerCase();
        String versionId = os.getOrDefault("VERSION_ID", "");

        if (fs.existsInRoot("/etc/NIXOS") || id.equals("nixos")) {
            return new Detected(Distro.NIXOS, "nixos", versionId.isEmpty() ? "unknown" : versionId, arch);
        }
        if (id.equals("devuan") || fs.existsInRoot("/etc/devuan_version")) {
            String raw = firstLine(fs, "/etc/devuan_version").orElse(versionId);
            return new Detected(Distro.DEVUAN, "devuan", devuanVersion(raw), arch);
        }
        if (id.equals("ubuntu") || lsbId(fs).equals("Ubuntu")) {
            String v = versionId.isEmpty() ? lsbRelease(fs) : versionId;
            return new Detected(Distro.UBUNTU, "ubuntu", v, arch);
        }
        if (id.equals("debian") || (id.isEmpty() && fs.existsInRoot("/etc/debian_version"))) {
            String raw = firstLine(fs, "/etc/debian_version").orElse(versionId);
            return new Detected(Distro.DEBIAN, "debian", debianVersion(raw.isEmpty() ? versionId : raw), arch);
        }
        if (id.equals("alpine") || fs.existsInRoot("/etc/alpine-release")) {
            String raw = firstLine(fs, "/etc/alpine-release").orElse(versionId);
            return new Detected(Distro.ALPINE, "alpine", alpineVersion(raw), arch);
        }
        if (id.equals("arch") || id.equals("archlinux") || fs.existsInRoot("/etc/arch-release")) {
            return new Detected(Distro.ARCHLINUX, "arch", "rolling", arch);
        }
        if (id.equals("gentoo") || fs.existsInRoot("/etc/gentoo-release")) {
            return new Detected(Distro.GENTOO, "gentoo", "rolling", arch);
        }
        if (id.startsWith("opensuse") || id.equals("sles") || id.equals("sled")
                || fs.existsInRoot("/etc/SuSE-release")) {
            if (id.equals("opensuse-tumbleweed") || id.equals("opensuse-slowroll")) {
                return new Detected(Distro.OPENSUSE, id, "tumbleweed", arch);
            }
            String v = versionId;
            if (v.isEmpty()) {
                v = fs.readTextInRoot("/etc/SuSE-release").flatMap(t -> find(t, "VERSION\\s*=\\s*([0-9.]+)"))
                        .orElse("");
            }
            return new Detected(Distro.OPENSUSE, id.isEmpty() ? "opensuse" : id, v, arch);
        }
        if (id.equals("fedora") || fs.existsInRoot("/etc/fedora-release")) {
            String v = versionId.isEmpty()
                    ? fs.readTextInRoot("/etc/fedora-release").flatMap(t -> find(t, "release (\\d+)")).orElse("")
                    : versionId;
            return new Detected(Distro.FEDORA, "fedora", v, arch);
        }
        if (Set.of("centos", "rocky", "almalinux", "rhel", "ol", "scientific", "cloudlinux").contains(id)
                || fs.existsInRoot("/etc/redhat-release") || fs.existsInRoot("/etc/centos-release")) {
            String v = versionId;
            if (v.isEmpty()) {
                v = fs.readTextInRoot("/etc/redhat-release").or(() -> fs.readTextInRoot("/etc/centos-release"))
                        .flatMap(t -> find(t, "release (\\d+(?:\\.\\d+)?)")).orElse("");
            }
            return new Detected(Distro.CENTOS, id.isEmpty() ? "centos" : id, v, arch);
        }
        throw new GuestSetupException("cannot detect the distribution of " + fs.root()
                + " (no known /etc/os-release ID and none of /etc/debian_version, /etc/alpine-release,"
                + " /etc/redhat-release, /etc/fedora-release, /etc/arch-release, /etc/gentoo-release,"
                + " /etc/SuSE-release, /etc/NIXOS); set ostype to 'unmanaged' to skip guest setup");
    }

    /** Refuses versions setup does not know; returns the major version number where it matters. */
    static void requireSupported(Detected d) {
        String v = d.version();
        boolean ok = switch (d.distro()) {
            case DEBIAN -> inRange(major(v), 4, 14);
            case DEVUAN -> inRange(major(v), 1, 6);
            case UBUNTU -> v.matches("\\d{2}\\.(04|10)") && inRange(major(v), 12, 25);
            case ALPINE -> v.equals("edge") || (v.matches("3\\.\\d+") && inRange(minor(v), 0, 23));
            case CENTOS -> inRange(major(v), 6, 10);
            case FEDORA -> inRange(major(v), 22, 43);
            case OPENSUSE -> v.equals("tumbleweed") || v.matches("(15|16)\\.\\d+") || v.matches("42\\.\\d+");
            case ARCHLINUX, GENTOO, NIXOS, UNMANAGED -> true;
        };
        if (!ok) {
            throw new GuestSetupException("unsupported " + d.distro().ostype() + " version '" + v + "' ("
                    + d.id() + ") in container rootfs; supported: " + SUPPORTED.get(d.distro())
                    + ". Set ostype to 'unmanaged' to skip guest setup");
        }
    }

    static int major(String v) {
        Matcher m = Pattern.compile("^(\\d+)").matcher(v);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    private static int minor(String v) {
        Matcher m = Pattern.compile("^\\d+\\.(\\d+)").matcher(v);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    private static boolean inRange(int x, int lo, int hi) {
        return x >= lo && x <= hi;
    }

    /** {@code 12.5} -> 12, {@code bookworm/sid} -> 12, {@code 7.11} -> 7. */
    static String debianVersion(String raw) {
        String r = raw.strip();
        if (r.matches("\\d+(\\.\\d+)*")) {
            return Integer.toString(major(r));
        }
        String code = r.split("/")[0].toLowerCase();
        return DEBIAN_CODENAMES.getOrDefault(code, r);
    }

    static String devuanVersion(String raw) {
        String r = raw.strip();
        if (r.matches("\\d+(\\.\\d+)*")) {
            return Integer.toString(major(r));
        }
        return DEVUAN_CODENAMES.getOrDefault(r.split("/")[0].toLowerCase(), r);
    }

    /** {@code 3.19.1} -> 3.19; {@code 3.20_alpha20240329} (edge) -> edge. */
    static String alpineVersion(String raw) {
        String r = raw.strip();
        if (r.contains("_alpha") || r.contains("_rc") || r.equals("edge")) {
            return "edge";
        }
        Matcher m = Pattern.compile("^(\\d+\\.\\d+)").matcher(r);
        return m.find() ? m.group(1) : r;
    }

    /** /etc/os-release, falling back to /usr/lib/os-release, parsed per os-release(5). */
    static Map<String, String> osRelease(RootFs fs) {
        Optional<String> text = fs.readTextInRoot("/etc/os-release")
                .or(() -> fs.readTextInRoot("/usr/lib/os-release"));
        Map<String, String> out = new LinkedHashMap<>();
        text.ifPresent(t -> {
            for (String line : t.split("\n")) {
                String l = line.strip();
                int eq = l.indexOf('=');
                if (l.startsWith("#") || eq <= 0) {
                    continue;
                }
                String val = l.substring(eq + 1).strip();
                if (val.length() >= 2 && (val.startsWith("\"") && val.endsWith("\"")
                        || val.startsWith("'") && val.endsWith("'"))) {
                    val = val.substring(1, val.length() - 1);
                }
                out.put(l.substring(0, eq).strip(), val.replace("\\\"", "\"").replace("\\\\", "\\"));
            }
        });
        return out;
    }

    private static String lsbId(RootFs fs) {
        return fs.readTextInRoot("/etc/lsb-release").flatMap(t -> find(t, "(?m)^DISTRIB_ID=\"?([^\"\\n]*)"))
                .orElse("");
    }

    private static String lsbRelease(RootFs fs) {
        return fs.readTextInRoot("/etc/lsb-release")
                .flatMap(t -> find(t, "(?m)^DISTRIB_RELEASE=\"?([^\"\\n]*)")).orElse("");
    }

    private static Optional<String> firstLine(RootFs fs, String path) {
        return fs.readTextInRoot(path).map(t -> t.split("\n", 2)[0].strip()).filter(s -> !s.isEmpty());
    }

    private static Optional<String> find(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        return m.find() ? Optional.of(m.group(1).strip()) : Optional.empty();
    }

    // ---------------------------------------------------------------- arch

    private static final List<String> ARCH_PROBES = List.of("/bin/sh", "/sbin/init", "/bin/busybox",
            "/usr/bin/busybox", "/bin/bash", "/usr/bin/env", "/bin/ls");

    static Optional<Arch> arch(RootFs fs) {
        for (String p : ARCH_PROBES) {
            Optional<Arch> a = fs.readInRoot(p, 64).flatMap(Detection::elfArch);
            if (a.isPresent()) {
                return a;
            }
        }
        return Optional.empty();
    }

    /** Architecture from an ELF header: class (EI_CLASS), byte order (EI_DATA) and e_machine. */
    static Optional<Arch> elfArch(byte[] h) {
        if (h.length < 20 || h[0] != 0x7f || h[1] != 'E' || h[2] != 'L' || h[3] != 'F') {
            return Optional.empty();
        }
        boolean is64 = h[4] == 2;
        boolean little = h[5] == 1;
        int machine = little ? (h[18] & 0xff) | (h[19] & 0xff) << 8 : (h[19] & 0xff) | (h[18] & 0xff) << 8;
        return switch (machine) {
            case 0x3e -> Optional.of(Arch.AMD64);
            case 0x03 -> Optional.of(Arch.I386);
            case 0xb7 -> Optional.of(Arch.ARM64);
            case 0x28 -> Optional.of(Arch.ARMHF);
            case 0xf3 -> is64 ? Optional.of(Arch.RISCV64) : Optional.empty();
            case 0x15 -> is64 && little ? Optional.of(Arch.PPC64EL) : Optional.empty();
            case 0x16 -> is64 ? Optional.of(Arch.S390X) : Optional.empty();
            default -> Optional.empty();
        };
    }
}
