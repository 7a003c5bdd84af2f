package io.berth.idmap;

import io.berth.error.InvalidInputException;
import io.berth.error.ParamError;
import java.util.List;

/**
 * An id map (or mount-point idmap) is malformed or inconsistent: the admin's input, so invalid input (exit 2,
 * HTTP 400) naming the key it came from ({@code lxc.idmap}, or a mount point's {@code idmap} option); the message
 * names the offending entries.
 */
public final class IdMapException extends InvalidInputException {
    /** The container's map ({@code lxc.idmap} lines). */
    public static final String LXC_IDMAP = "lxc.idmap";
    /** A mount point's {@code idmap=} option. */
    public static final String MOUNT_IDMAP = "idmap";

    public IdMapException(String param, String message) {
        super(message, List.of(new ParamError(param, message)));
    }
}
