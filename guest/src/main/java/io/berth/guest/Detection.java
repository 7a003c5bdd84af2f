package io.berth.guest;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The architecture of the rootfs's binaries, from an ELF header. */
final class Detection {
    private Detection() {}

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
