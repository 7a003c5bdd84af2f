package io.berth.guest;

import io.berth.config.ContainerConfig;
import io.berth.config.Schema;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Configures a guest from its config, in the distribution's own files and only inside the rootfs, doing what
 * Proxmox's setup does for the same distribution (see {@code SetupDistros}), so a container moves between a Proxmox
 * host and Berth with the same guest files. Running it twice gives the same files; a file with
 * {@code .pve-ignore.NAME} next to it is left alone.
 */
public final class GuestSetup {
    private GuestSetup() {}

    /** Detects distribution, version and architecture of the rootfs (read-only); refuses what setup cannot handle. */
    public static Detected detect(Path rootfs) {
        try (RootFs fs = new RootFs(rootfs, 0, 0)) {
            CtFiles files = new CtFiles(fs);
            Map<String, String> os = osRelease(files);
            String type = autodetect(files, os, new ArrayList<>());
            SetupBase plugin = plugin(type, files, ContainerConfig.empty(), context(ContainerConfig.empty(), HostEnv.none()), os,
                    new ArrayList<>());
            return detected(plugin, os, fs);
        }
    }

    /** {@link #apply(Path, GuestSpec, Phase, HostEnv)} with this machine's {@link HostEnv#system()}. */
    public static SetupReport apply(Path rootfs, GuestSpec spec, Phase phase) {
        return apply(rootfs, spec, phase, HostEnv.system());
    }

    /**
     * Writes what {@code phase} covers. Throws {@link GuestSetupException} when the distribution cannot be detected
     * or its version is not supported (as Proxmox refuses it), or a file setup needs is missing.
     */
    public static SetupReport apply(Path rootfs, GuestSpec spec, Phase phase, HostEnv host) {
        try (RootFs fs = new RootFs(rootfs, spec.rootUid(), spec.rootGid())) {
            CtFiles files = new CtFiles(fs);
            List<String> warnings = new ArrayList<>();
            Map<String, String> os = osRelease(files);
            String configured = spec.conf().get("ostype").orElse("");
            String type;
            if (configured.equals("unmanaged")) {
                type = "unmanaged";
            } else {
                type = autodetect(files, os, warnings);
                String expected = configured.isEmpty() ? type : configured;
                if (!type.equals(expected)) {
                    if (!files.exists("/etc")) {
                        warnings.add("/etc not present in the container, is the rootfs mounted?");
                    }
                    warnings.add("got unexpected ostype (" + type + " != " + expected + ")");
                }
            }
            SetupBase plugin = plugin(type, files, spec.conf(), context(spec.conf(), host), os, warnings);
            switch (phase) {
                case CREATE -> {
                    plugin.postCreate(spec.rootPassword(), spec.sshKeys());
                    plugin.rewriteSshHostKeys();
                }
                case PRE_START -> plugin.preStart();
                case NETWORK_CHANGE -> plugin.setupNetwork();
                case HOSTNAME_CHANGE -> plugin.setHostname();
                case DNS_CHANGE -> plugin.setDns();
            }
            warnings.addAll(files.warnings());
            return new SetupReport(detected(plugin, os, fs), files.changed(), files.skipped(), warnings);
        }
    }

    private static Detected detected(SetupBase plugin, Map<String, String> os, RootFs fs) {
        Distro distro = Distro.UNMANAGED;
        for (Distro d : Distro.values()) {
            if (d.ostype().equals(plugin.ostype())) {
                distro = d;
            }
        }
        String id = os.getOrDefault("ID", plugin.ostype());
        return new Detected(distro, id, plugin.version(), Detection.arch(fs));
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String SALT_CHARS = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    private static SetupContext context(ContainerConfig conf, HostEnv host) {
        StringBuilder salt = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            salt.append(SALT_CHARS.charAt(RANDOM.nextInt(SALT_CHARS.length())));
        }
        StringBuilder seed = new StringBuilder(conf.get("hostname").orElse(""));
        conf.values().forEach((k, v) -> {
            if (Schema.inFamily("net", k)) {
                Matcher m = HWADDR.matcher(v);
                seed.append('\0').append(k).append('=').append(m.find() ? m.group(1) : "");
            }
        });
        return new SetupContext(host.readResolvConf(), host.timezone(), host.sshKeygen(),
                LocalDate.now(ZoneOffset.UTC).toEpochDay(), salt.toString(), seed.toString());
    }

    // ---------------------------------------------------------------- detection, as Proxmox's Setup.pm

    private static final Set<String> PLUGINS = Set.of("alpine", "archlinux", "centos", "debian", "devuan", "fedora", "gentoo",
            "openeuler", "opensuse", "ubuntu", "nixos", "unmanaged");
    private static final Map<String, String> ALIASES = Map.of("opensuse-leap", "opensuse", "opensuse-tumbleweed", "opensuse",
            "opensuse-slowroll", "opensuse", "openEuler", "openeuler", "arch", "archlinux", "sles", "opensuse", "rocky", "centos",
            "almalinux", "centos");

    static String autodetect(CtFiles fs, Map<String, String> os, List<String> warnings) {
        String id = os.get("ID");
        if (id != null && !id.isEmpty()) {
            if (PLUGINS.contains(id)) {
                return id;
            }
            if (ALIASES.containsKey(id)) {
                return ALIASES.get(id);
            }
            warnings.add("unknown ID '" + id + "' in /etc/os-release file, trying fallback detection");
        }
        if (fs.fileExists("/etc/lsb-release")
                && UBUNTU_LSB.matcher(fs.get("/etc/lsb-release")).find()) {
            return "ubuntu";
        }
        if (fs.fileExists("/etc/debian_version")) {
            return "debian";
        } else if (fs.fileExists("/etc/devuan_version")) {
            return "devuan";
        } else if (fs.fileExists("/etc/SuSE-brand") || fs.fileExists("/etc/SuSE-release")) {
            return "opensuse";
        } else if (fs.fileExists("/etc/fedora-release")) {
            return "fedora";
        } else if (fs.fileExists("/etc/centos-release") || fs.fileExists("/etc/redhat-release")) {
            return "centos";
        } else if (fs.fileExists("/etc/arch-release")) {
            return "archlinux";
        } else if (fs.fileExists("/etc/alpine-release")) {
            return "alpine";
        } else if (fs.fileExists("/etc/gentoo-release")) {
            return "gentoo";
        } else if (fs.isDirectory("/nix/store")) {
            return "nixos";
        } else if (fs.fileExists("/etc/openEuler-release")) {
            return "openeuler";
        } else if (fs.fileExists("/etc/os-release")) {
            throw new GuestSetupException("unable to detect OS distribution of " + fs.rootFs().root() + " (/etc/os-release ID '"
                    + id + "' is not one of " + new java.util.TreeSet<>(PLUGINS) + " and no release file matched); set "
                    + "ostype to 'unmanaged' to skip guest setup");
        }
        warnings.add("/etc/os-release file not found and autodetection failed, falling back to 'unmanaged'");
        return "unmanaged";
    }

    static SetupBase plugin(String type, CtFiles fs, ContainerConfig conf, SetupContext ctx, Map<String, String> os,
                            List<String> warnings) {
        return switch (type) {
            case "debian" -> SetupDistros.Debian.create(fs, conf, ctx, warnings);
            case "devuan" -> SetupDistros.Devuan.create(fs, conf, ctx);
            case "ubuntu" -> SetupDistros.Ubuntu.create(fs, conf, ctx, warnings);
            case "alpine" -> new SetupDistros.Alpine(fs, conf, ctx);
            case "centos" -> SetupDistros.CentOS.create(fs, conf, ctx);
            case "fedora" -> SetupDistros.Fedora.create(fs, conf, ctx, os);
            case "openeuler" -> SetupDistros.OpenEuler.create(fs, conf, ctx, os);
            case "opensuse" -> SetupDistros.Suse.create(fs, conf, ctx, os);
            case "archlinux" -> new SetupDistros.Arch(fs, conf, ctx);
            case "gentoo" -> SetupDistros.Gentoo.create(fs, conf, ctx);
            case "nixos" -> new SetupDistros.NixOS(fs, conf, ctx);
            case "unmanaged" -> new SetupDistros.Unmanaged(fs, conf, ctx);
            default -> throw new GuestSetupException("no such OS type '" + type + "'");
        };
    }

    private static final Pattern OS_LINE = Pattern.compile("^\\s*([a-zA-Z_][a-zA-Z0-9_]*)=(.*)$");
    // compiled once: os-release is read two or three times per create, each line through these (interpreted in berthd)
    private static final Pattern SINGLE_QUOTED = Pattern.compile("^'([^']*)'");
    private static final Pattern DOUBLE_QUOTED = Pattern.compile("^\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern BARE = Pattern.compile("^([A-Za-z0-9]*)");
    private static final Pattern UBUNTU_LSB = Pattern.compile("(?mi)^DISTRIB_ID=Ubuntu$");
    private static final Pattern HWADDR = Pattern.compile("hwaddr=([^,]+)");

    /** /etc/os-release (else /usr/lib/os-release) read as os-release(5) says. */
    static Map<String, String> osRelease(CtFiles fs) {
        Optional<String> text = fs.fileExists("/etc/os-release") ? fs.read("/etc/os-release")
                : fs.fileExists("/usr/lib/os-release") ? fs.read("/usr/lib/os-release") : Optional.empty();
        Map<String, String> out = new LinkedHashMap<>();
        if (text.isEmpty()) {
            return out;
        }
        for (String line : text.get().split("\n")) {
            Matcher m = OS_LINE.matcher(line);
            if (line.isEmpty() || !m.matches()) {
                continue;
            }
            String content = m.group(2);
            Matcher q;
            if ((q = SINGLE_QUOTED.matcher(content)).find()) {
                out.put(m.group(1), q.group(1));
            } else if ((q = DOUBLE_QUOTED.matcher(content)).find()) {
                out.put(m.group(1), unescape(q.group(1)));
            } else if ((q = BARE.matcher(content)).find()) {
                out.put(m.group(1), q.group(1));
            }
        }
        return out;
    }

    private static String unescape(String s) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length() && "\"'`nt$\\".indexOf(s.charAt(i + 1)) >= 0) {
                char n = s.charAt(++i);
                out.append(n == 'n' ? '\n' : n == 't' ? '\t' : n);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
