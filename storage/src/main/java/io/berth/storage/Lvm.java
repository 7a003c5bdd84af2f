package io.berth.storage;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs LVM tools so they never wait for udev: without a running udevd (no {@code /run/udev/control})
 * LVM is told not to sync with udev and to create the /dev nodes itself. Every call has a time limit.
 */
final class Lvm {
    private static final String NO_UDEV = "activation { udev_sync=0 udev_rules=0 verify_udev_operations=1 }";

    private Lvm() {}

    static boolean udevRunning() {
        return Files.exists(Path.of("/run/udev/control"));
    }

    /** Device-mapper is in the kernel (thin LVs need it; some VMs have no dm at all). */
    static boolean deviceMapperAvailable() {
        try {
            return Files.readAllLines(Path.of("/proc/misc")).stream().anyMatch(l -> l.strip().endsWith(" device-mapper"));
        } catch (java.io.IOException e) {
            return false;
        }
    }

    static HostCommand command(String tool, String... args) {
        List<String> argv = new ArrayList<>();
        argv.add(tool);
        boolean noUdev = !udevRunning();
        if (noUdev) {
            argv.add("--config");
            argv.add(NO_UDEV);
        }
        argv.addAll(List.of(args));
        HostCommand c = HostCommand.of(argv.toArray(String[]::new)).withEnv(Map.of("LVM_SUPPRESS_FD_WARNINGS", "1"));
        return noUdev ? c.withEnv(Map.of("DM_DISABLE_UDEV", "1")) : c;
    }

    static String run(String tool, String... args) {
        return command(tool, args).run();
    }

    /** One line of {@code lvs -o lv_name,lv_size,pool_lv,data_percent,lv_attr}. */
    record Lv(String name, long sizeBytes, String pool, double dataPercent, String attr) {
        boolean active() {
            return attr.length() > 4 && attr.charAt(4) == 'a';
        }
    }

    static final String LVS_FIELDS = "lv_name,lv_size,pool_lv,data_percent,lv_attr";

    /** Parses {@code lvs --noheadings --units b --nosuffix --separator ';' -o LVS_FIELDS}. */
    static List<Lv> parseLvs(String out) {
        List<Lv> result = new ArrayList<>();
        for (String line : out.lines().toList()) {
            String[] f = line.strip().split(";", -1);
            if (f.length < 5 || f[0].isEmpty()) continue;
            try {
                double pct = f[3].isBlank() ? 0 : Double.parseDouble(f[3].strip().replace(',', '.'));
                result.add(new Lv(f[0].strip(), Long.parseLong(f[1].strip()), f[2].strip(), pct, f[4].strip()));
            } catch (NumberFormatException e) {
                throw new StorageException("cannot parse lvs output line '" + line.strip() + "'");
            }
        }
        return result;
    }

    static List<Lv> lvs(String vg) {
        return parseLvs(run("lvs", "--noheadings", "--units", "b", "--nosuffix", "--separator", ";",
                "-o", LVS_FIELDS, vg));
    }

    static boolean vgExists(String vg) {
        return command("vgs", "--noheadings", "-o", "vg_name", vg).runAllowingFailure().exitCode() == 0;
    }
}
