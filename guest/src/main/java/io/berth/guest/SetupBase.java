package io.berth.guest;

import io.berth.config.ContainerConfig;
import io.berth.config.NetConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Guest setup common to all distributions, following Proxmox's {@code PVE::LXC::Setup::Base}: /etc/hosts,
 * /etc/hostname, resolv.conf, timezone, root password and SSH keys, securetty, systemd presets and
 * container-getty units, systemd-networkd files, the create-time clean-ups (machine-id, cron minutes). A subclass
 * per distribution overrides what differs, as Proxmox's plugins do.
 */
abstract class SetupBase {
    final CtFiles fs;
    final ContainerConfig conf;
    final SetupContext ctx;

    SetupBase(CtFiles fs, ContainerConfig conf, SetupContext ctx) {
        this.fs = fs;
        this.conf = conf;
        this.ctx = ctx;
    }

    /** The ostype this plugin configures (what Proxmox stores back into the config). */
    abstract String ostype();

    /** The version as setup compares it. */
    abstract String version();

    // ---------------------------------------------------------------- hooks

    void preStart() {
        fs.set("/fastboot", "");
        setupInit();
        setupNetwork();
        setHostname();
        setDns();
        setTimezone();
    }

    void postCreate(Optional<String> rootPassword, Optional<String> sshKeys) {
        clearMachineId();
        snakeoilFixup();
        templateFixup();
        randomizeCrontab();
        setUserPassword("root", rootPassword);
        sshKeys.filter(k -> !k.isEmpty()).ifPresent(k -> setUserAuthorizedSshKeys("root", k));
        setupInit();
        setupNetwork();
        setHostname();
        setDns();
        setTimezone();
    }

    void templateFixup() {}

    void snakeoilFixup() {}

    abstract void setupInit();

    abstract void setupNetwork();

    /** SSH host key types generated at create, with their file names; empty for none. */
    Map<String, String> sshHostKeyTypes() {
        return Map.of("rsa", "ssh_host_rsa_key", "ecdsa", "ssh_host_ecdsa_key", "ed25519", "ssh_host_ed25519_key");
    }

    // ---------------------------------------------------------------- config views

    SortedMap<Integer, NetConfig> nets() {
        return conf.nets();
    }

    int ttyCount() {
        return conf.tty();
    }

    /** ttys live in /dev/lxc/ for privileged containers; several distributions cannot cope with it. */
    String devttydir() {
        return conf.unprivileged() ? "" : "lxc/";
    }

    /** The config's DNS, else the host's (first three nameservers, the search line). */
    record Dns(String searchdomains, String nameserver) {}

    Dns lookupDns() {
        String ns = conf.nameserver().orElse(null);
        String search = conf.searchdomain().orElse(null);
        HostResolv host = HostResolv.parse(ctx.hostResolvConf());
        if (ns == null) {
            ns = String.join(" ", host.nameservers());
        }
        if (search == null) {
            search = host.search().orElse(null);
        }
        return new Dns(search, ns);
    }

    /** Proxmox's reading of the host's resolv.conf. */
    record HostResolv(Optional<String> search, List<String> nameservers) {
        private static final Pattern SEARCH = Pattern.compile("^(search|domain)\\s+(\\S+)\\s*.*");
        private static final Pattern NS = Pattern.compile("^\\s*nameserver\\s+([0-9a-fA-F.:]+)\\s*.*");

        static HostResolv parse(String text) {
            Optional<String> search = Optional.empty();
            List<String> ns = new ArrayList<>();
            for (String line : PerlText.lines(text)) {
                Matcher m = SEARCH.matcher(line);
                if (m.matches()) {
                    search = Optional.of(m.group(2));
                    continue;
                }
                m = NS.matcher(line);
                if (m.matches() && ns.size() < 3) {
                    ns.add(m.group(1));
                }
            }
            return new HostResolv(search, ns);
        }
    }

    /** The addresses of net0 without prefix length, if static. */
    record PrimaryIps(Optional<String> ipv4, Optional<String> ipv6) {}

    PrimaryIps primaryIps() {
        NetConfig n = nets().get(0);
        if (n == null) {
            return new PrimaryIps(Optional.empty(), Optional.empty());
        }
        Optional<String> v4 = n.ip().filter(ip -> !ip.equals("dhcp") && !ip.equals("manual")).map(ip -> ip.replaceFirst("/\\d+$", ""));
        Optional<String> v6 = n.ip6().filter(ip -> !ip.equals("auto") && !ip.equals("dhcp") && !ip.equals("manual"))
                .map(ip -> ip.replaceFirst("/\\d+$", ""));
        return new PrimaryIps(v4, v6);
    }

    // ---------------------------------------------------------------- hostname, hosts, DNS

    void setHostname() {
        String hostname = conf.hostname().orElse("localhost");
        String namepart = hostname.replaceFirst("\\..*$", "");
        PrimaryIps ips = primaryIps();
        updateEtcHosts(ips.ipv4().or(ips::ipv6), hostname, lookupDns().searchdomains());
        fs.set("/etc/hostname", namepart + "\n");
    }

    void updateEtcHosts(Optional<String> hostip, String newname, String searchdomains) {
        String hostsFn = "/etc/hosts";
        if (fs.ignored(hostsFn)) {
            return;
        }
        String namepart = newname.replaceFirst("\\..*$", "");
        StringBuilder allNames = new StringBuilder();
        if (newname.contains(".")) {
            allNames.append(newname).append(' ').append(namepart);
        } else {
            for (String domain : PerlText.splitList(searchdomains)) {
                if (!allNames.isEmpty()) {
                    allNames.append(' ');
                }
                allNames.append(newname).append('.').append(domain);
            }
            if (!allNames.isEmpty()) {
                allNames.append(' ');
            }
            allNames.append(newname);
        }
        StringBuilder section = new StringBuilder();
        String lo4 = "127.0.0.1 localhost.localnet localhost\n";
        String lo6 = "::1 localhost.localnet localhost\n";
        if (fs.fileExists(hostsFn)) {
            String data = removePveSections(fs.get(hostsFn));
            if (!Pattern.compile("^[ \\t]*127\\.0\\.0\\.1[ \\t]+", Pattern.MULTILINE).matcher(data).find()) {
                section.append(lo4);
            }
            if (!Pattern.compile("^[ \\t]*::1[ \\t]+", Pattern.MULTILINE).matcher(data).find()) {
                section.append(lo6);
            }
        } else {
            section.append(lo4).append(lo6);
        }
        if (hostip.isPresent()) {
            section.append(hostip.get()).append(' ').append(allNames).append('\n');
        } else if (!namepart.equals("localhost")) {
            section.append("127.0.1.1 ").append(allNames).append('\n');
        } else {
            section.append("127.0.1.1 ").append(namepart).append('\n');
        }
        fs.modify(hostsFn, section.toString());
    }

    /** The text without Proxmox's marked blocks (from the first begin marker to the last end marker). */
    static String removePveSections(String data) {
        return Pattern.compile("^[ \\t]*" + Pattern.quote(CtFiles.BEGIN) + ".*^[ \\t]*" + Pattern.quote(CtFiles.END) + ".*?$",
                Pattern.MULTILINE | Pattern.DOTALL).matcher(data).replaceAll("");
    }

    void setDns() {
        Dns dns = lookupDns();
        StringBuilder data = new StringBuilder();
        if (PerlText.truthy(dns.searchdomains())) {
            data.append("search ").append(String.join(" ", PerlText.splitList(dns.searchdomains()))).append('\n');
        }
        for (String ns : PerlText.splitList(dns.nameserver())) {
            data.append("nameserver ").append(ns).append('\n');
        }
        fs.modify("/etc/resolv.conf", data.toString(), CtFiles.ModifyMode.REPLACE, false, 0644);
    }

    // ---------------------------------------------------------------- timezone

    void setTimezone() {
        Optional<String> zoneinfo = conf.timezone();
        if (zoneinfo.isEmpty()) {
            return;
        }
        String tz = zoneinfo.get();
        String zone = tz.equals("host") ? ctx.hostTimezone().orElse(null) : tz;
        if (zone == null) {
            fs.warn("timezone 'host': the host's time zone is unknown; /etc/localtime left unchanged");
            return;
        }
        String tzPath = "/usr/share/zoneinfo/" + zone;
        if (fs.fileExists(tzPath)) {
            // as Proxmox: only when /etc/localtime does not already lead to that zone file (a relative link may)
            Optional<String> now = fs.rootFs().canonicalInRoot("/etc/localtime");
            if (now.isEmpty() || !now.equals(fs.rootFs().canonicalInRoot(tzPath))) {
                fs.replaceWithSymlink(tzPath, "/etc/localtime");
            }
            if (fs.fileExists("/etc/timezone")) {
                fs.set("/etc/timezone", zone + "\n");
            }
        } else {
            fs.warn("container does not have " + tzPath + ", timezone can not be modified");
        }
    }

    // ---------------------------------------------------------------- init: ttys, getty, presets

    String systemdUnitDir() {
        return fs.isExecutable("/lib/systemd/systemd") ? "/lib/systemd/system" : "/usr/lib/systemd/system";
    }

    /** systemd older than container-getty needs getty@ to run without /dev/tty0 (and back once it has one). */
    void fixupOldGetty() {
        String dir = systemdUnitDir();
        String getty = dir + "/getty@.service";
        if (!fs.fileExists(getty)) {
            return;
        }
        String raw = fs.get(getty);
        if (!fs.fileExists(dir + "/container-getty@.service")) {
            String changed = raw.replaceFirst("(?m)^ConditionPathExists=/dev/tty0$", "ConditionPathExists=/dev/tty");
            if (!changed.equals(raw)) {
                fs.set(getty, changed);
            }
        } else {
            String changed = raw.replaceFirst("(?m)^ConditionPathExists=/dev/tty$", "ConditionPathExists=/dev/tty0");
            if (!changed.equals(raw)) {
                fs.set(getty, changed);
            }
        }
    }

    /** Enables container-getty@N (or getty@ttyN) for the configured number of ttys, and nothing else. */
    void setupContainerGettyService() {
        String sdDir = systemdUnitDir();
        String templateBase = "container-getty@";
        String templatePath = sdDir + "/" + templateBase + ".service";
        String instanceBase = templateBase;
        if (!fs.fileExists(templatePath)) {
            // Proxmox's fallback looks for the template relative to the container's / (where it never is)
            templateBase = "getty@";
            templatePath = templateBase + ".service";
            instanceBase = "{" + templateBase + "}tty";
            if (!fs.fileExists("/" + templatePath)) {
                return;
            }
            templatePath = "/" + templatePath;
        }
        String raw = fs.get(templatePath);
        String ttyname = devttydir() + "tty%I";
        String changed = raw.replaceAll("pts/%I|lxc/tty%I", Matcher.quoteReplacement(ttyname));
        if (!changed.equals(raw)) {
            fs.set(templatePath, changed);
        }
        String wants = "/etc/systemd/system/getty.target.wants/";
        int ttycount = ttyCount();
        for (int i = 1; i < 7; i++) {
            // never two gettys on one tty; a link that already is the wanted one stays (same result, no churn)
            String wanted = i <= ttycount ? instanceBase + i + ".service" : null;
            for (String name : List.of("getty@tty" + i + ".service", "container-getty@" + i + ".service")) {
                String link = wants + name;
                if (!(name.equals(wanted) && fs.readlink(link).filter(templatePath::equals).isPresent())) {
                    fs.unlink(link);
                }
            }
            if (wanted != null) {
                fs.symlink(templatePath, wants + wanted);
            }
        }
        fs.unlink("/etc/systemd/system/getty.target");
    }

    /** First-boot presets: units that cannot work in a container disabled, container-getty enabled. */
    void setupSystemdPreset(Map<String, Boolean> extra) {
        TreeMap<String, Boolean> preset = new TreeMap<>();
        preset.put("sys-kernel-config.mount", false);
        preset.put("sys-kernel-debug.mount", false);
        preset.put("getty@.service", false);
        preset.put("container-getty@.service", true);
        preset.putAll(extra);
        StringBuilder data = new StringBuilder("# Added by PVE at create-time for first-boot configuration.\n");
        preset.forEach((service, on) -> data.append(on ? "enable " : "disable ").append(service).append('\n'));
        fs.makePath("/etc/systemd/system-preset");
        fs.set("/etc/systemd/system-preset/00-pve.preset", data.toString());
    }

    /** Static units a preset cannot disable are masked. */
    void setupSystemdDisableStaticUnits(List<String> extra) {
        List<String> units = new ArrayList<>(List.of("sys-kernel-config.mount", "sys-kernel-debug.mount"));
        units.addAll(extra);
        for (String unit : units) {
            if (!fs.fileExists("/etc/systemd/system/" + unit)) {
                fs.symlink("/dev/null", "/etc/systemd/system/" + unit);
            }
        }
    }

    /** Lets root log in on the console and the first ttys where /etc/securetty restricts it. */
    void setupSecuretty(List<String> add) {
        String filename = "/etc/securetty";
        if (!fs.fileExists(filename)) {
            return;
        }
        List<String> devs = add;
        if (devs.isEmpty()) {
            String dir = devttydir();
            devs = Stream.of("console", "tty1", "tty2", "tty3", "tty4").map(d -> dir + d).toList();
        }
        String data = PerlText.chomp(fs.get(filename)) + "\n";
        StringBuilder sb = new StringBuilder(data);
        for (String dev : devs) {
            if (!Pattern.compile("^" + Pattern.quote(dev) + "\\s*$", Pattern.MULTILINE).matcher(sb).find()) {
                sb.append(dev).append('\n');
            }
        }
        fs.set(filename, sb.toString());
    }

    // ---------------------------------------------------------------- systemd-networkd

    void setupSystemdNetworkd() {
        for (NetConfig d : nets().values()) {
            String filename = "/etc/systemd/network/" + d.name() + ".network";
            StringBuilder data = new StringBuilder("[Match]\nName = " + d.name() + "\n\n[Network]\nDescription = Interface "
                    + d.name() + " autoconfigured by PVE\n");
            StringBuilder routes = new StringBuilder();
            boolean hasIpv4 = false;
            boolean hasIpv6 = false;
            int dhcp = 0;
            String acceptRa = "false";
            if (d.ip().isPresent()) {
                String ip = d.ip().get();
                if (ip.equals("dhcp")) {
                    dhcp |= 1;
                } else if (!ip.equals("manual")) {
                    hasIpv4 = true;
                    data.append("Address = ").append(ip).append('\n');
                }
            }
            if (d.gw().isPresent()) {
                String gw = d.gw().get();
                data.append("Gateway = ").append(gw).append('\n');
                if (hasIpv4 && !PveNet.inCidr(gw, d.ip().get(), 4)) {
                    routes.append("\n[Route]\nDestination = ").append(gw).append("/32\nScope = link\n");
                }
            }
            if (d.ip6().isPresent()) {
                String ip = d.ip6().get();
                if (ip.equals("dhcp")) {
                    dhcp |= 2;
                    acceptRa = "true";
                } else if (ip.equals("auto")) {
                    acceptRa = "true";
                } else if (!ip.equals("manual")) {
                    hasIpv6 = true;
                    data.append("Address = ").append(ip).append('\n');
                }
            }
            if (d.gw6().isPresent()) {
                String gw = d.gw6().get();
                acceptRa = "false";
                data.append("Gateway = ").append(gw).append('\n');
                if (hasIpv6 && !PveNet.inCidr(gw, d.ip6().get(), 6) && !PveNet.inCidr(gw, "fe80::/10", 6)) {
                    routes.append("\n[Route]\nDestination = ").append(gw).append("/128\nScope = link\n");
                }
            }
            data.append("DHCP = ").append(List.of("no", "ipv4", "ipv6", "yes").get(dhcp)).append('\n');
            data.append("IPv6AcceptRA = ").append(acceptRa).append('\n');
            data.append(routes);
            fs.makePath("/etc/systemd/network");
            fs.set(filename, data.toString());
        }
    }

    // ---------------------------------------------------------------- create-time

    void clearMachineId() {
        boolean systemd = fs.isExecutable("/lib/systemd/systemd") || fs.isExecutable("/usr/lib/systemd/systemd");
        String dbus = "/var/lib/dbus/machine-id";
        if (fs.fileExists(dbus) && !fs.isSymlink(dbus) && systemd) {
            fs.unlink(dbus);
        }
        if (fs.fileExists("/etc/machine-id")) {
            fs.unlink("/etc/machine-id");
        }
    }

    private static final Pattern ROOT_CRON = Pattern.compile("^\\d+(\\s+\\S+\\s+\\S+\\s+\\S+\\s+\\S+\\s+root\\s+\\S.*)$");

    /**
     * Spreads the minute of root's cron jobs so containers from one template do not all run them at once. The
     * minute is drawn from a generator seeded by the container (its hostname and MAC addresses) and the file, so
     * running setup again gives the same minutes.
     */
    void randomizeCrontab() {
        List<String> files = new ArrayList<>();
        if (fs.fileExists("/etc/crontab")) {
            files.add("/etc/crontab");
        }
        for (String name : fs.list("/etc/cron.d")) {
            if (name.matches("[A-Z\\-_a-z0-9]+") && fs.fileExists("/etc/cron.d/" + name)) {
                files.add("/etc/cron.d/" + name);
            }
        }
        for (String filename : files) {
            Random rnd = new Random((ctx.seed() + "\0" + filename).hashCode());
            StringBuilder out = new StringBuilder();
            for (String line : PerlText.lines(fs.get(filename))) {
                Matcher m = ROOT_CRON.matcher(line);
                if (m.matches()) {
                    out.append(rnd.nextInt(59)).append(m.group(1)).append('\n');
                } else {
                    out.append(line).append('\n');
                }
            }
            fs.set(filename, out.toString());
        }
    }

    private static final Pattern CRYPTED = Pattern.compile("^\\$(?:1|2[axy]?|5|6)\\$[a-zA-Z0-9./]{1,16}\\$[a-zA-Z0-9./]+$");

    /** Sets (or, without a password, locks with '*') the user's password; /etc/shadow gets today as last change. */
    void setUserPassword(String user, Optional<String> password) {
        if (!fs.fileExists("/etc/passwd")) {
            return;
        }
        String epw = password.map(p -> CRYPTED.matcher(p).matches() ? p : Sha512Crypt.crypt(p, ctx.salt())).orElse("*");
        if (fs.fileExists("/etc/shadow")) {
            replacePw("/etc/shadow", user, epw, true);
            replacePw("/etc/passwd", user, "x", false);
        } else {
            replacePw("/etc/passwd", user, epw, false);
        }
    }

    private void replacePw(String file, String user, String epw, boolean shadow) {
        long lastChange = ctx.epochDay();
        Pattern p = shadow ? Pattern.compile("^" + Pattern.quote(user) + ":[^:]*:[^:]*:") : Pattern.compile("^" + Pattern.quote(user) + ":[^:]*:");
        String repl = shadow ? user + ":" + epw + ":" + lastChange + ":" : user + ":" + epw + ":";
        String text = fs.get(file);
        StringBuilder out = new StringBuilder();
        for (String line : text.split("(?<=\n)")) {
            out.append(p.matcher(line).replaceFirst(Matcher.quoteReplacement(repl)));
        }
        fs.set(file, out.toString(), shadow ? 0640 : 0644);
    }

    /** Root's SSH keys go to the home directory /etc/passwd names, in a marked block of authorized_keys. */
    void setUserAuthorizedSshKeys(String user, String keys) {
        String home = user.equals("root") ? "/root/" : "/home/" + user + "/";
        if (fs.fileExists("/etc/passwd")) {
            Pattern p = Pattern.compile("^" + Pattern.quote(user) + ":([^:]*:){4}([^:]*):");
            home = null;
            for (String line : PerlText.lines(fs.get("/etc/passwd"))) {
                Matcher m = p.matcher(line);
                if (m.find()) {
                    home = m.group(2);
                    break;
                }
            }
            if (home == null) {
                throw new GuestSetupException("user '" + user + "' is not in /etc/passwd of the container; cannot add SSH keys");
            }
        }
        if (!(fs.isDirectory(home) || fs.isSymlink(home))) {
            throw new GuestSetupException("home directory '" + home + "' of " + user + " does not exist in the container");
        }
        String dir = fs.rootFs().canonicalInRoot(home).orElse(home);
        String ssh = (dir.endsWith("/") ? dir : dir + "/") + ".ssh";
        if (!fs.isDirectory(ssh)) {
            fs.mkdir(ssh, 0700);
        }
        fs.modify(ssh + "/authorized_keys", keys, CtFiles.ModifyMode.APPEND, false, 0700);
    }

    /** New SSH host keys at create (a template's keys must not be shared by its clones). */
    void rewriteSshHostKeys() {
        Map<String, String> types = sshHostKeyTypes();
        if (!fs.isDirectory("/etc/ssh") || types.isEmpty()) {
            return;
        }
        if (ctx.sshKeygen().isEmpty()) {
            fs.warn("/etc/ssh: ssh-keygen is not installed on the host; SSH host keys of the template were kept");
            return;
        }
        String hostname = conf.hostname().orElse("localhost").replaceFirst("\\..*$", "");
        for (Map.Entry<String, String> e : new TreeMap<>(types).entrySet()) {
            Path tmp = null;
            try {
                tmp = Files.createTempDirectory("berth-hostkey");
                Path out = tmp.resolve("key");
                io.berth.sys.ProcessRunner.Result r = io.berth.sys.ProcessRunner.of(ctx.sshKeygen().get().toString(), "-q", "-f",
                        out.toString(), "-t", e.getKey(), "-N", "", "-C", "root@" + hostname).timeout(java.time.Duration.ofSeconds(60)).run();
                if (!r.ok()) {
                    fs.warn("/etc/ssh/" + e.getValue() + ": ssh-keygen failed: " + (r.stderr() + r.stdout()).strip());
                    continue;
                }
                fs.set("/etc/ssh/" + e.getValue(), Files.readString(out), 0600);
                fs.set("/etc/ssh/" + e.getValue() + ".pub", Files.readString(tmp.resolve("key.pub")), 0644);
            } catch (IOException ex) {
                fs.warn("/etc/ssh/" + e.getValue() + ": cannot generate: " + ex.getMessage());
            } catch (io.berth.error.HostFailureException ex) {
                fs.warn("/etc/ssh/" + e.getValue() + ": ssh-keygen: " + ex.getMessage());
            } finally {
                deleteTree(tmp);
            }
        }
    }

    private static void deleteTree(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // our own temp dir; a leftover is harmless
        }
    }

    /** Templates from images.linuxcontainers.org carry a placeholder line in /etc/hosts. */
    void removeLxcNameFromEtcHosts() {
        if (!fs.exists("/etc/hosts")) {
            return;
        }
        List<String> lines = new ArrayList<>();
        for (String l : PerlText.lines(fs.get("/etc/hosts"))) {
            if (!l.matches("^127.0.1.1\\s+LXC_NAME$")) {
                lines.add(l);
            }
        }
        fs.set("/etc/hosts", String.join("\n", lines) + "\n");
    }

    /** Whether /sbin/init is a link to systemd. */
    boolean initIsSystemd() {
        return fs.readlink("/sbin/init").filter(t -> t.endsWith("/systemd")).isPresent();
    }
}
