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
 * @param password root's password in the container (plain, or a crypt hash such as {@code $6$...}); never stored
 * @param sshPublicKeys authorized_keys lines for root
 * @param ignoreUnpackErrors members tar could not create are warnings, not a failure
 */
public record CreateRequest(int vmid, String template, Map<String, String> options, Optional<String> storage,
                            Optional<String> password, Optional<String> sshPublicKeys, boolean ignoreUnpackErrors) {
    public CreateRequest {
        options = Map.copyOf(options);
    }

    public CreateRequest(int vmid, String template, Map<String, String> options, Optional<String> storage) {
        this(vmid, template, options, storage, Optional.empty(), Optional.empty(), false);
    }
}
