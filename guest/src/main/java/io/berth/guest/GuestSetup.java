package io.berth.guest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Configures a guest from its {@link GuestSpec}, in the distribution's own files, only inside the rootfs.
 * Running it twice gives the same files; content outside the managed blocks is kept; a file with
 * {@code .pve-ignore.NAME} or {@code .berth-ignore.NAME} next to it is left alone.
 */
public final class GuestSetup {
    private GuestSetup() {}

    /**
     * Units masked (symlinked to /dev/null) in systemd guests because they cannot work in a container and
     * otherwise fail at every boot: configfs/debugfs/tracefs cannot be mounted without CAP_SYS_ADMIN in the
     * initial namespace, and the audit netlink socket is not available in a container. An existing file at
     * /etc/systemd/system/UNIT (an admin override) is left alone.
     */
    public static final List<String> MASKED_UNITS = List.of(
            "sys-kernel-config.mount",
            "sys-kernel-debug.mount",
            "sys-kernel-tracing.mount",
            "systemd-journald-audit.socket");

    /** Detects distribution, version and architecture of the rootfs (read-only). */
    public static Detected detect(Path rootfs) {
        try (RootFs fs = new RootFs(rootfs, 0, 0)) {
            return Detection.detect(fs);
        }
    }

    /** {@link #apply(Path, GuestSpec, Phase, HostEnv)} with this machine's {@link HostEnv#system()}. */
    public static SetupReport apply(Path rootfs, GuestSpec spec, Phase phase) {
        return apply(rootfs, spec, phase, HostEnv.system());
    }

    /**
     * Writes what {@code phase} covers. With ostype {@code unmanaged} nothing is written. Throws
     * {@link GuestSetupException} for an unknown distribution or version, an ostype that does not match the
     * rootfs, or a symlinked directory on a path it must write.
     */
    public static SetupReport apply(Path rootfs, GuestSpec spec, Phase phase, HostEnv host) {
        try (RootFs fs = new RootFs(rootfs, spec.rootUid(), spec.rootGid())) {
            if (spec.ostype().equals("unmanaged")) {
                Detected d;
                try {
                    d = Detection.detect(fs);
                } catch (GuestSetupException e) {
                    d = new Detected(Distro.UNMANAGED, "unknown", "unknown", Detection.arch(fs));
                }
                return new SetupReport(new Detected(Distro.UNMANAGED, d.id(), d.version(), d.arch()), List.of(),
                        List.of("all: ostype is unmanaged (detected " + d.distro().ostype() + " " + d.version()
                                + ")"),
                        List.of());
            }
            Detected d = Detection.detect(fs);
            if (!spec.ostype().isEmpty() && !spec.ostype().equals(d.ostype())) {
                throw new GuestSetupException("ostype '" + spec.ostype() + "' in the config, but the rootfs is "
                        + d.ostype() + " " + d.version() + " (" + d.id() + "); set ostype to '" + d.ostype()
                        + "' or to 'unmanaged'");
            }
            Detection.requireSupported(d);
            return new Run(fs, spec, d, host).apply(phase);
        }
    }

    /** One application: collects what changed. */
    private static final class Run {
        private final RootFs fs;
        private final GuestSpec spec;
        private final Detected d;
        private final HostEnv host;
        private final List<String> changed = new ArrayList<>();
        private final List<String> skipped = new ArrayList<>();
        private final List<String> notes = new ArrayList<>();

        Run(RootFs fs, GuestSpec spec, Detected d, HostEnv host) {
            this.fs = fs;
            this.spec = spec;
            this.d = d;
            this.host = host;
        }

        SetupReport apply(Phase phase) {
            if (d.distro() == Distro.NIXOS) {
                skipped.add("all: NixOS is configured declaratively (/etc/nixos); set hostname and network there");
                return report();
            }
            if (phase.hostname()) {
                hostname();
            }
            if (phase.hosts()) {
                edit("/etc/hosts", 0644, old -> HostsFile.render(old, spec));
            }
            if (phase.network()) {
                network();
            }
            if (phase.dns()) {
                ResolvConf.Dns dns = ResolvConf.effective(spec, host.readResolvConf());
                if (dns.nameservers().isEmpty() && dns.search().isEmpty()) {
                    skipped.add("/etc/resolv.conf: no nameserver or searchdomain in the config or on the host");
                } else {
                    edit("/etc/resolv.conf", 0644, old -> ResolvConf.render(old, dns));
                }
            }
            if (phase.systemWide()) {
                timezone();
                maskUnits();
            }
            if (phase == Phase.CREATE) {
                spec.rootPasswordHash().ifPresent(h -> {
                    if (!fs.exists("/etc/shadow")) {
                        notes.add("/etc/shadow did not exist; created it for the root password");
                    }
                    edit("/etc/shadow", 0640, old -> Shadow.withRootHash(old, h));
                });
                sshKeys();
                sshHostKeys();
            }
            return report();
        }

        private SetupReport report() {
            List<String> w = new ArrayList<>(fs.warnings());
            w.addAll(notes);
            return new SetupReport(d, changed, skipped, w);
        }

        private void hostname() {
            write("/etc/hostname", spec.shortName() + "\n", 0644);
            switch (d.distro()) {
                case GENTOO -> {
                    if (fs.exists("/etc/conf.d/hostname")) {
                        edit("/etc/conf.d/hostname", 0644,
                                old -> KeyValueFile.set(old, "hostname", "\"" + spec.shortName() + "\""));
                    }
                }
                case CENTOS -> {
                    if (Detection.major(d.version()) < 7) {
                        edit("/etc/sysconfig/network", 0644,
                                old -> KeyValueFile.set(KeyValueFile.set(old, "NETWORKING", "yes"), "HOSTNAME",
                                        spec.shortName()));
                    }
                }
                case DEBIAN, DEVUAN, UBUNTU, ALPINE, FEDORA, OPENSUSE, ARCHLINUX, NIXOS, UNMANAGED -> { }
            }
        }

        private void network() {
            NetworkFormat f = NetworkFormat.of(d, fs);
            switch (f) {
                case IFUPDOWN -> edit("/etc/network/interfaces", 0644, old -> Interfaces.render(old, spec.nets()));
                case NETIFRC -> {
                    edit(Netifrc.PATH, 0644, old -> Netifrc.render(old, spec.nets()));
                    openrcNetLinks();
                }
                case NETWORKD -> {
                    owned(Networkd.DIR, ".network", 0644, n -> Optional.of(Networkd.render(n)), "");
                    // netplan's generated units (/run/systemd/network/10-netplan-*) sort before ours and win.
                    List<String> plans = fs.list("/etc/netplan").stream().filter(x -> x.endsWith(".yaml")).toList();
                    if (!plans.isEmpty()) {
                        notes.add("netplan configuration in /etc/netplan " + plans + " takes precedence over "
                                + Networkd.DIR + " for the interfaces it names; remove it to use the config's"
                                + " network settings");
                    }
                }
                case NM_KEYFILE -> owned(NmKeyfile.DIR, ".nmconnection", 0600,
                        n -> Optional.of(NmKeyfile.render(n)), "");
                case REDHAT_IFCFG -> {
                    owned(Ifcfg.REDHAT_DIR, "", 0644, n -> Optional.of(Ifcfg.redhat(n)), "ifcfg-");
                    owned(Ifcfg.REDHAT_DIR, "", 0644, Ifcfg::redhatRoutes, "route-");
                    edit("/etc/sysconfig/network", 0644, old -> KeyValueFile.set(old, "NETWORKING", "yes"));
                }
                case SUSE_IFCFG -> {
                    owned(Ifcfg.SUSE_DIR, "", 0644, n -> Optional.of(Ifcfg.suse(n)), "ifcfg-");
                    owned(Ifcfg.SUSE_DIR, "", 0644, Ifcfg::suseRoutes, "ifroute-");
                }
                case NONE -> skipped.add("network: " + d.ostype() + " has no network format setup writes");
            }
        }

        /**
         * Files setup owns entirely, one per configured interface ({@code DIR/PREFIX NAME SUFFIX}). Files that
         * carry our header but whose interface is gone, or that render to nothing, are removed.
         */
        private void owned(String dir, String suffix, int mode,
                java.util.function.Function<GuestNet, Optional<String>> render, String prefix) {
            Set<String> wanted = new HashSet<>();
            for (GuestNet n : spec.nets()) {
                if (n.ipv4().isEmpty() && n.ipv6().isEmpty()) {
                    continue;
                }
                String path = dir + "/" + prefix + n.name() + suffix;
                Optional<String> content = render.apply(n);
                if (content.isPresent()) {
                    wanted.add(prefix + n.name() + suffix);
                    write(path, content.get(), mode);
                }
            }
            for (String name : fs.list(dir)) {
                if (!name.startsWith(prefix) || !name.endsWith(suffix) || wanted.contains(name)
                        || name.startsWith(".")) {
                    continue;
                }
                String path = dir + "/" + name;
                Optional<String> text = fs.lstat(path).filter(a -> a.isRegularFile()).flatMap(a -> fs.read(path));
                if (text.isPresent() && text.get().startsWith(ManagedSection.OWNED_HEADER) && !fs.ignored(path)) {
                    fs.delete(path);
                    changed.add(path + " (removed)");
                }
            }
        }

        // OpenRC starts net.NAME services, which are symlinks to net.lo.
        private void openrcNetLinks() {
            if (!fs.existsInRoot("/etc/init.d/net.lo")) {
                return;
            }
            for (GuestNet n : spec.nets()) {
                if (n.ipv4().isEmpty() && n.ipv6().isEmpty()) {
                    continue;
                }
                link("/etc/init.d/net." + n.name(), "net.lo");
                if (fs.lstat("/etc/runlevels/default").filter(a -> a.isDirectory()).isPresent()) {
                    link("/etc/runlevels/default/net." + n.name(), "/etc/init.d/net." + n.name());
                }
            }
        }

        private void timezone() {
            if (spec.timezone().isEmpty()) {
                return;
            }
            String tz = spec.timezone().get();
            if (tz.equals("host")) {
                Optional<String> h = host.timezone();
                if (h.isEmpty()) {
                    notes.add("timezone: 'host' requested but the host's zone is unknown; left unchanged");
                    return;
                }
                tz = h.get();
            }
            if (!fs.existsInRoot("/usr/share/zoneinfo/" + tz)) {
                notes.add("timezone: /usr/share/zoneinfo/" + tz + " is missing in the container (install tzdata);"
                        + " left unchanged");
                return;
            }
            link("/etc/localtime", "/usr/share/zoneinfo/" + tz);
            boolean debianish = switch (d.distro()) {
                case DEBIAN, DEVUAN, UBUNTU -> true;
                case ALPINE, CENTOS, FEDORA, OPENSUSE, ARCHLINUX, GENTOO, NIXOS, UNMANAGED -> false;
            };
            if (debianish || fs.exists("/etc/timezone")) {
                write("/etc/timezone", tz + "\n", 0644);
            }
        }

        private void maskUnits() {
            if (!NetworkFormat.systemd(fs)) {
                return;
            }
            for (String unit : MASKED_UNITS) {
                String path = "/etc/systemd/system/" + unit;
                Optional<java.nio.file.attribute.BasicFileAttributes> a = fs.lstat(path);
                if (a.isPresent() && !a.get().isSymbolicLink()) {
                    skipped.add(path + ": an admin override exists");
                    continue;
                }
                if (a.isPresent() && fs.ignored(path)) {
                    continue;
                }
                link(path, "/dev/null");
            }
        }

        private void sshKeys() {
            if (spec.sshKeys().isEmpty()) {
                return;
            }
            fs.mkdirs("/root/.ssh", 0700);
            edit("/root/.ssh/authorized_keys", 0600, old -> {
                Set<String> ours = new HashSet<>(spec.sshKeys());
                List<String> kept = ManagedSection.outside(old, l -> ours.contains(l.strip()));
                return ManagedSection.place(kept, spec.sshKeys(), false);
            });
        }

        /** SSH host keys are per container: generated at create where sshd is installed and keys are missing. */
        private void sshHostKeys() {
            if (host.sshKeygen().isEmpty() || fs.lstat("/etc/ssh").filter(a -> a.isDirectory()).isEmpty()
                    || !(fs.existsInRoot("/usr/sbin/sshd") || fs.exists("/etc/ssh/sshd_config"))) {
                return;
            }
            for (String type : List.of("rsa", "ecdsa", "ed25519")) {
                String key = "/etc/ssh/ssh_host_" + type + "_key";
                if (fs.exists(key)) {
                    continue;
                }
                Path tmp = null;
                try {
                    tmp = Files.createTempDirectory("berth-hostkey");
                    Path out = tmp.resolve("key");
                    Process p = new ProcessBuilder(host.sshKeygen().get().toString(), "-q", "-t", type, "-N", "",
                            "-C", "root@" + spec.shortName(), "-f", out.toString())
                            .redirectErrorStream(true).start();
                    p.getOutputStream().close();
                    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                        p.destroyForcibly();
                        notes.add(key + ": ssh-keygen failed: " + output.strip());
                        continue;
                    }
                    write(key, Files.readString(out), 0600);
                    write(key + ".pub", Files.readString(tmp.resolve("key.pub")), 0644);
                } catch (IOException e) {
                    notes.add(key + ": cannot generate: " + e.getMessage());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new GuestSetupException("interrupted while generating " + key, e);
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
                // temp dir of our own; a leftover is harmless
            }
        }

        private void edit(String path, int mode, java.util.function.UnaryOperator<String> f) {
            if (fs.ignored(path)) {
                skipped.add(path + ": ignore file present");
                return;
            }
            write(path, f.apply(fs.read(path).orElse("")), mode);
        }

        private void write(String path, String content, int mode) {
            switch (fs.write(path, content, mode)) {
                case WRITTEN -> changed.add(path);
                case IGNORED -> skipped.add(path + ": ignore file present");
                case UNCHANGED -> { }
            }
        }

        private void link(String path, String target) {
            if (fs.ignored(path)) {
                skipped.add(path + ": ignore file present");
                return;
            }
            if (fs.symlink(path, target)) {
                changed.add(path);
            }
        }
    }
}
