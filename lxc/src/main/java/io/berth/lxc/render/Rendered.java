package io.berth.lxc.render;

import java.util.List;
import java.util.Optional;

/**
 * The rendered LXC config. When {@code seccompProfile} is present, its text must be written to the path the config
 * names in {@code lxc.seccomp.profile} (see {@link RenderInput#seccompProfilePath()}) before the container starts.
 * {@code warnings} are for the user (e.g. a raw lxc key overriding a feature).
 */
public record Rendered(String config, Optional<String> seccompProfile, List<String> warnings) {
    public Rendered {
        warnings = List.copyOf(warnings);
    }
}
