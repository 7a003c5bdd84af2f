package io.berth.ct;

import io.berth.storage.HostCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The LVM tools as the LVM-thin tests run them: never waiting for a udev that is not running, as the storage module does. */
public final class LvmTools {
    private static final String NO_UDEV = "activation { udev_sync=0 udev_rules=0 verify_udev_operations=1 }";

    private LvmTools() {}

    /** Whether this kernel has device-mapper: without it no thin pool can exist and the LVM-thin tests skip. */
    public static boolean deviceMapper() {
        try {
            return Files.readAllLines(Path.of("/proc/misc")).stream().anyMatch(l -> l.strip().endsWith(" device-mapper"));
        } catch (IOException e) {
            return false;
        }
    }

    /** Runs an LVM tool ({@code pvcreate}, {@code lvcreate}, ...), failing with its stderr; returns its stdout. */
    public static String lvm(String tool, String... args) {
        List<String> argv = new ArrayList<>(List.of(tool));
        boolean noUdev = !Files.exists(Path.of("/run/udev/control"));
        if (noUdev) argv.addAll(List.of("--config", NO_UDEV));
        argv.addAll(List.of(args));
        HostCommand c = HostCommand.of(argv.toArray(String[]::new)).withEnv(Map.of("LVM_SUPPRESS_FD_WARNINGS", "1"));
        return (noUdev ? c.withEnv(Map.of("DM_DISABLE_UDEV", "1")) : c).run();
    }
}
