package io.berth.ct;

import java.util.Map;
import java.util.Optional;

/**
 * A container to create.
 *
 * @param vmid     the new container's id
 * @param template a template archive path or {@code STORAGE:vztmpl/NAME}
 * @param options  config keys and values as given ({@code rootfs}, {@code mp0}, {@code hostname}, ...); volumes in the
 *                 new-disk syntax {@code STORAGE:SIZE_GB} are allocated
 * @param storage  storage for a rootfs given as a bare size ({@code --rootfs 8}); default {@code local}
 */
public record CreateRequest(int vmid, String template, Map<String, String> options, Optional<String> storage) {
    public CreateRequest {
        options = Map.copyOf(options);
    }
}
