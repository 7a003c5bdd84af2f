package io.berth.ct.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * The cached debootstrapped Debian 12 rootfs ({@code $BERTH_DEBIAN_ROOTFS}, default
 * {@value #DEFAULT_TARBALL}) built by {@code guest/src/test/scripts/build-debian-rootfs.sh}. Tests that need it are
 * skipped, saying how to build it, when it is missing or too old to boot (no init).
 */
final class DebianRootfs {
    static final String DEFAULT_TARBALL = "/var/cache/berth/debian-12-rootfs.tar.zst";
    private static final String BUILD = "bash guest/src/test/scripts/build-debian-rootfs.sh";
    private static Path checked;

    private DebianRootfs() {}

    static synchronized Path require() {
        Path tar = Path.of(Optional.ofNullable(System.getenv("BERTH_DEBIAN_ROOTFS")).orElse(DEFAULT_TARBALL));
        if (tar.equals(checked)) return tar;
        Assumptions.assumeTrue(Files.isRegularFile(tar), "skipped: no Debian 12 rootfs tarball at " + tar
                + "; build it (a minute or two, needs Debian's package mirror) with: " + BUILD);
        Proc.Result list = Proc.run(List.of("tar", "--zstd", "-tf", tar.toString()), Map.of(), Duration.ofSeconds(60));
        Assumptions.assumeTrue(list.ok(), "skipped: cannot list " + tar + ": " + list.describe());
        // minbase alone has no init; the script adds sysvinit-core so the container boots the distro's rc scripts
        boolean hasInit = list.out().lines().anyMatch(l -> l.equals("./usr/sbin/init") || l.equals("./sbin/init"));
        Assumptions.assumeTrue(hasInit, "skipped: " + tar + " has no /sbin/init (built before sysvinit-core was"
                + " added); rebuild it with: BERTH_REBUILD=1 " + BUILD);
        checked = tar;
        return tar;
    }

    static final String SYSTEMD_TARBALL = "/var/cache/berth/debian-12-systemd-rootfs.tar.zst";
    private static Path checkedSystemd;

    /** The Debian 12 rootfs with systemd as /sbin/init ({@code build-debian-rootfs.sh --init systemd}). */
    static synchronized Path requireSystemd() {
        Path tar = Path.of(Optional.ofNullable(System.getenv("BERTH_DEBIAN_SYSTEMD_ROOTFS")).orElse(SYSTEMD_TARBALL));
        if (tar.equals(checkedSystemd)) return tar;
        Assumptions.assumeTrue(Files.isRegularFile(tar), "skipped: no Debian 12 systemd rootfs tarball at " + tar
                + "; build it (a few minutes, needs Debian's package mirror) with: " + BUILD + " --init systemd");
        Proc.Result list = Proc.run(List.of("tar", "--zstd", "-tvf", tar.toString()), Map.of(), Duration.ofSeconds(60));
        Assumptions.assumeTrue(list.ok(), "skipped: cannot list " + tar + ": " + list.describe());
        boolean systemdInit = list.out().lines().anyMatch(l -> l.contains(" ./usr/sbin/init -> ") && l.endsWith("/systemd"));
        Assumptions.assumeTrue(systemdInit, "skipped: " + tar + " has no /sbin/init -> systemd; rebuild it with: "
                + "BERTH_REBUILD=1 " + BUILD + " --init systemd");
        checkedSystemd = tar;
        return tar;
    }
}
