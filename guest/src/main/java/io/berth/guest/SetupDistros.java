package io.berth.guest;

import io.berth.config.ContainerConfig;
import io.berth.config.NetConfig;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The per-distribution setup plugins, each following the Proxmox plugin of the same name. */
final class SetupDistros {
    private SetupDistros() {}

    // ================================================================ Debian family

    static class Debian extends SetupBase {
        final int version;

        Debian(CtFiles fs, ContainerConfig conf, SetupContext ctx, int version) {
            super(fs, conf, ctx);
            this.version = version;
        }

        static Debian create(CtFiles fs, ContainerConfig conf, SetupContext ctx, List<String> warnings) {
            String raw = fs.firstLine("/etc/debian_version")
                    .orElseThrow(() -> new GuestSetupException("unable to read version info from /etc/debian_version"));
            Map<String, String> map = Map.of("stretch/sid", "9.1", "buster/sid", "10", "bullseye/sid", "11", "bookworm/sid", "12",
                    "trixie/sid", "13", "forky/sid", "14", "duke/sid", "15", "kali-rolling", "12");
            String v = map.getOrDefault(raw, raw);
            Matcher m = Pattern.compile("^(\\d+(\\.\\d+)?)(\\.\\d+)?").matcher(v);
            if (!m.find()) {
                throw new GuestSetupException("unable to parse version info '" + v + "' in /etc/debian_version");
            }
            int version = (int) Double.parseDouble(m.group(1));
            if (version < 4) {
                throw new GuestSetupException("container Debian version '" + version + "' is too old (at least 4)");
            }
            if (version >= 15) {
                warnings.add("The container's Debian version '" + version + "' is newer than the tested version '14'. While "
                        + "everything may work fine, full compatibility cannot be guaranteed.");
            }
            return new Debian(fs, conf, ctx, version);
        }

        @Override String ostype() {
            return "debian";
        }

        @Override String version() {
            return Integer.toString(version);
        }

        @Override String devttydir() {
            return "";
        }

        @Override void setupInit() {
            if (initIsSystemd()) {
                setupContainerGettyService();
                if (version >= 12) {
                    setupSystemdPreset(Map.of("systemd-networkd.service", false));
                }
            }
            setupInittab();
        }

        void setupInittab() {
            String filename = "/etc/inittab";
            if (!fs.fileExists(filename)) {
                return;
            }
            StringBuilder inittab = new StringBuilder();
            for (String l : PerlText.lines(fs.get(filename))) {
                if (!l.matches("^\\s*\\d+:\\d*:[^:]*:.*getty.*") && !l.matches("^\\s*p[fno0]:.*")) {
                    inittab.append(l).append('\n');
                }
            }
            if (inittab.isEmpty()) {
                inittab.append('\n');
            }
            inittab.append("p0::powerfail:/sbin/init 0\n");
            for (int id = 1; id <= ttyCount(); id++) {
                if (id == 7) {
                    continue;
                }
                String levels = id == 1 ? "2345" : "23";
                inittab.append(id).append(':').append(levels).append(":respawn:/sbin/getty ")
                        .append(version < 7 ? "-L" : "--noclear").append(" 38400 tty").append(id).append('\n');
            }
            fs.set(filename, inittab.toString());
        }

        private static final String SNAKEOIL_UNIT = """
                [Unit]
                Description="Regenerate pre-generated snakeoil certificate and key-pair once"
                ConditionPathExists=/etc/ssl/certs/ssl-cert-snakeoil.pem
                ConditionFirstBoot=yes
                Wants=first-boot-complete.target
                Before=first-boot-complete.target

                [Service]
                Type=oneshot
                ExecStart=make-ssl-cert -f generate-default-snakeoil
                """;

        @Override void snakeoilFixup() {
            String key = "/etc/ssl/private/ssl-cert-snakeoil.key";
            if (!fs.fileExists(key)) {
                return;
            }
            if (initIsSystemd()) {
                String unit = "proxmox-regenerate-snakeoil.service";
                String path = "/etc/systemd/system/" + unit;
                fs.set(path, SNAKEOIL_UNIT);
                fs.makePath("/etc/systemd/system/first-boot-complete.target.wants");
                fs.symlink(path, "/etc/systemd/system/first-boot-complete.target.wants/" + unit);
            } else {
                fs.warn("Template contains pre-generated snakeoil certificate! Run `make-ssl-cert generate-default-snakeoil -f` "
                        + "to regenerate it!");
            }
            fs.unlink(key);
        }

        @Override void setupNetwork() {
            writeInterfaces(nets());
        }

        void writeInterfaces(SortedMap<Integer, NetConfig> nets) {
            Optional<String> text = DebianInterfaces.render(fs.read("/etc/network/interfaces"), nets, ostype(), version());
            if (text.isPresent()) {
                fs.makePath("/etc/network");
                fs.set("/etc/network/interfaces", text.get());
            }
        }
    }

    static final class Devuan extends Debian {
        Devuan(CtFiles fs, ContainerConfig conf, SetupContext ctx, int version) {
            super(fs, conf, ctx, version);
        }

        static Devuan create(CtFiles fs, ContainerConfig conf, SetupContext ctx) {
            String raw = fs.firstLine("/etc/devuan_version")
                    .orElseThrow(() -> new GuestSetupException("unable to read version info from /etc/devuan_version")).toLowerCase();
            Map<String, Integer> map = Map.ofEntries(Map.entry("jessie", 8), Map.entry("ascii", 9), Map.entry("ascii/ceres", 9),
                    Map.entry("beowulf", 10), Map.entry("beowulf/ceres", 10), Map.entry("chimaera", 11),
                    Map.entry("chimaera/ceres", 11), Map.entry("daedalus", 12), Map.entry("daedalus/ceres", 12),
                    Map.entry("excalibur", 13), Map.entry("excalibur/ceres", 13));
            Integer v = map.get(raw);
            if (v == null) {
                throw new GuestSetupException("unsupported Devuan version '" + raw + "'; supported: " + new TreeMap<>(map).keySet());
            }
            return new Devuan(fs, conf, ctx, v);
        }

        @Override String ostype() {
            return "devuan";
        }
    }

    static final class Ubuntu extends Debian {
        private static final List<String> KNOWN = List.of("26.10", "26.04", "25.10", "25.04", "24.10", "24.04", "23.10", "23.04",
                "22.10", "22.04", "21.10", "21.04", "20.10", "20.04", "19.10", "19.04", "18.10", "18.04", "17.10", "17.04", "16.10",
                "16.04", "15.10", "15.04", "14.04", "12.04");
        final String release;
        final double num;

        Ubuntu(CtFiles fs, ContainerConfig conf, SetupContext ctx, String release) {
            super(fs, conf, ctx, 0);
            this.release = release;
            this.num = Double.parseDouble(release);
        }

        static Ubuntu create(CtFiles fs, ContainerConfig conf, SetupContext ctx, List<String> warnings) {
            String lsb = fs.get("/etc/lsb-release");
            if (!Pattern.compile("(?mi)^DISTRIB_ID=Ubuntu$").matcher(lsb).find()) {
                throw new GuestSetupException("got unknown DISTRIB_ID in /etc/lsb-release (expected Ubuntu)");
            }
            Matcher m = Pattern.compile("(?mi)^DISTRIB_RELEASE=(\\d+\\.\\d+)$").matcher(lsb);
            if (!m.find()) {
                throw new GuestSetupException("unable to read version info (DISTRIB_RELEASE) from /etc/lsb-release");
            }
            String v = m.group(1);
            if (!KNOWN.contains(v)) {
                int major = Integer.parseInt(v.substring(0, v.indexOf('.')));
                if (major < 17) {
                    throw new GuestSetupException("unsupported ancient Ubuntu version '" + v + "'");
                }
                warnings.add("The container's Ubuntu version '" + v + "' is not in the known version list. As it's newer than "
                        + "the minimum supported version it's likely to work OK, but full compatibility cannot be guaranteed.");
            }
            return new Ubuntu(fs, conf, ctx, v);
        }

        @Override String ostype() {
            return "ubuntu";
        }

        @Override String version() {
            return release;
        }

        @Override void templateFixup() {
            if (num >= 17.10 && num < 23.04) {
                fs.mkdir("/etc/systemd/system/multi-user.target.wants", 0777);
                fs.mkdir("/etc/systemd/system/socket.target.wants", 0777);
                fs.symlink("/lib/systemd/system/systemd-networkd.service",
                        "/etc/systemd/system/multi-user.target.wants/systemd-networkd.service");
                fs.symlink("/lib/systemd/system/systemd-networkd.socket",
                        "/etc/systemd/system/socket.target.wants/systemd-networkd.socket");
            }
            if (num >= 17.10) {
                fs.unlink("/etc/netplan/10-lxc.yaml");
            }
            if (List.of("15.04", "15.10", "16.04").contains(release)) {
                setupSecuretty(List.of("pts/0"));
            }
            if (release.equals("12.04")) {
                String f = "/etc/udev/udev.conf";
                fs.set(f, fs.get(f).replaceFirst("=\"err\"", "=0"));
            }
        }

        @Override void setupInit() {
            if (num >= 23.04) {
                setupSystemdPreset(Map.of("systemd-networkd.service", true));
            }
            if (num >= 16.10) {
                setupContainerGettyService();
            }
            if (release.equals("12.04") || release.equals("14.04")) {
                int ttycount = ttyCount();
                for (int i = 1; i < 7; i++) {
                    String filename = "/etc/init/tty" + i + ".conf";
                    if (i <= ttycount) {
                        fs.set(filename, """
                                # tty%1$d - getty
                                #
                                # This service maintains a getty on tty%1$d from the point the system is
                                # started until it is shut down again.

                                start on stopped rc RUNLEVEL=[2345] and (
                                            not-container or
                                            container CONTAINER=lxc or
                                            container CONTAINER=lxc-libvirt)

                                stop on runlevel [!2345]

                                respawn
                                exec /sbin/getty -8 38400 tty%1$d
                                """.formatted(i));
                    } else {
                        fs.unlink(filename);
                    }
                }
            }
        }

        @Override void setupNetwork() {
            if (num >= 17.10) {
                setupSystemdNetworkd();
            } else {
                super.setupNetwork();
            }
        }
    }

    static final class Alpine extends SetupBase {
        final String version;

        Alpine(CtFiles fs, ContainerConfig conf, SetupContext ctx) {
            super(fs, conf, ctx);
            this.version = fs.firstLine("/etc/alpine-release").orElse(null);
        }

        @Override String ostype() {
            return "alpine";
        }

        @Override String version() {
            return version == null ? "" : version;
        }

        @Override String devttydir() {
            return "";
        }

        @Override void templateFixup() {
            fs.symlink("/etc/init.d/networking", "/etc/runlevels/boot/networking");
            fs.symlink("/etc/init.d/bootmisc", "/etc/runlevels/boot/bootmisc");
            fs.symlink("/etc/init.d/hostname", "/etc/runlevels/boot/hostname");
            fs.symlink("/etc/init.d/killprocs", "/etc/runlevels/shutdown/killprocs");
            fs.symlink("/etc/init.d/savecache", "/etc/runlevels/shutdown/savecache");
            setupSecuretty(List.of());
            removeLxcNameFromEtcHosts();
        }

        @Override void setupInit() {
            String filename = "/etc/inittab";
            if (!fs.fileExists(filename)) {
                return;
            }
            StringBuilder inittab = new StringBuilder();
            for (String l : PerlText.lines(fs.get(filename))) {
                if (!l.matches("^\\s*tty\\d+:\\d*:[^:]*:.*getty.*")) {
                    inittab.append(l).append('\n');
                }
            }
            if (inittab.isEmpty()) {
                inittab.append('\n');
            }
            for (int id = 1; id <= ttyCount(); id++) {
                if (id != 7) {
                    inittab.append("tty").append(id).append("::respawn:/sbin/getty 38400 tty").append(id).append('\n');
                }
            }
            fs.set(filename, inittab.toString());
        }

        /** As Debian, but busybox has no DHCPv6 or SLAAC method: those become {@code manual}. */
        @Override void setupNetwork() {
            SortedMap<Integer, NetConfig> nets = new TreeMap<>();
            nets().forEach((i, d) -> nets.put(i, d.ip6().filter(v -> v.equals("dhcp") || v.equals("auto")).isPresent()
                    ? new NetConfig(d.name(), d.bridge(), d.hwaddr(), d.ip(), d.gw(), Optional.of("manual"), d.gw6(), d.mtu(),
                            d.rate(), d.tag(), d.trunks(), d.firewall(), d.linkDown(), d.type(), d.hostManaged())
                    : d));
            Optional<String> text = DebianInterfaces.render(fs.read("/etc/network/interfaces"), nets, ostype(), version());
            if (text.isPresent()) {
                fs.makePath("/etc/network");
                fs.set("/etc/network/interfaces", text.get());
            }
        }
    }

    // ================================================================ Red Hat family

    static class CentOS extends SetupBase {
        final String version;

        CentOS(CtFiles fs, ContainerConfig conf, SetupContext ctx, String version) {
            super(fs, conf, ctx);
            this.version = version;
        }

        static CentOS create(CtFiles fs, ContainerConfig conf, SetupContext ctx) {
            String release = fs.firstLine("/etc/redhat-release")
                    .orElseThrow(() -> new GuestSetupException("unable to read version info from /etc/redhat-release"));
            String v = centosVersion(release);
            double d = Double.parseDouble(v);
            if (!(d >= 5 && d < 11)) {
                throw new GuestSetupException("unsupported centos version '" + v + "' (/etc/redhat-release); supported: 5 to 10");
            }
            return new CentOS(fs, conf, ctx, v);
        }

        static String centosVersion(String release) {
            Matcher m = Pattern.compile("release\\s+(\\d+\\.\\d+)(\\.\\d+)?").matcher(release);
            if (m.find()) {
                return m.group(1);
            }
            m = Pattern.compile("release\\s+(\\d+)").matcher(release);
            if (m.find()) {
                return m.group(1);
            }
            throw new GuestSetupException("unable to parse centos version '" + release + "'");
        }

        double num() {
            return Double.parseDouble(version);
        }

        @Override String ostype() {
            return "centos";
        }

        @Override String version() {
            return version;
        }

        private static final String TTY_CONF = """
                # tty - getty
                #
                # This service maintains a getty on the specified device.
                #
                # Do not edit this file directly. If you want to change the behaviour,
                # please create a file tty.override and put your changes there.

                stop on runlevel [S016]

                respawn
                instance $TTY
                exec /sbin/mingetty --nohangup $TTY
                usage 'tty TTY=/dev/ttyX  - where X is console id'
                """;

        private static final String START_TTYS_CONF = """
                #
                # This service starts the configured number of gettys.
                #
                # Do not edit this file directly. If you want to change the behaviour,
                # please create a file start-ttys.override and put your changes there.

                start on stopped rc RUNLEVEL=[2345]

                env ACTIVE_CONSOLES=/dev/tty[1-6]
                env X_TTY=/dev/tty1
                task
                script
                        . /etc/sysconfig/init
                        for tty in $(echo $ACTIVE_CONSOLES) ; do
                                [ "$RUNLEVEL" = "5" -a "$tty" = "$X_TTY" ] && continue
                                initctl start tty TTY=$tty
                        done
                end script
                """;

        private static final String POWER_STATUS_CHANGED_CONF = """
                #  power-status-changed - shutdown on SIGPWR
                #
                start on power-status-changed
                \s\s\s\s
                exec /sbin/shutdown -h now "SIGPWR received"
                """;

        @Override void templateFixup() {
            if (num() < 7) {
                fs.makePath("/etc/init");
                String filename = "/etc/init/tty.conf";
                if (fs.fileExists(filename)) {
                    String data = fs.get(filename);
                    fs.set(filename, Pattern.compile("^(exec /sbin/mingetty)(?!.*--nohangup) (.*)$", Pattern.MULTILINE)
                            .matcher(data).replaceAll("$1 --nohangup $2"));
                } else {
                    fs.set(filename, TTY_CONF);
                }
                if (!fs.fileExists("/etc/init/start-ttys.conf")) {
                    fs.set("/etc/init/start-ttys.conf", START_TTYS_CONF);
                }
                if (!fs.fileExists("/etc/init/power-status-changed.conf")) {
                    fs.set("/etc/init/power-status-changed.conf", POWER_STATUS_CHANGED_CONF);
                }
                String sysinit = "/etc/rc.d/rc.sysinit";
                fs.set(sysinit, Pattern.compile("^(/sbin/start_udev.*)$", Pattern.MULTILINE).matcher(fs.get(sysinit)).replaceAll("#$1"));
            }
            if (!fs.fileExists("/etc/locale.conf")) {
                fs.set("/etc/locale.conf", "LANG=C.utf8");
            }
            setupSecuretty(List.of());
            removeLxcNameFromEtcHosts();
            setupSystemdDisableStaticUnits(List.of());
        }

        @Override void setupInit() {
            fixupOldGetty();
            setupContainerGettyService();
            if (num() >= 8) {
                setupSystemdPreset(Map.of());
            }
        }

        /** Red Hat wants the full name in /etc/hostname and in HOSTNAME= of /etc/sysconfig/network. */
        @Override void setHostname() {
            String hostname = conf.hostname().orElse("localhost");
            PrimaryIps ips = primaryIps();
            updateEtcHosts(ips.ipv4().or(ips::ipv6), hostname, lookupDns().searchdomains());
            fs.set("/etc/hostname", hostname + "\n");
            String sysconfig = "/etc/sysconfig/network";
            if (fs.fileExists(sysconfig)) {
                String data = fs.get(sysconfig);
                Matcher m = Pattern.compile("^HOSTNAME=[ \\t]*(\\S+)[ \\t]*$", Pattern.MULTILINE).matcher(data);
                data = m.find() ? m.replaceFirst(Matcher.quoteReplacement("HOSTNAME=" + hostname)) : data + "HOSTNAME=" + hostname + "\n";
                fs.set(sysconfig, data);
            }
        }

        @Override void setupNetwork() {
            String v = centosVersion(fs.get("/etc/redhat-release"));
            if (Double.parseDouble(v) >= 10) {
                setupNetworkManager();
            } else {
                setupNetworkScripts();
            }
        }

        /** Stable per interface: kept from the file setup wrote before, else derived from the container's seed. */
        String connectionUuid(String path, String key, String ifname) {
            Optional<String> old = fs.read(path).flatMap(t -> {
                Matcher m = Pattern.compile("(?m)^" + key + "=([0-9a-fA-F-]{36})$").matcher(t);
                return m.find() ? Optional.of(m.group(1)) : Optional.empty();
            });
            return old.orElseGet(() -> java.util.UUID.nameUUIDFromBytes((ctx.seed() + "\0" + ifname)
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString());
        }

        void setupNetworkManager() {
            fs.makePath("/etc/NetworkManager/system-connections");
            for (NetConfig d : nets().values()) {
                String filename = "/etc/NetworkManager/system-connections/" + d.name() + ".nmconnection";
                Dns dns = lookupDns();
                List<String> ns = PerlText.splitList(dns.nameserver());
                List<String> v4 = ns.stream().filter(x -> x.matches("\\d{1,3}(\\.\\d{1,3}){3}")).toList();
                List<String> v6 = ns.stream().filter(x -> x.contains(":")).toList();
                String header = "[connection]\nid=" + d.name() + "\nuuid=" + connectionUuid(filename, "uuid", d.name()) + "\n"
                        + "type=ethernet\ninterface-name=" + d.name() + "\n";
                StringBuilder data = new StringBuilder("[ipv4]\n");
                String ip = d.ip().orElse("");
                if (!ip.isEmpty() && !ip.equals("manual")) {
                    if (ip.equals("dhcp")) {
                        data.append("method=auto\n");
                    } else {
                        data.append("method=manual\naddresses=").append(ip).append('\n');
                        if (d.gw().isPresent()) {
                            data.append("gateway=").append(d.gw().get()).append('\n');
                            if (!PveNet.inCidr(d.gw().get(), ip, 4)) {
                                data.append("routes=").append(d.gw().get()).append('\n');
                            }
                        }
                    }
                    dnsLines(data, v4, dns);
                } else {
                    data.append("method=disabled\n");
                }
                data.append("[ipv6]\n");
                String ip6 = d.ip6().orElse("");
                if (!ip6.isEmpty() && !ip6.equals("manual")) {
                    if (ip6.equals("auto") || ip6.equals("dhcp")) {
                        data.append("method=auto\n");
                    } else {
                        data.append("method=manual\naddress=").append(ip6).append('\n');
                        if (d.gw6().isPresent()) {
                            String gw6 = d.gw6().get();
                            if (!PveNet.inCidr(gw6, ip6, 6) && !PveNet.inCidr(gw6, "fe80::/10", 6)) {
                                data.append("routes=").append(gw6).append('\n');
                            } else {
                                data.append("gateway=").append(gw6).append('\n');
                            }
                        }
                    }
                    dnsLines(data, v6, dns);
                } else {
                    data.append("method=disabled\n");
                }
                fs.set(filename, header + data, 0600);
            }
        }

        private static void dnsLines(StringBuilder data, List<String> servers, Dns dns) {
            if (!servers.isEmpty()) {
                data.append("dns=").append(String.join(";", servers)).append('\n');
                if (PerlText.truthy(dns.searchdomains())) {
                    data.append("dns-search=").append(String.join(";", PerlText.splitList(dns.searchdomains()))).append('\n');
                }
            }
        }

        void setupNetworkScripts() {
            fs.makePath("/etc/sysconfig/network-scripts");
            boolean hasIpv4 = false;
            boolean hasIpv6 = false;
            for (NetConfig d : nets().values()) {
                hasIpv4 |= d.ip().isPresent();
                hasIpv6 |= d.ip6().isPresent();
                String dir = "/etc/sysconfig/network-scripts/";
                String filename = dir + "ifcfg-" + d.name();
                StringBuilder routes = new StringBuilder();
                StringBuilder routes6 = new StringBuilder();
                String header = "DEVICE=" + d.name() + "\nONBOOT=yes\nUUID=" + connectionUuid(filename, "UUID", d.name()) + "\n";
                StringBuilder data = new StringBuilder();
                String bootproto = "";
                String ip = d.ip().orElse("");
                if (!ip.isEmpty() && !ip.equals("manual")) {
                    if (ip.equals("dhcp")) {
                        bootproto = "dhcp";
                    } else {
                        bootproto = "none";
                        PveNet.Ipv4Cidr c = PveNet.parseIpv4Cidr(ip);
                        data.append("IPADDR=").append(c.address()).append("\nNETMASK=").append(c.netmask()).append('\n');
                        if (d.gw().isPresent()) {
                            String gw = d.gw().get();
                            data.append("GATEWAY=").append(gw).append('\n');
                            if (!PveNet.inCidr(gw, ip, 4)) {
                                routes.append(gw).append(" dev ").append(d.name()).append('\n');
                                routes.append("default via ").append(gw).append(" dev ").append(d.name()).append('\n');
                            }
                        }
                    }
                }
                String ip6 = d.ip6().orElse("");
                if (!ip6.isEmpty() && !ip6.equals("manual")) {
                    if (bootproto.isEmpty()) {
                        bootproto = "none";
                    }
                    data.append("IPV6INIT=yes\n");
                    if (ip6.equals("auto")) {
                        data.append("IPV6_AUTOCONF=yes\n");
                    } else if (ip6.equals("dhcp")) {
                        data.append("DHCPV6C=yes\n");
                    } else {
                        data.append("IPV6ADDR=").append(ip6).append("\nIPV6_AUTOCONF=no\n");
                        if (d.gw6().isPresent()) {
                            String gw6 = d.gw6().get();
                            if (!PveNet.inCidr(gw6, ip6, 6) && !PveNet.inCidr(gw6, "fe80::/10", 6)) {
                                routes6.append(gw6).append(" dev ").append(d.name()).append('\n');
                                routes6.append("default via ").append(gw6).append(" dev ").append(d.name()).append('\n');
                            } else {
                                data.append("IPV6_DEFAULTGW=").append(gw6).append('\n');
                            }
                        }
                    }
                }
                Dns dns = lookupDns();
                List<String> ns = PerlText.splitList(dns.nameserver());
                for (int i = 0; i < ns.size(); i++) {
                    data.append("DNS").append(i + 1).append('=').append(ns.get(i)).append('\n');
                }
                if (PerlText.truthy(dns.searchdomains())) {
                    data.append("DOMAIN=").append(String.join(" ", PerlText.splitList(dns.searchdomains()))).append('\n');
                }
                if (data.isEmpty() && bootproto.isEmpty()) {
                    continue;
                }
                header += "BOOTPROTO=" + bootproto + "\n";
                fs.set(filename, header + data);
                fs.modify(dir + "route-" + d.name(), routes.toString(), CtFiles.ModifyMode.PREPEND, true, 0644);
                fs.modify(dir + "route6-" + d.name(), routes6.toString(), CtFiles.ModifyMode.PREPEND, true, 0644);
            }
            String sysconfig = "/etc/sysconfig/network";
            if (fs.fileExists(sysconfig)) {
                String data = fs.get(sysconfig);
                if (hasIpv4) {
                    Matcher m = Pattern.compile("(NETWORKING)=\\S+").matcher(data);
                    data = m.find() ? m.replaceFirst("$1=yes") : data + "NETWORKING=yes\n";
                }
                if (hasIpv6) {
                    Matcher m = Pattern.compile("(NETWORKING_IPV6)=\\S+").matcher(data);
                    data = m.find() ? m.replaceFirst("$1=yes") : data + "NETWORKING_IPV6=yes\n";
                }
                fs.set(sysconfig, data);
            }
        }
    }

    static final class Fedora extends CentOS {
        Fedora(CtFiles fs, ContainerConfig conf, SetupContext ctx, String version) {
            super(fs, conf, ctx, version);
        }

        static Fedora create(CtFiles fs, ContainerConfig conf, SetupContext ctx, Map<String, String> osRelease) {
            String v = osRelease.get("VERSION_ID");
            if (v == null || !v.matches("\\d+(\\.\\d+)?") || Double.parseDouble(v) < 22) {
                throw new GuestSetupException("unsupported Fedora release '" + v + "' (VERSION_ID in /etc/os-release); supported: 22 and later");
            }
            return new Fedora(fs, conf, ctx, v);
        }

        @Override String ostype() {
            return "fedora";
        }

        @Override void templateFixup() {
            setupSecuretty(List.of());
            fs.unlink("/etc/systemd/system/getty@.service");
            removeLxcNameFromEtcHosts();
        }

        @Override void setupInit() {
            setupContainerGettyService();
            if (num() >= 37) {
                setupSystemdPreset(Map.of("systemd-networkd.service", true));
            }
        }

        @Override void setupNetwork() {
            boolean sysconfigUsed = fs.fileExists("/etc/sysconfig/network");
            double v = num();
            if (v <= 24 || (v <= 27 && sysconfigUsed)) {
                super.setupNetwork();
            }
            if (v >= 25) {
                setupSystemdNetworkd();
            }
        }
    }

    static final class OpenEuler extends CentOS {
        OpenEuler(CtFiles fs, ContainerConfig conf, SetupContext ctx, String version) {
            super(fs, conf, ctx, version);
        }

        static OpenEuler create(CtFiles fs, ContainerConfig conf, SetupContext ctx, Map<String, String> osRelease) {
            String v = osRelease.get("VERSION_ID");
            if (v == null || !v.matches("\\d+(\\.\\d+)?") || Double.parseDouble(v) < 24) {
                throw new GuestSetupException("unsupported openEuler release '" + v + "'; supported: 24 and later");
            }
            return new OpenEuler(fs, conf, ctx, v);
        }

        @Override String ostype() {
            return "openeuler";
        }

        @Override void templateFixup() {
            removeLxcNameFromEtcHosts();
            setupSystemdDisableStaticUnits(List.of("dev-mqueue.mount"));
        }

        @Override void setupInit() {
            setupContainerGettyService();
            setupSystemdPreset(Map.of());
        }
    }

    // ================================================================ others

    static final class Suse extends SetupBase {
        final String version;

        Suse(CtFiles fs, ContainerConfig conf, SetupContext ctx, String version) {
            super(fs, conf, ctx);
            this.version = version;
        }

        /** openSUSE 13.0-13.2 and 42.x, Leap and SLES 15/16, SLES 12, Tumbleweed/Slowroll snapshots from 2017 on. */
        static Suse create(CtFiles fs, ContainerConfig conf, SetupContext ctx, Map<String, String> osRelease) {
            String v = osRelease.getOrDefault("VERSION_ID", "");
            String id = osRelease.getOrDefault("ID", "");
            Matcher m = Pattern.compile("^(\\d+)\\.(\\d+)$").matcher(v);
            Matcher tw = Pattern.compile("^(\\d{4})(\\d{2})(\\d{2})$").matcher(v);
            if (m.matches()) {
                int major = Integer.parseInt(m.group(1));
                int minor = Integer.parseInt(m.group(2));
                boolean ok = major >= 42 || (major == 13 && minor <= 2) || (id.equals("sles") && major == 12) || major == 15
                        || major == 16;
                if (!ok) {
                    throw new GuestSetupException("unsupported suse release '" + v + "'; supported: openSUSE 13.0-13.2, 42.x, "
                            + "Leap/SLES 15.x and 16.x, SLES 12.x, Tumbleweed");
                }
            } else if (tw.matches()) {
                int year = Integer.parseInt(tw.group(1));
                if (!(year >= 2017 && Integer.parseInt(tw.group(2)) <= 12 && Integer.parseInt(tw.group(3)) <= 31)) {
                    throw new GuestSetupException("unsupported suse tumbleweed release '" + v + "' (snapshots from 2017 on)");
                }
            } else {
                throw new GuestSetupException("unrecognized suse release '" + v + "' (VERSION_ID in /etc/os-release)");
            }
            return new Suse(fs, conf, ctx, v);
        }

        @Override String ostype() {
            return "opensuse";
        }

        @Override String version() {
            return version;
        }

        @Override void templateFixup() {
            setupSecuretty(List.of());
            if (!fs.fileExists("/etc/locale.conf")) {
                fs.set("/etc/locale.conf", "LANG=C.utf8");
            }
            if (!fs.fileExists("/etc/localtime")) {
                fs.symlink("/usr/share/zoneinfo/UTC", "/etc/localtime");
            }
            removeLxcNameFromEtcHosts();
        }

        @Override void setupInit() {
            fixupOldGetty();
            setupContainerGettyService();
        }

        @Override void setupNetwork() {
            fs.makePath("/etc/sysconfig/network");
            List<String> modes = List.of("static", "dhcp4", "dhcp6", "dhcp");
            for (NetConfig d : nets().values()) {
                String filename = "/etc/sysconfig/network/ifcfg-" + d.name();
                String routefile = "/etc/sysconfig/network/ifroute-" + d.name();
                StringBuilder routes = new StringBuilder();
                int dhcp = 0;
                List<String> addrs = new java.util.ArrayList<>();
                boolean configured = false;
                String ip = d.ip().orElse("");
                if (!ip.isEmpty() && !ip.equals("manual")) {
                    configured = true;
                    if (ip.equals("dhcp")) {
                        dhcp |= 1;
                    } else {
                        addrs.add(ip);
                        if (d.gw().isPresent()) {
                            String gw = d.gw().get();
                            if (!PveNet.inCidr(gw, ip, 4)) {
                                routes.append(gw).append(" 0.0.0.0 255.255.255.255 ").append(d.name()).append('\n');
                            }
                            routes.append("default ").append(gw).append(" 0.0.0.0 ").append(d.name()).append('\n');
                        }
                    }
                }
                String ip6 = d.ip6().orElse("");
                if (!ip6.isEmpty() && !ip6.equals("manual")) {
                    configured = true;
                    if (ip6.equals("dhcp")) {
                        dhcp |= 2;
                    } else if (!ip6.equals("auto")) {
                        addrs.add(ip6);
                        if (d.gw6().isPresent()) {
                            String gw6 = d.gw6().get();
                            if (!PveNet.inCidr(gw6, ip6, 6) && !PveNet.inCidr(gw6, "fe80::/10", 6)) {
                                routes.append(gw6).append("/128 - - ").append(d.name()).append('\n');
                            }
                            routes.append("default ").append(gw6).append(" - ").append(d.name()).append('\n');
                        }
                    }
                }
                StringBuilder data = new StringBuilder();
                if (addrs.size() > 1) {
                    for (int i = 1; i <= addrs.size(); i++) {
                        data.append("IPADDR_").append(i).append('=').append(addrs.get(i - 1)).append('\n');
                    }
                } else if (addrs.size() == 1) {
                    data.append("IPADDR=").append(addrs.getFirst()).append('\n');
                } else if (configured && dhcp == 0) {
                    continue;
                }
                fs.set(filename, "STARTMODE=" + (configured ? "onboot" : "manual") + "\nBOOTPROTO=" + modes.get(dhcp) + "\n" + data);
                fs.modify(routefile, routes.toString(), CtFiles.ModifyMode.PREPEND, true, 0644);
            }
            if (fs.fileExists("/usr/lib/systemd/systemd-networkd")) {
                setupSystemdNetworkd();
            }
        }
    }

    static final class Arch extends SetupBase {
        Arch(CtFiles fs, ContainerConfig conf, SetupContext ctx) {
            super(fs, conf, ctx);
        }

        @Override String ostype() {
            return "archlinux";
        }

        @Override String version() {
            return "rolling";
        }

        @Override void templateFixup() {
            setupSecuretty(List.of());
            removeLxcNameFromEtcHosts();
        }

        @Override void setupInit() {
            setupSystemdPreset(Map.of("systemd-networkd.service", true));
            setupContainerGettyService();
        }

        @Override void setupNetwork() {
            setupSystemdNetworkd();
        }
    }

    static final class Gentoo extends SetupBase {
        Gentoo(CtFiles fs, ContainerConfig conf, SetupContext ctx) {
            super(fs, conf, ctx);
        }

        static Gentoo create(CtFiles fs, ContainerConfig conf, SetupContext ctx) {
            String v = fs.firstLine("/etc/gentoo-release")
                    .orElseThrow(() -> new GuestSetupException("unable to read version info from /etc/gentoo-release"));
            if (!v.matches("(?i)^gentoo base system release (.*)$")) {
                throw new GuestSetupException("unrecognized gentoo version: " + v + " (/etc/gentoo-release)");
            }
            return new Gentoo(fs, conf, ctx);
        }

        @Override String ostype() {
            return "gentoo";
        }

        @Override String version() {
            return "rolling";
        }

        @Override String devttydir() {
            return "";
        }

        @Override void templateFixup() {
            setupSecuretty(List.of());
            removeLxcNameFromEtcHosts();
        }

        @Override void setupInit() {
            String filename = "/etc/inittab";
            StringBuilder inittab = new StringBuilder();
            for (String l : PerlText.lines(fs.get(filename))) {
                if (!l.matches("^\\s*c?\\d+:\\d*:[^:]*:.*getty.*")) {
                    inittab.append(l).append('\n');
                }
            }
            if (inittab.isEmpty()) {
                inittab.append('\n');
            }
            for (int id = 1; id <= ttyCount(); id++) {
                if (id != 7) {
                    inittab.append(id).append("::respawn:/sbin/agetty 38400 tty").append(id).append('\n');
                }
            }
            fs.set(filename, inittab.toString());
        }

        @Override void setupNetwork() {
            StringBuilder data = new StringBuilder();
            java.util.Set<String> up = new java.util.TreeSet<>();
            for (NetConfig d : nets().values()) {
                String name = d.name();
                boolean hasIpv4 = false;
                boolean hasIpv6 = false;
                StringBuilder config = new StringBuilder();
                StringBuilder routes = new StringBuilder();
                if (d.ip().isPresent()) {
                    String ip = d.ip().get();
                    if (ip.equals("dhcp")) {
                        config.append("dhcp\n");
                        up.add(name);
                    } else if (!ip.equals("manual")) {
                        hasIpv4 = true;
                        config.append(ip).append('\n');
                        up.add(name);
                    }
                }
                if (d.gw().isPresent()) {
                    String gw = d.gw().get();
                    if (hasIpv4 && !PveNet.inCidr(gw, d.ip().get(), 4)) {
                        routes.append("-host ").append(gw).append(" dev ").append(name).append('\n');
                    }
                    routes.append("default gw ").append(gw).append('\n');
                    up.add(name);
                }
                if (d.ip6().isPresent()) {
                    String ip = d.ip6().get();
                    if (!ip.equals("dhcp") && !ip.equals("manual")) {
                        hasIpv6 = true;
                        config.append(ip).append('\n');
                        up.add(name);
                    }
                }
                if (d.gw6().isPresent()) {
                    String gw = d.gw6().get();
                    // Proxmox checks the IPv6 gateway with an IPv4 subnet test, which never matches
                    if (hasIpv6 && !PveNet.inCidr(gw, d.ip6().get(), 4)) {
                        routes.append("-6 -host ").append(gw).append(" dev ").append(name).append('\n');
                    }
                    routes.append("-6 default gw ").append(gw).append('\n');
                    up.add(name);
                }
                String c = PerlText.chomp(config.toString());
                String r = PerlText.chomp(routes.toString());
                if (!c.isEmpty()) {
                    data.append("config_").append(name).append("=\"").append(c).append("\"\n");
                }
                if (!r.isEmpty()) {
                    data.append("routes_").append(name).append("=\"").append(r).append("\"\n");
                }
            }
            String text = "modules=\"$modules ifconfig\"\n" + data;
            fs.modify("/etc/conf.d/net", text, CtFiles.ModifyMode.REPLACE, false, 0644);
            for (String iface : up) {
                fs.symlink("net.lo", "/etc/init.d/net." + iface);
            }
        }

        @Override void setHostname() {
            String hostname = conf.hostname().orElse("localhost");
            String namepart = hostname.replaceFirst("\\..*$", "");
            PrimaryIps ips = primaryIps();
            updateEtcHosts(ips.ipv4().or(ips::ipv6), hostname, lookupDns().searchdomains());
            fs.set("/etc/conf.d/hostname", "hostname=\"" + namepart + "\"\n");
        }
    }

    static final class NixOS extends SetupBase {
        NixOS(CtFiles fs, ContainerConfig conf, SetupContext ctx) {
            super(fs, conf, ctx);
        }

        @Override String ostype() {
            return "nixos";
        }

        @Override String version() {
            return "rolling";
        }

        @Override void setupNetwork() {
            setupSystemdNetworkd();
        }

        @Override void setTimezone() {}

        @Override void setupInit() {}
    }

    /** Setup off: nothing is written. */
    static final class Unmanaged extends SetupBase {
        Unmanaged(CtFiles fs, ContainerConfig conf, SetupContext ctx) {
            super(fs, conf, ctx);
        }

        @Override String ostype() {
            return "unmanaged";
        }

        @Override String version() {
            return "";
        }

        @Override void preStart() {}

        @Override void postCreate(Optional<String> rootPassword, Optional<String> sshKeys) {}

        @Override void setupInit() {}

        @Override void setupNetwork() {}

        @Override void setHostname() {}

        @Override void setDns() {}

        @Override void setTimezone() {}

        @Override Map<String, String> sshHostKeyTypes() {
            return Map.of();
        }
    }
}
