package io.berth.guest;

import java.util.List;

/**
 * What setup did.
 *
 * @param detected the distribution, or {@link Distro#UNMANAGED} when setup was off
 * @param changed rootfs paths (absolute inside the container) whose content was created or replaced
 * @param skipped paths left alone, with the reason (ignore files, admin overrides)
 * @param warnings things the admin should know (replaced symlinks, missing zone files)
 */
public record SetupReport(Detected detected, List<String> changed, List<String> skipped, List<String> warnings) {
    public SetupReport {
        changed = List.copyOf(changed);
        skipped = List.copyOf(skipped);
        warnings = List.copyOf(warnings);
    }
}
