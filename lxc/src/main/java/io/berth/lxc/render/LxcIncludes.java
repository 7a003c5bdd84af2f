package io.berth.lxc.render;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The files a rendered config includes must exist before {@code lxc-start} runs: LXC itself only logs
 * {@code Failed to open file} and fails the start. The per-distribution includes come from Debian's
 * {@code lxc-templates} package, the generic ones from {@code liblxc-common} (pulled in by {@code lxc}).
 */
public final class LxcIncludes {
    private LxcIncludes() {}

    /** The error for the first missing include of {@code config} (LXC config text), naming the package that ships it. */
    public static Optional<String> problem(String config) {
        List<String> missing = new ArrayList<>();
        for (String line : config.lines().toList()) {
            String l = line.strip();
            if (!l.startsWith("lxc.include")) continue;
            int eq = l.indexOf('=');
            if (eq < 0) continue;
            String file = l.substring(eq + 1).strip();
            if (!file.isEmpty() && !Files.exists(Path.of(file))) missing.add(file);
        }
        if (missing.isEmpty()) return Optional.empty();
        String file = missing.getFirst();
        String also = missing.size() > 1 ? "; also missing: " + String.join(", ", missing.subList(1, missing.size())) : "";
        return Optional.of("lxc.include: " + file + " does not exist" + packageOf(file)
                .map(p -> "; it is shipped by the Debian package '" + p + "' (apt-get install " + p + ", as scripts/deps.sh does)")
                .orElse("") + also);
    }

    /** Which Debian 12 package ships a file under {@link LxcConfigRenderer#LXC_CONFIG_DIR}. */
    static Optional<String> packageOf(String file) {
        if (!file.startsWith(LxcConfigRenderer.LXC_CONFIG_DIR + "/")) return Optional.empty();
        String name = Path.of(file).getFileName().toString();
        boolean generic = name.equals("common.conf") || name.equals("userns.conf") || name.equals("nesting.conf")
                || name.equals("oci.common.conf") || name.endsWith(".d");
        return Optional.of(generic ? "lxc" : "lxc-templates");
    }
}
